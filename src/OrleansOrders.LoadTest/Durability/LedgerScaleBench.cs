using System.Diagnostics;
using OrleansOrders.Contracts;

namespace OrleansOrders.LoadTest.Durability;

/// <summary>
/// Does a stock grain's write cost grow with what it holds? Durable commits/s on one SKU-node that
/// already has 1,000 open commitments, then on one that has 100,000, same silo, same store, same
/// concurrency. A ledger that writes the change (not the history) answers the same for both.
/// </summary>
public static class LedgerScaleBench
{
    public sealed record Result(int SmallOpen, double SmallCommitsPerSecond, int LargeOpen, double LargeCommitsPerSecond, TimeSpan LargeSeedTime)
    {
        public double Ratio => SmallCommitsPerSecond == 0 ? 0 : LargeCommitsPerSecond / SmallCommitsPerSecond;
    }

    public static async Task<Result> RunAsync(DurableSilo silo, int concurrency, TimeSpan duration, int small, int large, CancellationToken cancellationToken)
    {
        var smallRate = await Measure(silo, "SCALE-SMALL", small, concurrency, duration, cancellationToken);
        var seed = Stopwatch.StartNew();
        var largeRate = await Measure(silo, "SCALE-LARGE", large, concurrency, duration, cancellationToken, seed);
        return new Result(small, smallRate, large, largeRate, seed.Elapsed);
    }

    private static async Task<double> Measure(DurableSilo silo, string sku, int open, int concurrency, TimeSpan duration, CancellationToken cancellationToken, Stopwatch? seedClock = null)
    {
        var node = "scale-dc";
        await silo.Grains.GetGrain<IFulfilmentNodeGrain>(node).Register(
            new NodeProfile(node, "Scale DC", NodeKind.DistributionCentre, "Chicago", new Location(41.88, -87.63), NodeCapabilities.ShipToHome, 10_000_000));
        await silo.Grains.GetGrain<IFulfilmentNodeGrain>(node).SetStock(sku, new StockLevel(StockLevel.MaxUnits, 0), "scale-seed-" + sku);
        var stock = silo.Grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, sku));

        // Seed the open commitments through the grain, many in flight so each write carries a full batch.
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 256).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < open && !cancellationToken.IsCancellationRequested)
            {
                await stock.Commit($"seed-{i}", 1);
            }
        }));
        seedClock?.Stop();

        // Then the measurement: hold and commit one unit per reservation, as the hot-SKU figure does.
        long count = 0;
        var clock = Stopwatch.StartNew();
        var warmup = TimeSpan.FromSeconds(2);
        var deadline = warmup + duration;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            for (long i = 0; clock.Elapsed < deadline && !cancellationToken.IsCancellationRequested; i++)
            {
                var reservation = $"m{worker}-{i}";
                if ((await stock.Hold(reservation, 1, TimeSpan.FromMinutes(5))).Outcome != HoldOutcome.Granted ||
                    (await stock.Commit(reservation, 1)).Outcome != CommitOutcome.Committed)
                {
                    throw new InvalidOperationException("hold or commit refused with stock to spare");
                }
                if (clock.Elapsed >= warmup)
                {
                    Interlocked.Increment(ref count);
                }
            }
        }));
        return count / duration.TotalSeconds;
    }
}
