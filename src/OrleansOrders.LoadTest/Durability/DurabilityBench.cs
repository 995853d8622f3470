using System.Diagnostics;
using Azure.Data.Tables;
using OrleansOrders.Contracts;
using OrleansOrders.Grains;
using OrleansOrders.LoadTest.Cli;
using OrleansOrders.LoadTest.Reporting;

namespace OrleansOrders.LoadTest.Durability;

/// <summary>
/// What durability costs, measured against Azurite in one run: the store's own single-entity write
/// rate, durable commits/s on one hot SKU with and without group commit, and durable orders/s of
/// the grid (1-line orders over many SKUs). The goal: at least half as many durable orders/s as
/// raw writes/s, i.e. at most two amortized writes per order.
/// </summary>
public static class DurabilityBench
{
    public sealed record Settings(string? ConnectionString, int Concurrency, TimeSpan Duration, int Skus, bool LedgerScale = false);

    /// <param name="StorageWritesPerOrder">Storage writes of the durable orders' run (warm-up included, every store) per order attempted.</param>
    /// <param name="HotSkuWritesPerCommitCoalesced">Storage writes per hold-and-commit on the hot SKU, group commit on.</param>
    public sealed record Result(double RawWritesPerSecond, double HotSkuCommitsCoalesced, double HotSkuCommitsUncoalesced,
        double DurableOrdersPerSecond, long Orders, long OrderErrors,
        double StorageWritesPerOrder, double StorageReadsPerOrder, double HotSkuWritesPerCommitCoalesced, double HotSkuWritesPerCommitUncoalesced)
    {
        /// <summary>Commits/s on one SKU-node with few and with many open commitments (with --ledger-scale).</summary>
        public LedgerScale? LedgerScale { get; init; }

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

        Loop coalesced, uncoalesced, orders;
        LedgerScale? scale = null;
        await using (var silo = await DurableSilo.StartAsync(connection, coalesceStockWrites: true, cancellationToken))
        {
            coalesced = await HotSkuCommits(silo, settings, cancellationToken);
            terminal.Line($"durable commits/s on one hot SKU, group commit on: {coalesced.Rate:0} ({coalesced.Storage!.WritesPerOrder:0.###} storage writes per commit)");
            orders = await DurableOrders(silo, settings, cancellationToken);
            terminal.Line($"durable orders/s (1-line orders over {settings.Skus} SKUs): {orders.Rate:0} ({orders.Count} orders, {orders.Errors} errors)");
            terminal.Line($"storage per durable order: writes {orders.Storage!.Describe(writes: true)}; reads {orders.Storage.Describe(writes: false)}");
            if (settings.LedgerScale)
            {
                var small = await HotSkuCommits(silo, settings, cancellationToken, "SCALE-SMALL", LedgerScale.SmallOpen);
                var large = await HotSkuCommits(silo, settings, cancellationToken, "SCALE-LARGE", LedgerScale.LargeOpen);
                scale = new LedgerScale(small.Rate, large.Rate);
                terminal.Line($"durable commits/s on one SKU-node with {LedgerScale.SmallOpen:N0} open commitments: {scale.SmallCommitsPerSecond:0}; with {LedgerScale.LargeOpen:N0}: {scale.LargeCommitsPerSecond:0} (ratio {scale.Ratio:0.00})");
            }
        }
        await using (var silo = await DurableSilo.StartAsync(connection, coalesceStockWrites: false, cancellationToken))
        {
            uncoalesced = await HotSkuCommits(silo, settings, cancellationToken);
            terminal.Line($"durable commits/s on one hot SKU, group commit off: {uncoalesced.Rate:0} ({uncoalesced.Storage!.WritesPerOrder:0.###} storage writes per commit)");
        }
        return new Result(raw, coalesced.Rate, uncoalesced.Rate, orders.Rate, orders.Count, orders.Errors,
            orders.Storage.WritesPerOrder, orders.Storage.ReadsPerOrder, coalesced.Storage.WritesPerOrder, uncoalesced.Storage.WritesPerOrder)
        {
            LedgerScale = scale,
        };
    }

    /// <summary>
    /// A closed loop's rate over the measured window, its successes and errors there, and, when asked, the
    /// storage operations the silo issued during the whole loop per operation attempted (warm-up included).
    /// </summary>
    /// <summary>Durable commits/s on one SKU-node holding few and many open commitments: equal when a write costs the change, not the history.</summary>
    public sealed record LedgerScale(double SmallCommitsPerSecond, double LargeCommitsPerSecond)
    {
        public const int SmallOpen = 1_000;
        public const int LargeOpen = 100_000;

        public double Ratio => SmallCommitsPerSecond == 0 ? 0 : LargeCommitsPerSecond / SmallCommitsPerSecond;
    }

    private sealed record Loop(double Rate, long Count, long Errors, long Attempted, StorageCost? Storage);

    private static async Task<double> RawWrites(string connection, Settings settings, CancellationToken cancellationToken)
    {
        var table = new TableServiceClient(connection).GetTableClient("rawwrites" + Guid.NewGuid().ToString("N")[..8]);
        await table.CreateIfNotExistsAsync(cancellationToken);
        var loop = await ClosedLoop(settings, cancellationToken, async (worker, i) =>
        {
            await table.UpsertEntityAsync(new TableEntity($"p{worker}", $"r{i}") { ["Quantity"] = (int)i }, TableUpdateMode.Replace, cancellationToken);
        });
        await table.DeleteAsync(cancellationToken);
        return loop.Rate;
    }

    /// <summary>
    /// Hold then commit one unit per reservation, all on one stock grain: every commit waits for its durable
    /// write. With <paramref name="openCommitments"/>, that many commitments are made on the grain first
    /// (many in flight, so each write carries a full batch), to show whether what it holds slows it down.
    /// </summary>
    private static async Task<Loop> HotSkuCommits(DurableSilo silo, Settings settings, CancellationToken cancellationToken, string sku = "HOT", int openCommitments = 0)
    {
        var node = "bench-dc";
        await silo.Grains.Reference<IFulfilmentNodeGrain>(node).Register(
            new NodeProfile(node, "Bench DC", NodeKind.DistributionCentre, "Chicago", new Location(41.88, -87.63), NodeCapabilities.ShipToHome, 10_000_000));
        await silo.Grains.Reference<IFulfilmentNodeGrain>(node).SetStock(sku, new StockLevel(StockLevel.MaxUnits, 0), "bench-seed-" + sku);
        var stock = silo.Grains.Reference<IStockGrain>(Identifiers.StockKey(node, sku));
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 256).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < openCommitments && !cancellationToken.IsCancellationRequested)
            {
                await stock.Commit($"seed-{i}", 1);
            }
        }));
        var loop = await ClosedLoop(settings, cancellationToken, silo.StorageOperations, async (worker, i) =>
        {
            var reservation = $"r{worker}-{i}";
            if ((await stock.Hold(reservation, 1, TimeSpan.FromMinutes(5))).Outcome != HoldOutcome.Granted ||
                (await stock.Commit(reservation, 1)).Outcome != CommitOutcome.Committed)
            {
                throw new InvalidOperationException("hold or commit refused with stock to spare");
            }
        });
        if (loop.Errors > 0)
        {
            throw new InvalidOperationException($"{loop.Errors} hot-SKU commits failed");
        }
        return loop;
    }

    private static async Task<Loop> DurableOrders(DurableSilo silo, Settings settings, CancellationToken cancellationToken)
    {
        var nodes = new[] { ("bench-east", new Location(40.74, -74.17)), ("bench-west", new Location(39.53, -119.81)) };
        foreach (var (nodeId, location) in nodes)
        {
            await silo.Grains.Reference<IFulfilmentNodeGrain>(nodeId).Register(
                new NodeProfile(nodeId, nodeId, NodeKind.DistributionCentre, nodeId, location, NodeCapabilities.ShipToHome, 10_000_000));
            foreach (var chunk in Enumerable.Range(0, settings.Skus).Chunk(32))
            {
                await Task.WhenAll(chunk.Select(i => silo.Grains.Reference<IFulfilmentNodeGrain>(nodeId)
                    .SetStock($"BENCH-{i:D4}", new StockLevel(1_000_000, 0), $"bench-seed-{i}")));
            }
        }
        // Let network availability settle before the clock starts.
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var run = Guid.NewGuid().ToString("N")[..6];
        return await ClosedLoop(settings, cancellationToken, silo.StorageOperations, async (worker, i) =>
        {
            var orderId = $"dur-{run}-{worker}-{i}";
            var sku = $"BENCH-{(int)((worker * 7919 + i * 104729) % settings.Skus):D4}";
            var result = await silo.Grains.Reference<IOrderGrain>(orderId).Submit(
                new OrderRequest(orderId, "bench", "web", new Location(40.71, -74.0), [new OrderLine(sku, 1)]));
            if (result.Outcome != SubmitOutcome.Accepted || result.Order!.Status != OrderStatus.Allocated)
            {
                throw new InvalidOperationException($"order {orderId}: {result.Outcome} {result.Order?.Status}");
            }
        });
    }

    private static Task<Loop> ClosedLoop(Settings settings, CancellationToken cancellationToken, Func<int, long, Task> operation) =>
        ClosedLoop(settings, cancellationToken, null, operation);

    private static async Task<Loop> ClosedLoop(Settings settings, CancellationToken cancellationToken, StorageOperationCounter? storage, Func<int, long, Task> operation)
    {
        var storageBefore = storage?.Snapshot();
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
        var storageUsed = storage is null ? null : StorageCost.Of(storage.Snapshot().Since(storageBefore!), attempted);
        return new Loop(count / settings.Duration.TotalSeconds, count, errors, attempted, storageUsed);
    }
}
