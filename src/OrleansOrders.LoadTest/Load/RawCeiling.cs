using System.Diagnostics;
using HdrHistogram;
using OrleansOrders.Contracts;

namespace OrleansOrders.LoadTest.Load;

/// <summary>The trivial grain's call rate at a concurrency: what order throughput is compared with.</summary>
public sealed record RawCeilingResult(int Concurrency, double MeasuredSeconds, long Calls, double CallsPerSecond, double P50Ms, double P99Ms);

/// <summary>
/// Measures the raw ceiling: closed-loop calls of <see cref="IPingGrain"/> through the same
/// <see cref="IGrainFactory"/> the orders use, one ping grain per worker (so no single activation
/// is the bottleneck), after a short warm-up that is not counted.
/// </summary>
public static class RawCeiling
{
    public static async Task<RawCeilingResult> MeasureAsync(IGrainFactory grains, int concurrency, TimeSpan duration, TimeSpan warmup, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(concurrency);
        var start = Stopwatch.GetTimestamp();
        var measureStart = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var measureEnd = measureStart + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var ping = grains.Reference<IPingGrain>(worker);
            var latency = new LongHistogram(1, 60_000_000, 2);
            long calls = 0;
            var value = 0;
            while (!cancellationToken.IsCancellationRequested)
            {
                var before = Stopwatch.GetTimestamp();
                if (before >= measureEnd)
                {
                    break;
                }
                value = await ping.Ping(value);
                var after = Stopwatch.GetTimestamp();
                if (after >= measureStart && after <= measureEnd)
                {
                    calls++;
                    latency.RecordValue(Math.Clamp((after - before) * 1_000_000 / Stopwatch.Frequency, 1, 60_000_000));
                }
            }
            return (calls, latency);
        }, CancellationToken.None)));

        var merged = new LongHistogram(1, 60_000_000, 2);
        foreach (var (_, latency) in workers)
        {
            merged.Add(latency);
        }
        var total = workers.Sum(w => w.calls);
        return new RawCeilingResult(concurrency, duration.TotalSeconds, total,
            Math.Round(total / duration.TotalSeconds, 1),
            merged.TotalCount > 0 ? Math.Round(merged.GetValueAtPercentile(50) / 1000.0, 3) : 0,
            merged.TotalCount > 0 ? Math.Round(merged.GetValueAtPercentile(99) / 1000.0, 3) : 0);
    }
}
