using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains.Stock.Ledger;
using OrleansOrders.Stock;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// A stock grain whose group-committed write meets another writer's ETag (a duplicate activation
/// after a partition, an operator's tool) reloads the stored ledger and keeps its holds where they
/// still fit, instead of deactivating and dropping every hold on the SKU (defect 7 of the
/// correctness issue). One silo over the shared store, as the node capacity tests.
/// </summary>
[Collection(NodeClusterCollection.Name)]
[Trait("Category", "cluster")]
public sealed class StockWriteConflictTests(NodeClusterFixture fixture)
{
    [Fact]
    public async Task A_write_conflict_reloads_the_ledger_and_keeps_the_holds_that_still_fit()
    {
        var stockKey = Identifiers.StockKey("conflict-node", "conflict-sku");
        var stock = fixture.Grains.GetGrain<IStockGrain>(stockKey);
        await stock.Restock("conflict-r0", 10);
        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("held-before", 4, TimeSpan.FromMinutes(10))).Outcome);

        // Another writer moves the stored ledger on: 5 more units on hand, under a new ETag.
        var stored = (await fixture.Store.Ledger.ReadAsync(stockKey))!;
        await fixture.Store.Ledger.WriteAsync(stockKey, new LedgerChanges(stored.Header with { OnHand = stored.Header.OnHand + 5, Received = stored.Header.Received + 5 }, []),
            stored.Version, () => stored.Rows);

        // The grain's next write is refused for its stale ETag; it reloads (the caller may retry).
        var key = SharedLedgerStore.Key(stockKey);
        try
        {
            await stock.Restock("conflict-r1", 2);
        }
        catch (Exception)
        {
            await stock.Restock("conflict-r1", 2);
        }
        Assert.Equal(1, fixture.Faults.ConflictsOf(key));

        // The hold survived the reload: nobody else can take its units, and it commits.
        var snapshot = await stock.GetSnapshot();
        Assert.Equal((17, 4, 13), (snapshot.OnHand, snapshot.Held, snapshot.Available));
        var rival = await stock.Hold("rival", 17, TimeSpan.FromMinutes(10));
        Assert.NotEqual(HoldOutcome.Granted, rival.Outcome);
        Assert.Equal(13, rival.Available);
        Assert.Equal(new CommitResult(CommitOutcome.Committed, 4), await stock.Commit("held-before", 4));
        var after = await stock.GetSnapshot();
        Assert.Equal((17, 4, 0), (after.OnHand, after.Committed, after.Held));
    }
}
