using OrleansOrders.Client.Auditing;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains;
using OrleansOrders.Grains.Routing;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// Node reliability on real grains: a node that times out its bids is no longer asked once the
/// routers' breakers open, is probed after the cool-down (business time, the fake clock) and asked as
/// usual once it answers; a node that rejects its parcels is priced for the risk, so orders go to a
/// reliable node at the same price. Every order is audited (no oversell, no hold left behind).
/// </summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class NodeReliabilityTests(GridClusterFixture fixture)
{
    private const int Silos = 2; // the fixture's: each silo's routers keep a breaker of their own
    private readonly IGrainFactory _grains = fixture.Grains;

    private Task<SubmitOrderResult> Submit(OrderRequest order) => _grains.GetGrain<IOrderGrain>(order.OrderId).Submit(order);

    private async Task<NodeReliabilityView> Reliability(string nodeId) =>
        (await _grains.GetGrain<IFulfilmentNodeGrain>(nodeId).Get())!.Reliability!;

    [Fact]
    public async Task A_node_that_times_out_its_bids_is_not_asked_once_its_breaker_opens_then_probed_after_the_cool_down_and_closed_when_it_answers()
    {
        var net = new TestNetwork(_grains, "breaker");
        var sku = net.Sku("x");
        var silent = await net.AddNode("near", TestNetwork.Newark);  // the cheapest: asked first, then mute
        var answering = await net.AddNode("far", TestNetwork.Chicago);
        await net.SetStock(silent, sku, 100);
        await net.SetStock(answering, sku, 100);
        await net.WaitForAvailability(sku, 200);
        fixture.Faults.SilentNodes[silent] = true;
        var orders = new List<string>();
        async Task<OrderView> Order()
        {
            var id = $"breaker-o{orders.Count + 1}";
            orders.Add(id);
            // The limit only keeps a broken router from hanging the suite; the deadline is 1 s.
            var placed = await Submit(net.Order(id, TestNetwork.NewYork, (sku, 1))).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(OrderStatus.Allocated, placed.Order!.Status);
            return placed.Order;
        }

        // Orders land on either silo: each silo's breaker opens after three timeouts of its own.
        var hungBefore = fixture.Faults.HungBids;
        while ((await Reliability(silent)).Breakers.Count(b => b.State == NodeBreakerState.Open) < Silos)
        {
            // A bound, not a figure: placement may send most orders to one silo for a while (a run here
            // opened one silo's breaker and gave the other fewer than three of its first 40 orders).
            Assert.True(orders.Count < 200, "the breakers never opened on every silo");
            Assert.Equal(answering, Assert.Single((await Order()).Shipments).NodeId);
        }
        Assert.True(fixture.Faults.HungBids - hungBefore >= Silos * 3, "fewer timeouts than the threshold opened the breakers");
        var opened = await Reliability(silent);
        Assert.Equal(NodeBreakerState.Open, opened.Breaker);
        Assert.True(opened.BidTimeouts >= Silos * 3);
        Assert.True(opened.BidTimeoutRate > 0);

        // Open: not asked at all, so no order waits for its deadline; the order says why.
        var hungWhileOpen = fixture.Faults.HungBids;
        for (var i = 0; i < 4; i++)
        {
            var order = await Order();
            Assert.Equal(answering, Assert.Single(order.Shipments).NodeId);
            Assert.Contains(order.Bids!, b => b.NodeId == silent && !b.Accepts && b.DeclineReason == RouterGrain.BreakerOpenReason);
        }
        Assert.Equal(hungWhileOpen, fixture.Faults.HungBids);

        // The node recovers; after the cool-down the breakers half-open and one bid probes it.
        fixture.Faults.SilentNodes.TryRemove(silent, out _);
        fixture.Time.Advance(new GridOptions().NodeReliability.BreakerCoolDown);
        Assert.Equal(NodeBreakerState.HalfOpen, (await Reliability(silent)).Breaker);
        OrderView? last = null;
        while ((await Reliability(silent)).Breakers.Any(b => b.State != NodeBreakerState.Closed))
        {
            // A bound, not a figure: orders land on either silo at random, and each silo closes its own
            // breaker only when one of its orders probes the node (a CI run on a busy machine needed more than 80).
            Assert.True(orders.Count < 200, "the breakers never closed after the node answered again");
            last = await Order();
        }
        Assert.NotNull(last);
        Assert.Equal(NodeBreakerState.Closed, (await Reliability(silent)).Breaker);
        Assert.Equal(hungWhileOpen, fixture.Faults.HungBids);

        // Closed: asked as usual, and the cheapest again.
        var after = await Order();
        Assert.Contains(after.Bids!, b => b.NodeId == silent && b.Accepts);
        Assert.Equal(silent, Assert.Single(after.Shipments).NodeId);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, orders));
    }

    [Fact]
    public async Task A_rejecting_nodes_score_drops_and_orders_go_to_an_equally_priced_reliable_node()
    {
        var net = new TestNetwork(_grains, "flaky");
        var sku = net.Sku("x");
        // Both in New York's local zone and both distribution centres: the same price for the same parcel.
        var flaky = await net.AddNode("a-flaky", TestNetwork.Newark);
        var reliable = await net.AddNode("b-reliable", TestNetwork.Philadelphia);
        await net.SetStock(flaky, sku, 50);
        await net.SetStock(reliable, sku, 50);
        await net.WaitForAvailability(sku, 100);
        var before = await Reliability(flaky);
        Assert.Equal(0m, before.ExpectedRejectCost);

        var first = _grains.GetGrain<IOrderGrain>("flaky-o1");
        var placed = (await first.Submit(net.Order("flaky-o1", TestNetwork.NewYork, (sku, 1)))).Order!;
        var parcel = Assert.Single(placed.Shipments);
        Assert.True(parcel.NodeId == flaky, "the flaky node did not win the tie to begin with, so the test proves nothing");
        var bids = placed.Bids!.Where(b => b.Accepts).ToList();
        Assert.Equal(2, bids.Count);
        Assert.Equal(bids[0].ShipmentCost + bids[0].UnitCost, bids[1].ShipmentCost + bids[1].UnitCost); // equally priced

        var rejected = await first.RejectShipment(parcel.ShipmentId, null, "cannot fulfil", stockMissing: false, "node:flaky");
        Assert.Equal(ActionOutcome.Done, rejected.Outcome);
        Assert.Equal(reliable, Assert.Single(rejected.Order!.Shipments, s => s.Status != ShipmentStatus.Cancelled).NodeId);

        // The report is one-way: wait until the node has it.
        await Eventually.True(async () => (await Reliability(flaky)).Rejected >= 1, "the flaky node to count its rejection");
        var after = await Reliability(flaky);
        Assert.True(after.Score < before.Score, $"score {after.Score} did not drop from {before.Score}");
        Assert.True(after.RejectRate > before.RejectRate);
        Assert.True(after.ExpectedRejectCost > 0m);
        Assert.Equal(1, after.RejectedInARow);

        var second = (await Submit(net.Order("flaky-o2", TestNetwork.NewYork, (sku, 1)))).Order!;
        Assert.Equal(reliable, Assert.Single(second.Shipments).NodeId);
        var flakyBid = Assert.Single(second.Bids!, b => b.NodeId == flaky);
        Assert.True(flakyBid.Accepts, "the flaky node still bids: it is priced, not shut out");
        Assert.True(flakyBid.RejectExcess > 0, "the bid carries no reject risk for the router to price");
        Assert.True(flakyBid.ReliabilityScore < 1);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["flaky-o1", "flaky-o2"]));
    }
}
