namespace OrleansOrders.Grains;

/// <summary>
/// Group commit for a reentrant grain's persistent state: at most one write in flight; every
/// caller that changed state in memory awaits <see cref="WhenDurable"/>, and callers that arrive
/// while a write is in flight share the next one. So a hot grain pays one storage round trip per
/// batch, not per call.
/// A failed write fails the calls it carried and the calls queued behind it (their changes sat on
/// top of the refused state), then reloads state from storage; mutating calls await
/// <see cref="WhenReady"/> first so none decides on state that is about to be replaced.
/// A write has a size limit (an entity-group transaction takes 100 entities): a caller that finds
/// the next write full awaits <see cref="WhenRoom"/>, which lets the write in flight finish and hand
/// its successor what is pending, before deciding.
/// With <c>coalesce</c> off every caller gets a write of its own, in order: the baseline that the
/// durability benchmark compares group commit against.
/// Not thread-safe by design: it runs on the grain's single-threaded scheduler.
/// </summary>
public sealed class GroupCommit(Func<Task> write, Func<Task> reload, Action<Exception> onReloadFailed, bool coalesce = true)
{
    private readonly Queue<TaskCompletionSource> _solo = new();
    private TaskCompletionSource? _next;
    private TaskCompletionSource? _inFlight;
    private bool _flushing;
    private Task? _reloading;

    /// <summary>Completes when no reload is under way; mutating calls await it before deciding.</summary>
    public Task WhenReady() => _reloading ?? Task.CompletedTask;

    /// <summary>Completes once <paramref name="hasRoom"/> holds or no write is in flight to make room; then the caller decides.</summary>
    public async Task WhenRoom(Func<bool> hasRoom)
    {
        while (!hasRoom() && _inFlight is { } inFlight)
        {
            await inFlight.Task;
        }
        await WhenReady();
    }

    /// <summary>Completes when a write that started after this call has succeeded.</summary>
    public Task WhenDurable()
    {
        Task task;
        if (coalesce)
        {
            _next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            task = _next.Task;
        }
        else
        {
            var own = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _solo.Enqueue(own);
            task = own.Task;
        }
        if (!_flushing)
        {
            _ = FlushAsync();
        }
        return task;
    }

    private async Task FlushAsync()
    {
        _flushing = true;
        try
        {
            while (TakeNextBatch() is { } batch)
            {
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _inFlight = done;
                try
                {
                    await write();
                    batch.SetResult();
                }
                catch (Exception ex)
                {
                    var queued = new List<TaskCompletionSource>();
                    while (TakeNextBatch() is { } waiting)
                    {
                        queued.Add(waiting);
                    }
                    var reloading = ReloadAsync();
                    _reloading = reloading;
                    await reloading;
                    _reloading = null;
                    batch.SetException(ex);
                    foreach (var waiting in queued)
                    {
                        waiting.SetException(ex);
                    }
                }
                finally
                {
                    _inFlight = null;
                    done.SetResult();
                }
            }
        }
        finally
        {
            _flushing = false;
        }
    }

    private TaskCompletionSource? TakeNextBatch()
    {
        if (_solo.TryDequeue(out var own))
        {
            return own;
        }
        var batch = _next;
        _next = null;
        return batch;
    }

    private async Task ReloadAsync()
    {
        try
        {
            await reload();
        }
        catch (Exception ex)
        {
            onReloadFailed(ex);
        }
    }
}
