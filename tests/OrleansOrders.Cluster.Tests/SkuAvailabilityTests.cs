using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains.Stock;
using OrleansOrders.Stock;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// Network availability (defect 6): a write that failed without saying whether it landed must not
/// leave the grain failing every later flush, and the orders waiting for stock must outlive the
/// activation that was told about them. The waiting list is rows in the ledger store, group-committed.
/// </summary>
[Collection(NodeClusterCollection.Name)]
[Trait("Category", "cluster")]
public sealed class SkuAvailabilityTests(NodeClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    private string Key(string sku) => $"availability/{_grains.GetGrain<ISkuAvailabilityGrain>(sku).GetGrainId()}";

    private SkuAvailabilityState? Stored(string sku) =>
        fixture.Store.Read(Key(sku)) is { } e ? fixture.Serializer.Deserialize<SkuAvailabilityState>(e.Data) : null;

    [Fact]
    public async Task After_an_ambiguous_write_later_reports_are_still_stored()
    {
        const string sku = "avail-etag";
        var grain = _grains.GetGrain<ISkuAvailabilityGrain>(sku);
        fixture.Faults.FailAfterKeys[Key(sku)] = 1; // the first flush lands but reports a failure
        await grain.Report("n1", 5, version: 1);
        await Eventually.True(() => Task.FromResult(!fixture.Faults.FailAfterKeys.ContainsKey(Key(sku))), "the ambiguous write");

        await grain.Report("n1", 7, version: 2);
        await grain.Report("n2", 3, version: 1);

        await Eventually.True(() => Task.FromResult(Stored(sku) is { } s && s.Nodes.GetValueOrDefault("n1")?.Available == 7 && s.Nodes.ContainsKey("n2")),
            "the later reports to be stored", TimeSpan.FromSeconds(10));
        Assert.True(fixture.Faults.ConflictsOf(Key(sku)) <= 1, "the grain must reload after the first refused write");
        Assert.Equal(10, (await grain.Get()).TotalAvailable);
    }

    /// <summary>The waiting list's key in the ledger store (its faults go by this key).</summary>
    private static string WaitKey(string sku) => SharedLedgerStore.Key(Identifiers.WaitingListKey(sku));

    /// <summary>The stored waiting list, first come first served.</summary>
    private async Task<List<string>> StoredWaiting(string sku) =>
        (await fixture.Store.Ledger.ReadAsync(Identifiers.WaitingListKey(sku))) is { } stored ? WaitingList.Restore(stored.Rows).First(int.MaxValue) : [];

    [Fact]
    public async Task A_wait_whose_write_and_reload_failed_is_not_acknowledged_until_it_is_stored()
    {
        const string sku = "avail-down";
        var grain = _grains.GetGrain<ISkuAvailabilityGrain>(sku);
        await grain.Report("n1", 0, version: 1);
        fixture.Faults.DownKeys[WaitKey(sku)] = true;
        await Assert.ThrowsAnyAsync<Exception>(() => grain.WaitForStock("down-o1"));
        // The failed write left the registration in memory: a retry must not answer from it.
        await Assert.ThrowsAnyAsync<Exception>(() => grain.WaitForStock("down-o1"));
        Assert.DoesNotContain("down-o1", await StoredWaiting(sku));

        fixture.Faults.DownKeys.TryRemove(WaitKey(sku), out _);
        await grain.WaitForStock("down-o1");
        Assert.Equal(["down-o1"], await StoredWaiting(sku));
        Assert.Equal(1, (await grain.Get()).OrdersWaiting);
    }

    [Fact]
    public async Task A_wait_is_durable_when_it_is_acknowledged_and_survives_deactivation()
    {
        const string sku = "avail-wait";
        var grain = _grains.GetGrain<ISkuAvailabilityGrain>(sku);
        await grain.WaitForStock("w1");
        // Acknowledged means stored: a silo that dies right now must not take the wait with it.
        Assert.Equal(["w1"], await StoredWaiting(sku));

        // A write of the list lands but reports a failure: the caller is failed, the grain reloads,
        // and the caller's retry answers from the stored list without joining twice.
        fixture.Faults.FailAfterKeys[WaitKey(sku)] = 1;
        await Assert.ThrowsAnyAsync<Exception>(() => grain.WaitForStock("w2"));
        Assert.False(fixture.Faults.FailAfterKeys.ContainsKey(WaitKey(sku)), "the fault did not fire, so the test proves nothing");
        await grain.WaitForStock("w2");
        await grain.WaitForStock("w3");
        await grain.StopWaiting("w1");
        await grain.StopWaiting("w1"); // a replay changes nothing
        Assert.Equal(0, fixture.Faults.ConflictsOf(WaitKey(sku))); // the reload left no stale ETag behind
        await fixture.Cluster.DeactivateAsync(grain);

        Assert.Equal(["w2", "w3"], await StoredWaiting(sku));
        Assert.Equal(2, (await grain.Get()).OrdersWaiting); // a new activation, with the waiting list it was told about
    }

    [Fact]
    public async Task Joins_that_arrive_during_a_write_share_the_next_one_and_keep_their_order_of_arrival_in_storage()
    {
        const string sku = "avail-group";
        var grain = _grains.GetGrain<ISkuAvailabilityGrain>(sku);
        var held = new HeldWrite();
        fixture.Store.HeldWrites[WaitKey(sku)] = held;
        Task first;
        Task[] others;
        try
        {
            first = grain.WaitForStock("g0");
            await held.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));
            fixture.Store.HeldWrites.TryRemove(WaitKey(sku), out _);
            others = Enumerable.Range(1, 50).Select(i => grain.WaitForStock($"g{i}")).ToArray();
            await Eventually.True(async () => (await grain.Get()).OrdersWaiting == 51, "every join to reach the grain while the first write is held");
            Assert.False(others.Any(t => t.IsCompleted), "a join answered before a write carried it");
        }
        finally
        {
            held.Release.TrySetResult();
        }
        await first;
        await Task.WhenAll(others);

        Assert.Equal(2, fixture.Store.WritesOf(WaitKey(sku))); // one for g0, one for the fifty that came during it
        var stored = await StoredWaiting(sku);
        Assert.Equal("g0", stored[0]);
        Assert.Equal(51, stored.Distinct().Count());
    }

    [Fact]
    public async Task A_waiting_list_stored_in_the_availability_record_by_earlier_code_is_carried_over_in_order_and_cleared()
    {
        const string sku = "avail-legacy";
        var legacy = new SkuAvailabilityState { Waiting = ["l3", "l1", "l2"] };
        legacy.Nodes["n1"] = new NodeAvailabilityEntry(0, 1, GridClusterFixture.Start);
        fixture.Store.Write(Key(sku), null, fixture.Serializer.SerializeToArray(legacy));

        var grain = _grains.GetGrain<ISkuAvailabilityGrain>(sku);
        Assert.Equal(3, (await grain.Get()).OrdersWaiting);
        Assert.Equal(["l3", "l1", "l2"], await StoredWaiting(sku));
        Assert.Empty(Stored(sku)!.Waiting);
        Assert.True(Stored(sku)!.Nodes.ContainsKey("n1"));

        await grain.StopWaiting("l1");
        await fixture.Cluster.DeactivateAsync(grain);
        Assert.Equal(2, (await grain.Get()).OrdersWaiting); // not carried over a second time
        Assert.Equal(["l3", "l2"], await StoredWaiting(sku));
    }
}
