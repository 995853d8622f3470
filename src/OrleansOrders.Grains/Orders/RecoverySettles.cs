using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Orders;

/// <summary>
/// The settles of this silo's orders, sent to their recovery shards in one one-way call per shard
/// every <see cref="Interval"/> rather than one call per order step. Safe to delay or to lose: a
/// settle names the stamp of the step it ends, so one arriving after the order tracked its next
/// step changes nothing, and one lost (a crash) only leaves the step for the sweep, which finds
/// nothing left to do. A silo singleton: orders call <see cref="Settle"/>, which never blocks; its
/// task completes once the shard applied the batch, and a deactivating order awaits it, so an
/// activation that follows can never read the step as still tracked (and carry out, days later,
/// operations a stock grain has forgotten).
/// </summary>
public sealed class RecoverySettles(IGrainFactory grains, ILogger<RecoverySettles> logger) : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);
    private const int MaxPerCall = 1_000;

    private readonly ConcurrentDictionary<long, ConcurrentQueue<(SettledStep Step, TaskCompletionSource Done)>> _byShard = new();
    private readonly Lock _timerLock = new();
    private Timer? _timer;
    private int _armed;

    public Task Settle(long shard, string orderId, long stamp)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _byShard.GetOrAdd(shard, _ => new ConcurrentQueue<(SettledStep, TaskCompletionSource)>()).Enqueue((new SettledStep(orderId, stamp), done));
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
        var more = false;
        foreach (var (shard, queue) in _byShard)
        {
            var batch = new List<(SettledStep Step, TaskCompletionSource Done)>();
            while (batch.Count < MaxPerCall && queue.TryDequeue(out var step))
            {
                batch.Add(step);
            }
            more |= !queue.IsEmpty;
            if (batch.Count > 0)
            {
                _ = Send(shard, batch);
            }
        }
        if (more && Interlocked.Exchange(ref _armed, 1) == 0)
        {
            lock (_timerLock)
            {
                _timer?.Change(Interval, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private async Task Send(long shard, List<(SettledStep Step, TaskCompletionSource Done)> batch)
    {
        try
        {
            await grains.Reference<IOrderRecoveryGrain>(shard).SettledMany(batch.Select(b => b.Step).ToList());
            batch.ForEach(b => b.Done.TrySetResult());
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Recovery shard {Shard}: {Count} settles not delivered; its sweep finishes those steps", shard, batch.Count);
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
