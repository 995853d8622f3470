using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;

namespace OrleansOrders.Cluster.Tests;

[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class StockGrainTests(GridClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    private async Task<(TestNetwork Net, IStockGrain Stock, string Sku)> Seed(string prefix, int onHand, int safety = 0)
    {
        var net = new TestNetwork(_grains, prefix);
        var node = await net.AddNode("dc", TestNetwork.Newark);
        var sku = net.Sku("item");
        await net.SetStock(node, sku, onHand, safety);
        return (net, _grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, sku)), sku);
    }

    [Fact]
    public async Task Expired_holds_return_to_available_on_their_own_with_a_fake_clock()
    {
        var (net, stock, sku) = await Seed("expiry", 10);
        await net.WaitForAvailability(sku, 10);

        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("r1", 6, TimeSpan.FromSeconds(30))).Outcome);
        Assert.Equal(4, await stock.GetAvailable());
        await net.WaitForAvailability(sku, 4);

        fixture.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(4, await stock.GetAvailable()); // not yet

        fixture.Time.Advance(TimeSpan.FromSeconds(2));
        // Nobody calls the stock grain: its sweep timer notices the expiry and network availability recovers.
        await net.WaitForAvailability(sku, 10);
        var snapshot = await stock.GetSnapshot();
        Assert.Empty(snapshot.Holds);
        Assert.Equal(0, snapshot.Held);
        Assert.Equal(10, snapshot.Available);
    }

    [Fact]
    public async Task Safety_stock_above_on_hand_shows_zero_available_in_every_view()
    {
        var (net, stock, sku) = await Seed("safety-above", 3, safety: 4);
        var snapshot = await stock.GetSnapshot();
        Assert.Equal(0, snapshot.Available); // was -1 here while network availability said 0
        Assert.Equal(0, await stock.GetAvailable());
        Assert.Equal(0, (await stock.GetOffer()).Available);
        Assert.Equal(HoldOutcome.Insufficient, (await stock.Hold("r1", 1, TimeSpan.FromSeconds(30))).Outcome);
        var network = await _grains.GetGrain<ISkuAvailabilityGrain>(sku).Get();
        Assert.All(network.Nodes, n => Assert.Equal(0, n.Available));
        _ = net;
    }

    [Fact]
    public async Task A_router_giving_back_a_hold_never_releases_a_commitment_nor_the_hold_of_a_later_attempt()
    {
        var (_, stock, _) = await Seed("drop-hold", 10);
        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("o1-a1", 4, TimeSpan.FromSeconds(30), attempt: "router-1")).Outcome);
        // The order timed out and retried: a second router holds under the same reservation id.
        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("o1-a1", 4, TimeSpan.FromSeconds(30), attempt: "router-2")).Outcome);
        Assert.Equal(0, await stock.DropHold("o1-a1", attempt: "router-1")); // the late first router gives back nothing
        Assert.Equal(CommitOutcome.Committed, (await stock.Commit("o1-a1", 4)).Outcome);
        Assert.Equal(0, await stock.DropHold("o1-a1", attempt: "router-2")); // a commitment is not a hold
        Assert.Equal(0, await stock.DropHold("o1-a1"));
        var snapshot = await stock.GetSnapshot();
        Assert.Equal(4, snapshot.Committed);
        Assert.Equal(6, snapshot.Available);
    }

    [Fact]
    public async Task A_commit_after_its_hold_expired_rechecks_availability_and_never_oversells()
    {
        var (_, stock, _) = await Seed("late-commit", 5);
        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("slow-order", 5, TimeSpan.FromSeconds(10))).Outcome);
        fixture.Time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("fast-order", 5, TimeSpan.FromSeconds(10))).Outcome);

        Assert.Equal(CommitOutcome.Insufficient, (await stock.Commit("slow-order", 5)).Outcome);
        Assert.Equal(CommitOutcome.Committed, (await stock.Commit("fast-order", 5)).Outcome);

        var snapshot = await stock.GetSnapshot();
        Assert.Equal(5, snapshot.Committed);
        Assert.Equal(new Dictionary<string, int> { ["fast-order"] = 5 }, snapshot.CommittedByReservation);
    }

    [Fact]
    public async Task A_commit_whose_hold_expired_succeeds_when_the_stock_is_still_free()
    {
        var (_, stock, _) = await Seed("late-ok", 5);
        await stock.Hold("o1", 3, TimeSpan.FromSeconds(10));
        fixture.Time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(new CommitResult(CommitOutcome.Committed, 3), await stock.Commit("o1", 3));
        Assert.Equal(2, await stock.GetAvailable());
    }

    [Fact]
    public async Task Hold_commit_and_release_are_idempotent_on_the_reservation_id()
    {
        var (_, stock, _) = await Seed("idem-stock", 10, safety: 2);

        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("o1", 4, TimeSpan.FromMinutes(1))).Outcome);
        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("o1", 4, TimeSpan.FromMinutes(1))).Outcome); // replay
        Assert.Equal(4, await stock.GetAvailable());
        Assert.Equal(HoldOutcome.Insufficient, (await stock.Hold("o2", 5, TimeSpan.FromMinutes(1))).Outcome); // 10 - 2 safety - 4 held = 4

        Assert.Equal(new CommitResult(CommitOutcome.Committed, 4), await stock.Commit("o1", 4));
        Assert.Equal(new CommitResult(CommitOutcome.Committed, 4), await stock.Commit("o1", 4)); // replay answers the first result
        Assert.Equal(4, (await stock.GetSnapshot()).Committed);
        Assert.Equal(HoldOutcome.Closed, (await stock.Hold("o1", 4, TimeSpan.FromMinutes(1))).Outcome);

        Assert.Equal(4, await stock.Release("o1"));
        Assert.Equal(0, await stock.Release("o1")); // replay frees nothing more
        Assert.Equal(CommitOutcome.Released, (await stock.Commit("o1", 4)).Outcome); // a late commit cannot revive it
        var snapshot = await stock.GetSnapshot();
        Assert.Equal(0, snapshot.Committed);
        Assert.Equal(8, snapshot.Available);
    }

    [Fact]
    public async Task Receipts_are_idempotent_on_their_operation_id_and_counted_for_conservation()
    {
        var (_, stock, _) = await Seed("receive", 10);
        await stock.Receive("asn-1", 5);
        await stock.Receive("asn-1", 5);
        var snapshot = await stock.Receive("asn-2", 2);
        Assert.Equal(17, snapshot.OnHand);
        Assert.Equal(7, snapshot.Received);
        Assert.Equal(snapshot.OnHand, snapshot.Adjusted + snapshot.Received + snapshot.Restocked - snapshot.Shipped);
    }

    [Fact]
    public async Task Concurrent_holds_on_one_hot_sku_grant_exactly_what_is_there()
    {
        var (_, stock, _) = await Seed("hot", 50, safety: 5);
        var holds = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => stock.Hold($"h{i}", 1 + i % 3, TimeSpan.FromMinutes(1))));
        var granted = Enumerable.Range(0, 200).Where(i => holds[i].Outcome == HoldOutcome.Granted).Sum(i => 1 + i % 3);
        var snapshot = await stock.GetSnapshot();
        Assert.Equal(granted, snapshot.Held);
        Assert.True(granted <= 45, $"granted {granted} of 45 sellable");
        Assert.True(granted >= 43, "holds stopped early: at most 2 units can be left when the smallest ask is 1-3 units");
    }

    [Fact]
    public async Task Invalid_stock_levels_are_refused_and_change_nothing()
    {
        var (net, _, sku) = await Seed("bad-level", 10);
        var node = _grains.GetGrain<IFulfilmentNodeGrain>(net.NodeIds[0]);
        await Assert.ThrowsAsync<ArgumentException>(() => node.SetStock(sku, new StockLevel(-1, 0), "bad-1"));
        var snapshot = await _grains.GetGrain<IStockGrain>(Identifiers.StockKey(net.NodeIds[0], sku)).GetSnapshot();
        Assert.Equal(10, snapshot.OnHand);
        Assert.Null(await _grains.GetGrain<IFulfilmentNodeGrain>("no-such-node").SetStock(sku, new StockLevel(5, 0), "x"));
    }
}
