using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Orders;

namespace OrleansOrders.Cluster.Tests;

/// <summary>A customer's order index over a store with per-key faults: rows written by the change, and a failed flush that does not repeat itself.</summary>
[Collection(NodeClusterCollection.Name)]
[Trait("Category", "cluster")]
public sealed class CustomerOrdersTests(NodeClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    private async Task<List<string>> StoredIndex(string customer) =>
        (await fixture.Store.Ledger.ReadAsync(Identifiers.CustomerOrdersKey(customer))) is { } stored ? CustomerOrderIndex.Restore(stored.Rows).NewestFirst() : [];

    [Fact]
    public async Task A_flush_that_landed_but_reported_a_failure_reloads_and_the_next_flush_writes_only_what_storage_lacks()
    {
        const string customer = "cust-fault";
        var index = _grains.GetGrain<ICustomerOrdersGrain>(customer);
        var key = SharedLedgerStore.Key(Identifiers.CustomerOrdersKey(customer));
        fixture.Faults.FailAfterKeys[key] = 1;
        for (var i = 0; i < 10; i++)
        {
            await index.Add($"f{i}", GridClusterFixture.Start.AddSeconds(i));
        }
        await Eventually.True(() => Task.FromResult(!fixture.Faults.FailAfterKeys.ContainsKey(key)), "the ambiguous flush");

        await index.Add("f10", GridClusterFixture.Start.AddSeconds(10));
        await Eventually.True(async () => (await StoredIndex(customer)).Count == 11, "every entry to be stored", TimeSpan.FromSeconds(10));
        Assert.Equal(0, fixture.Faults.ConflictsOf(key)); // the reload took the new ETag: no write was refused after
        Assert.Equal(Enumerable.Range(0, 11).Reverse().Select(i => $"f{i}"), await index.GetOrderIds());
    }
}
