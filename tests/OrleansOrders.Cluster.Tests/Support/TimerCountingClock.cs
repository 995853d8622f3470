using Microsoft.Extensions.Time.Testing;

namespace OrleansOrders.Cluster.Tests.Support;

/// <summary>
/// A fake clock that counts the timers made on it (a <c>Task.Delay</c> or a timed cancellation on this
/// clock makes one), so a test can wait for code to start waiting, then assert nothing happened,
/// instead of pausing on the wall clock and hoping the pause was long enough.
/// </summary>
public sealed class TimerCountingClock : FakeTimeProvider
{
    private int _timers;

    public int TimersMade => Volatile.Read(ref _timers);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref _timers);
        return base.CreateTimer(callback, state, dueTime, period);
    }

    /// <summary>Completes once at least <paramref name="count"/> timers were made (a state, not a timing: the limit only bounds a hung test).</summary>
    public Task TimersMadeAtLeast(int count, string what) =>
        Eventually.True(() => Task.FromResult(TimersMade >= count), what);
}
