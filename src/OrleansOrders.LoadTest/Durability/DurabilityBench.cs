using System.Diagnostics;
using Azure.Data.Tables;
using OrleansOrders.Contracts;
using OrleansOrders.LoadTest.Cli;

namespace OrleansOrders.LoadTest.Durability;

/// <summary>
/// What durability costs, measured against Azurite in one run: the store's own single-entity write
/// rate, durable commits/s on one hot SKU with and without group commit, and durable orders/s of
/// the grid (1-line orders over many SKUs). The goal: at least half as many durable orders/s as
/// raw writes/s, i.e. at most two amortized writes per order.
/// </summary>
public static class DurabilityBench
{
    public sealed record Settings(string? ConnectionString, int Concurrency, TimeSpan Duration, int Skus);

    /// <param name="StorageWritesPerOrder">Storage writes of the durable orders' run (warm-up included, every store) per order attempted.</param>
    /// <param name="HotSkuWritesPerCommitCoalesced">Storage writes per hold-and-commit on the hot SKU, group commit on.</param>
    public sealed record Result(double RawWritesPerSecond, double HotSkuCommitsCoalesced, double HotSkuCommitsUncoalesced,
        double DurableOrdersPerSecond, long Orders, long OrderErrors,
        double StorageWritesPerOrder, double StorageReadsPerOrder, double HotSkuWritesPerCommitCoalesced, double HotSkuWritesPerCommitUncoalesced)
    {
        public double OrdersToRawWrites => RawWritesPerSecond == 0 ? 0 : DurableOrdersPerSecond / RawWritesPerSecond;
        public double CoalescingSpeedup => HotSkuCommitsUncoalesced == 0 ? 0 : HotSkuCommitsCoalesced / HotSkuCommitsUncoalesced;
    }

    public static async Task<Result> RunAsync(Settings settings, Terminal terminal, CancellationToken cancellationToken)
    {
        await using var azurite = settings.ConnectionString is null ? await AzuriteProcess.StartAsync(cancellationToken) : null;
        var connection = settings.ConnectionString ?? azurite!.ConnectionString;
        terminal.Line(azurite is null ? "Azure Storage: the given connection string" : "Azure Storage: Azurite started in memory from deploy/local");

        var raw = await RawWrites(connection, settings, cancellationToken);
        terminal.Line($"raw single-entity writes/s of the store: {raw:0}");

        double coalesced, uncoalesced, orders;
        long orderCount, orderErrors;
        Measured<Unit> coalescedOps, uncoalescedOps;
        Measured<(double Rate, long Orders, long Errors)> orderOps;
        await using (var silo = await DurableSilo.StartAsync(connection, coalesceStockWrites: true, cancellationToken))
        {
            coalescedOps = await CountStorage(silo, () => HotSkuCommits(silo, settings, cancellationToken));
            coalesced = coalescedOps.Rate;
            terminal.Line($"durable commits/s on one hot SKU, group commit on: {coalesced:0} ({coalescedOps.WritesPerOperation:0.###} storage writes per commit)");
            orderOps = await CountStorage(silo, () => DurableOrders(silo, settings, cancellationToken));
            (orders, orderCount, orderErrors) = orderOps.Value;
            terminal.Line($"durable orders/s (1-line orders over {settings.Skus} SKUs): {orders:0} ({orderCount} orders, {orderErrors} errors; " +
                          $"{orderOps.WritesPerOperation:0.##} storage writes and {orderOps.ReadsPerOperation:0.##} reads per order)");
        }
        await using (var silo = await DurableSilo.StartAsync(connection, coalesceStockWrites: false, cancellationToken))
        {
            uncoalescedOps = await CountStorage(silo, () => HotSkuCommits(silo, settings, cancellationToken));
            uncoalesced = uncoalescedOps.Rate;
            terminal.Line($"durable commits/s on one hot SKU, group commit off: {uncoalesced:0} ({uncoalescedOps.WritesPerOperation:0.###} storage writes per commit)");
        }
        return new Result(raw, coalesced, uncoalesced, orders, orderCount, orderErrors,
            Math.Round(orderOps.WritesPerOperation, 3), Math.Round(orderOps.ReadsPerOperation, 3),
            Math.Round(coalescedOps.WritesPerOperation, 3), Math.Round(uncoalescedOps.WritesPerOperation, 3));
    }

    private readonly record struct Unit;

    /// <summary>A measurement's result with the storage operations the silo issued while it ran, per operation attempted (warm-up included).</summary>
    private sealed record Measured<T>(T Value, double Rate, double WritesPerOperation, double ReadsPerOperation);

    private static async Task<Measured<T>> CountStorage<T>(DurableSilo silo, Func<Task<Loop<T>>> measurement)
    {
        var before = silo.StorageOperations.Snapshot();
        var loop = await measurement();
        var used = silo.StorageOperations.Snapshot().Since(before);
        return new Measured<T>(loop.Value, loop.Rate,
            loop.Attempted > 0 ? (double)used.Writes / loop.Attempted : 0,
            loop.Attempted > 0 ? (double)used.Reads / loop.Attempted : 0);
    }

    /// <summary>A closed loop's rate over the measured window, and every operation it attempted (warm-up included).</summary>
    private sealed record Loop<T>(T Value, double Rate, long Attempted);

    private static async Task<double> RawWrites(string connection, Settings settings, CancellationToken cancellationToken)
    {
        var table = new TableServiceClient(connection).GetTableClient("rawwrites" + Guid.NewGuid().ToString("N")[..8]);
        await table.CreateIfNotExistsAsync(cancellationToken);
        var (rate, _, _, _) = await ClosedLoop(settings, cancellationToken, async (worker, i) =>
        {
            await table.UpsertEntityAsync(new TableEntity($"p{worker}", $"r{i}") { ["Quantity"] = (int)i }, TableUpdateMode.Replace, cancellationToken);
        });
        await table.DeleteAsync(cancellationToken);
        return rate;
    }

    /// <summary>Hold then commit one unit per reservation, all on one stock grain: every commit waits for its durable write.</summary>
    private static async Task<Loop<Unit>> HotSkuCommits(DurableSilo silo, Settings settings, CancellationToken cancellationToken)
    {
        var node = "bench-dc";
        await silo.Grains.GetGrain<IFulfilmentNodeGrain>(node).Register(
            new NodeProfile(node, "Bench DC", NodeKind.DistributionCentre, "Chicago", new Location(41.88, -87.63), NodeCapabilities.ShipToHome, 10_000_000));
        await silo.Grains.GetGrain<IFulfilmentNodeGrain>(node).SetStock("HOT", new StockLevel(StockLevel.MaxUnits, 0), "bench-seed");
        var stock = silo.Grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, "HOT"));
        var (rate, _, errors, attempted) = await ClosedLoop(settings, cancellationToken, async (worker, i) =>
        {
            var reservation = $"r{worker}-{i}";
            if ((await stock.Hold(reservation, 1, TimeSpan.FromMinutes(5))).Outcome != HoldOutcome.Granted ||
                (await stock.Commit(reservation, 1)).Outcome != CommitOutcome.Committed)
            {
                throw new InvalidOperationException("hold or commit refused with stock to spare");
            }
        });
        if (errors > 0)
        {
            throw new InvalidOperationException($"{errors} hot-SKU commits failed");
        }
        return new Loop<Unit>(default, rate, attempted);
    }

    private static async Task<Loop<(double Rate, long Orders, long Errors)>> DurableOrders(DurableSilo silo, Settings settings, CancellationToken cancellationToken)
    {
        var nodes = new[] { ("bench-east", new Location(40.74, -74.17)), ("bench-west", new Location(39.53, -119.81)) };
        foreach (var (nodeId, location) in nodes)
        {
            await silo.Grains.GetGrain<IFulfilmentNodeGrain>(nodeId).Register(
                new NodeProfile(nodeId, nodeId, NodeKind.DistributionCentre, nodeId, location, NodeCapabilities.ShipToHome, 10_000_000));
            foreach (var chunk in Enumerable.Range(0, settings.Skus).Chunk(32))
            {
                await Task.WhenAll(chunk.Select(i => silo.Grains.GetGrain<IFulfilmentNodeGrain>(nodeId)
                    .SetStock($"BENCH-{i:D4}", new StockLevel(1_000_000, 0), $"bench-seed-{i}")));
            }
        }
        // Let network availability settle before the clock starts.
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var run = Guid.NewGuid().ToString("N")[..6];
        var (rate, count, errors, attempted) = await ClosedLoop(settings, cancellationToken, async (worker, i) =>
        {
            var orderId = $"dur-{run}-{worker}-{i}";
            var sku = $"BENCH-{(int)((worker * 7919 + i * 104729) % settings.Skus):D4}";
            var result = await silo.Grains.GetGrain<IOrderGrain>(orderId).Submit(
                new OrderRequest(orderId, "bench", "web", new Location(40.71, -74.0), [new OrderLine(sku, 1)]));
            if (result.Outcome != SubmitOutcome.Accepted || result.Order!.Status != OrderStatus.Allocated)
            {
                throw new InvalidOperationException($"order {orderId}: {result.Outcome} {result.Order?.Status}");
            }
        });
        return new Loop<(double Rate, long Orders, long Errors)>((rate, count, errors), rate, attempted);
    }

    private static async Task<(double Rate, long Count, long Errors, long Attempted)> ClosedLoop(Settings settings, CancellationToken cancellationToken, Func<int, long, Task> operation)
    {
        long count = 0, errors = 0, attempted = 0;
        var clock = Stopwatch.StartNew();
        var warmup = TimeSpan.FromSeconds(2); // connections, activations and JIT before the clock counts
        var deadline = warmup + settings.Duration;
        await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(async worker =>
        {
            for (long i = 0; clock.Elapsed < deadline && !cancellationToken.IsCancellationRequested; i++)
            {
                var measured = clock.Elapsed >= warmup;
                Interlocked.Increment(ref attempted);
                try
                {
                    await operation(worker, i);
                    if (measured)
                    {
                        Interlocked.Increment(ref count);
                    }
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    if (measured)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
            }
        }));
        return (count / settings.Duration.TotalSeconds, count, errors, attempted);
    }
}
