using System.Diagnostics;

namespace OrleansOrders.LoadTest.Load;

/// <summary>
/// The heap the process keeps (live objects after a full, compacting collection) early in the
/// measured window and at its end, so a run shows what it retains per order rather than garbage not
/// yet collected. Each checkpoint forces one blocking collection; its pause is reported beside it.
/// Only a run whose window is long enough has the early checkpoint.
/// </summary>
public sealed class HeapCheckpoints
{
    /// <summary>How far into the measured window the early checkpoint is taken.</summary>
    public static readonly TimeSpan EarlyAt = TimeSpan.FromSeconds(30);

    private HeapCheckpoint? _early;

    /// <summary>Takes the early checkpoint <see cref="EarlyAt"/> after <paramref name="measureStart"/> (warm-up included in the delay), unless the run ends first.</summary>
    public Task WatchAsync(TimeSpan warmup, Task run, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        var due = Task.Delay(warmup + EarlyAt, cancellationToken);
        if (await Task.WhenAny(due, run) == due && !run.IsCompleted)
        {
            _early = Take(EarlyAt);
        }
    }, CancellationToken.None);

    public HeapCheckpoint? Early => _early;

    /// <summary>Collects fully and answers the live heap now.</summary>
    public static HeapCheckpoint Take(TimeSpan at)
    {
        var started = Stopwatch.GetTimestamp();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        var live = GC.GetTotalMemory(forceFullCollection: false);
        return new HeapCheckpoint(Math.Round(at.TotalSeconds, 1), Math.Round(live / 1024.0 / 1024.0, 1),
            Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1),
            Math.Round(Grains.NativeTable.BytesInProcess / 1024.0 / 1024.0, 1));
    }
}

/// <summary>
/// Live heap after a full collection at <see cref="AtSecond"/> of the measured window, how long that
/// collection paused the process, and what the in-process grid's stored records hold outside the GC
/// heap (its <see cref="Grains.NativeTable"/>s: records, ledgers, indexes; 0 against a grid elsewhere).
/// </summary>
public sealed record HeapCheckpoint(double AtSecond, double LiveMb, double PauseMs, double StoredOutsideHeapMb = 0);
