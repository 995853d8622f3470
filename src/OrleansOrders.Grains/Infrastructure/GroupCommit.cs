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
/// With a <c>linger</c>, a write that would start with fewer callers than the previous write carried,
/// soon after that write, waits up to the linger for the rest: the callers a write just answered are
/// usually about to come back (a hot SKU under steady load), and without the wait the first of them
/// would go alone while the others pile up behind it, halving every batch. A caller at a time never
/// waits (the previous write carried one), and a write that finds no room left starts at once.
/// With <c>coalesce</c> off every caller gets a write of its own, in order: the baseline that the
/// durability benchmark compares group commit against.
/// Not thread-safe by design: it runs on the grain's single-threaded scheduler.
/// </summary>
public sealed class GroupCommit(Func<Task> write, Func<Task> reload, Action<Exception> onReloadFailed, bool coalesce = true,
    TimeSpan linger = default, TimeProvider? time = null)
{
    private readonly Queue<TaskCompletionSource> _solo = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private TaskCompletionSource? _next;
    private TaskCompletionSource? _inFlight;
    private bool _flushing;
    private Task? _reloading;
    private int _nextCallers;
    private int _lastBatchCallers;
    private long _lastWriteEnded;
    private TaskCompletionSource? _lingering;

    /// <summary>Writes issued so far (for tests and diagnostics).</summary>
    public long Writes { get; private set; }

    /// <summary>Completes when no reload is under way; mutating calls await it before deciding.</summary>
    public Task WhenReady() => _reloading ?? Task.CompletedTask;

    /// <summary>Completes once <paramref name="hasRoom"/> holds or no write is in flight to make room; then the caller decides.</summary>
    public async Task WhenRoom(Func<bool> hasRoom)
    {
        while (!hasRoom() && _inFlight is { } inFlight)
        {
            _lingering?.TrySetResult(); // the next write is full: waiting for more callers only delays it
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
            if (++_nextCallers >= _lastBatchCallers)
            {
                _lingering?.TrySetResult();
            }
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
            while (true)
            {
                // In flight from here: a caller that finds the next write full waits for it, not past it.
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _inFlight = done;
                await Linger();
                if (TakeNextBatch() is not { } batch)
                {
                    _inFlight = null;
                    done.SetResult();
                    break;
                }
                try
                {
                    Writes++;
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
                    _lastWriteEnded = _time.GetTimestamp();
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

    /// <summary>Before a write: wait (bounded by the linger) for as many callers as the previous write carried, if it ended within the linger.</summary>
    private async Task Linger()
    {
        if (!coalesce || linger <= TimeSpan.Zero || _next is null || _nextCallers >= _lastBatchCallers
            || _time.GetElapsedTime(_lastWriteEnded) > linger)
        {
            return;
        }
        var lingering = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _lingering = lingering;
        using var timeout = new CancellationTokenSource(linger, _time);
        using (timeout.Token.Register(() => lingering.TrySetResult()))
        {
            await lingering.Task;
        }
        _lingering = null;
    }

    private TaskCompletionSource? TakeNextBatch()
    {
        if (_solo.TryDequeue(out var own))
        {
            return own;
        }
        var batch = _next;
        _next = null;
        if (batch is not null)
        {
            _lastBatchCallers = _nextCallers;
            _nextCallers = 0;
        }
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
