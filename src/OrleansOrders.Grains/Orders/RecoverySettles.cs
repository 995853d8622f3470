using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OrleansOrders.Grains.Orders.Records;

namespace OrleansOrders.Grains.Orders;

/// <summary>
/// The recovery entries this silo's orders are done with, removed from the <see cref="IOrderRecordStore"/>
/// in one batch per partition every <see cref="Interval"/> rather than one write per order step (at 20 ms
/// a durable order cost 0.95 removal writes over 64 partitions; a second lets a flush carry many). Safe
/// to delay or to lose: each removal names the entry's ETag, so one arriving after the order wrote its
/// next step's entry changes nothing, and one lost (a crash) only leaves the step for the sweep, which
/// finds nothing left to do. A silo singleton: orders call <see cref="Untrack"/>, which never blocks;
/// its task completes once the removal landed, and a deactivating order awaits it.
/// </summary>
public sealed class RecoverySettles(IOrderRecordStore records, StorageOperationCounter counter, ILogger<RecoverySettles> logger) : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentQueue<(TrackedOrder Entry, TaskCompletionSource Done)> _queue = new();
    private readonly Lock _timerLock = new();
    private Timer? _timer;
    private int _armed;

    public Task Untrack(TrackedOrder entry)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Enqueue((entry, done));
        if (Interlocked.Exchange(ref _armed, 1) == 0)
        {
            lock (_timerLock)
            {
                _timer ??= new Timer(_ => Flush(), null, Timeout.Infinite, Timeout.Infinite);
                _timer.Change(Interval, Timeout.InfiniteTimeSpan);
            }
        }
        return done.Task;
    }

    private void Flush()
    {
        Volatile.Write(ref _armed, 0);
        var batch = new List<(TrackedOrder Entry, TaskCompletionSource Done)>();
        while (_queue.TryDequeue(out var entry))
        {
            batch.Add(entry);
        }
        foreach (var partition in batch.GroupBy(b => OrderRecordPartitions.Of(b.Entry.OrderId)))
        {
            _ = Send(partition.ToList());
        }
        if (!_queue.IsEmpty && Interlocked.Exchange(ref _armed, 1) == 0)
        {
            lock (_timerLock)
            {
                _timer?.Change(Interval, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private async Task Send(List<(TrackedOrder Entry, TaskCompletionSource Done)> batch)
    {
        try
        {
            counter.RecordWrite(GridOptions.StorageName, "recovery");
            await records.UntrackAsync(batch.Select(b => b.Entry).ToList());
            batch.ForEach(b => b.Done.TrySetResult());
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "{Count} recovery entries not removed; the sweep finishes those steps", batch.Count);
            batch.ForEach(b => b.Done.TrySetException(ex));
        }
    }

    public void Dispose()
    {
        lock (_timerLock)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }
}
