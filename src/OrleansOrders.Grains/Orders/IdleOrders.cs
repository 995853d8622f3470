using System.Collections.Concurrent;

namespace OrleansOrders.Grains.Orders;

/// <summary>
/// Settled orders waiting to leave memory, on one timer per silo. Each settled order held its own
/// one-shot grain timer until session 10: at 2,500 orders/s and 10 s idle that is 25,000 timers in
/// .NET's timer queue, whose single lock every timeout in the silo takes (bids' deadlines, Polly's
/// timeouts, activation timeouts); a CPU trace late in a steady run found threads spinning on that
/// lock in 15% of its samples. Here an order enlists once; when its time is up its check is queued on
/// the order's own scheduler, so it runs in the order's context and decides there (nothing of the
/// order is read from this thread). Enlistments come in the order they fall due (one idle time for
/// all), so the queue is first in, first out. Losing them (a silo stopping) loses nothing: the orders go with the silo.
/// </summary>
public sealed class IdleOrders : IDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    private readonly ConcurrentQueue<(IGrainContext Order, Action Check, long DueAt)> _waiting = new();
    private readonly Timer _timer;
    private int _armed;

    public IdleOrders() => _timer = new Timer(_ => Run(), null, Timeout.Infinite, Timeout.Infinite);

    /// <summary>Queues <paramref name="check"/> on <paramref name="order"/>'s scheduler once <paramref name="after"/> has passed.</summary>
    public void Enlist(IGrainContext order, Action check, TimeSpan after)
    {
        _waiting.Enqueue((order, check, Environment.TickCount64 + (long)after.TotalMilliseconds));
        if (Interlocked.Exchange(ref _armed, 1) == 0)
        {
            _timer.Change(Tick, Timeout.InfiniteTimeSpan);
        }
    }

    private void Run()
    {
        var now = Environment.TickCount64;
        while (_waiting.TryPeek(out var next) && next.DueAt <= now && _waiting.TryDequeue(out next))
        {
            if (next.Order.Deactivated.IsCompleted)
            {
                continue; // gone already (a crash, a deactivation for another reason)
            }
            next.Order.Scheduler.QueueAction(next.Check);
        }
        Volatile.Write(ref _armed, 0);
        if (!_waiting.IsEmpty && Interlocked.Exchange(ref _armed, 1) == 0)
        {
            _timer.Change(Tick, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose() => _timer.Dispose();
}
