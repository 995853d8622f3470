using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains;
using OrleansOrders.Grains.Stock;

namespace OrleansOrders.Cluster.Tests;

/// <summary>Stock written before the ledger (one StockState record per grain) is carried over into the ledger, replays and all.</summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class StockLegacyStateTests(GridClusterFixture fixture)
{
    [Fact]
    public async Task A_stock_state_of_the_old_shape_becomes_a_ledger_with_its_commitments_tombstones_and_operations()
    {
        var key = Identifiers.StockKey("legacy-dc", "legacy-sku");
        var storage = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(GridOptions.StorageName);
        var grainId = GrainId.Create("stock", key);
        var now = fixture.Time.GetUtcNow();
        var old = new StockState
        {
            OnHand = 50,
            SafetyStock = 2,
            Received = 10,
            Adjusted = 40,
            Shipped = 2,
            Committed = new(StringComparer.Ordinal) { ["order-a"] = 5, ["order-b"] = 3 },
            Released = new(StringComparer.Ordinal) { ["order-c"] = now },
            ShippedReservations = new(StringComparer.Ordinal) { ["order-d"] = 2 },
            AppliedOperations = new(StringComparer.Ordinal) { ["feed-1"] = now },
            Reserve = new ChannelReserve(4, ["store"]),
        };
        await storage.WriteStateAsync("stock", grainId, new GrainState<StockState>(old));

        var stock = fixture.Grains.GetGrain<IStockGrain>(key);
        var snapshot = await stock.GetSnapshot();
        Assert.Equal((50, 2, 8, 50 - 2 - 8), (snapshot.OnHand, snapshot.SafetyStock, snapshot.Committed, snapshot.Available));
        Assert.Equal((10L, 40L, 2L), (snapshot.Received, snapshot.Adjusted, snapshot.Shipped));
        Assert.Equal(new Dictionary<string, int> { ["order-a"] = 5, ["order-b"] = 3 }, snapshot.CommittedByReservation);
        Assert.Equal(4, snapshot.Reserve!.Quantity);

        // Replays answer as the old state would have: released stays released, shipped answers its units, an operation applies once.
        Assert.Equal(CommitOutcome.Released, (await stock.Commit("order-c", 1)).Outcome);
        Assert.Equal(2, await stock.Ship("order-d"));
        Assert.Equal(50, (await stock.Restock("feed-1", 5)).OnHand);
        Assert.Equal(CommitOutcome.Committed, (await stock.Commit("order-a", 5)).Outcome);

        // The old record is gone, so the ledger is the only truth from now on.
        var after = new GrainState<StockState>();
        await storage.ReadStateAsync("stock", grainId, after);
        Assert.False(after.RecordExists);
    }
}
