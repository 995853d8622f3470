using OrleansOrders.Client.Auditing;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;

namespace OrleansOrders.Cluster.Tests;

[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class RoutingBehaviourTests(GridClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    private Task<SubmitOrderResult> Submit(OrderRequest order) => _grains.GetGrain<IOrderGrain>(order.OrderId).Submit(order);

    [Fact]
    public async Task A_whole_order_ships_from_the_cheapest_single_node_that_has_it_all()
    {
        var net = new TestNetwork(_grains, "single");
        var (a, b) = (net.Sku("a"), net.Sku("b"));
        var near = await net.AddNode("near", TestNetwork.Newark);
        var far = await net.AddNode("far", TestNetwork.LosAngeles);
        var partial = await net.AddNode("partial", TestNetwork.Philadelphia);
        await net.SetStock(near, a, 10); await net.SetStock(near, b, 10);
        await net.SetStock(far, a, 10); await net.SetStock(far, b, 10);
        await net.SetStock(partial, a, 10);
        await net.WaitForAvailability(a, 30);
        await net.WaitForAvailability(b, 20);

        var result = await Submit(net.Order("single-o1", TestNetwork.NewYork, (a, 2), (b, 1)));

        Assert.Equal(SubmitOutcome.Accepted, result.Outcome);
        Assert.Equal(OrderStatus.Allocated, result.Order!.Status);
        var shipment = Assert.Single(result.Order.Shipments);
        Assert.Equal(near, shipment.NodeId);
        Assert.Equal(1, result.Order.AllocationRounds);
    }

    [Fact]
    public async Task An_order_no_node_covers_is_split_across_the_fewest_nodes_and_the_rest_backordered()
    {
        var net = new TestNetwork(_grains, "split");
        var (a, b, c) = (net.Sku("a"), net.Sku("b"), net.Sku("c"));
        var n1 = await net.AddNode("n1", TestNetwork.Newark);
        var n2 = await net.AddNode("n2", TestNetwork.Chicago);
        await net.SetStock(n1, a, 5);
        await net.SetStock(n2, b, 5);
        await net.SetStock(n2, c, 1);
        // Network availability is fed asynchronously: an order for a SKU not reported yet is refused as unknown.
        await net.WaitForAvailability(a, 5);
        await net.WaitForAvailability(b, 5);
        await net.WaitForAvailability(c, 1);

        var result = await Submit(net.Order("split-o1", TestNetwork.NewYork, (a, 2), (b, 2), (c, 3)));

        var order = result.Order!;
        Assert.Equal(OrderStatus.PartiallyAllocated, order.Status);
        Assert.Equal([n1, n2], order.Shipments.Select(s => s.NodeId).ToArray());
        Assert.Equal(new OrderLine(c, 2), Assert.Single(order.Backordered));
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, [order.OrderId]));
    }

    [Fact]
    public async Task A_node_that_never_answers_its_bid_is_skipped_not_waited_for()
    {
        var net = new TestNetwork(_grains, "silent");
        var sku = net.Sku("x");
        var silent = await net.AddNode("near", TestNetwork.Newark);     // cheapest, but mute
        var answering = await net.AddNode("far", TestNetwork.Dallas);
        await net.SetStock(silent, sku, 10);
        await net.SetStock(answering, sku, 10);
        await net.WaitForAvailability(sku, 20);
        fixture.Faults.SilentNodes[silent] = true;
        var hungBefore = fixture.Faults.HungBids;

        // The limit only keeps a broken router from hanging the suite; the deadline is 1 s.
        var result = await Submit(net.Order("silent-o1", TestNetwork.NewYork, (sku, 2))).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(fixture.Faults.HungBids > hungBefore, "the silent node was never asked, so the test proves nothing");
        Assert.Equal(OrderStatus.Allocated, result.Order!.Status);
        Assert.Equal(answering, Assert.Single(result.Order.Shipments).NodeId);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["silent-o1"]));
    }

    [Fact]
    public async Task A_paused_node_declines_and_takes_orders_again_once_resumed()
    {
        var net = new TestNetwork(_grains, "paused");
        var sku = net.Sku("x");
        var near = await net.AddNode("near", TestNetwork.Newark);
        var far = await net.AddNode("far", TestNetwork.Dallas);
        await net.SetStock(near, sku, 10);
        await net.SetStock(far, sku, 10);
        await net.WaitForAvailability(sku, 20);
        var nearNode = _grains.GetGrain<IFulfilmentNodeGrain>(near);

        await nearNode.Update(new NodeUpdate(NodeStatus.Paused, null));
        var whilePaused = await Submit(net.Order("paused-o1", TestNetwork.NewYork, (sku, 1)));
        Assert.Equal(far, Assert.Single(whilePaused.Order!.Shipments).NodeId);
        var declined = await nearNode.Bid(new BidRequest("probe", TestNetwork.NewYork, [new OrderLine(sku, 1)], GridClusterFixture.Start));
        Assert.False(declined.Accepts);
        Assert.Contains("paused", declined.DeclineReason);

        await nearNode.Update(new NodeUpdate(NodeStatus.Open, null));
        var afterResume = await Submit(net.Order("paused-o2", TestNetwork.NewYork, (sku, 1)));
        Assert.Equal(near, Assert.Single(afterResume.Order!.Shipments).NodeId);
    }

    [Fact]
    public async Task A_race_lost_after_bidding_is_won_on_a_later_round_at_another_node()
    {
        var net = new TestNetwork(_grains, "lost");
        var sku = net.Sku("x");
        var near = await net.AddNode("near", TestNetwork.Newark);
        var far = await net.AddNode("far", TestNetwork.Chicago);
        await net.SetStock(near, sku, 5);
        await net.SetStock(far, sku, 5);
        await net.WaitForAvailability(sku, 10);
        // Right after "near" bids, another reservation takes all its stock: the router's hold there fails.
        fixture.Faults.StealAfterBid[near] = sku;

        var result = await Submit(net.Order("lost-o1", TestNetwork.NewYork, (sku, 3)));

        Assert.False(fixture.Faults.StealAfterBid.ContainsKey(near), "the steal never happened, so the test proves nothing");
        var order = result.Order!;
        Assert.Equal(OrderStatus.Allocated, order.Status);
        Assert.Equal(far, Assert.Single(order.Shipments).NodeId);
        Assert.Equal(2, order.AllocationRounds);
        var nearStock = await _grains.GetGrain<IStockGrain>(Identifiers.StockKey(near, sku)).GetSnapshot();
        Assert.Equal(5, nearStock.Held);                    // the thief's hold
        Assert.False(nearStock.CommittedByReservation.ContainsKey("lost-o1"));
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, [order.OrderId]));
    }

    [Fact]
    public async Task A_node_at_daily_capacity_declines_and_the_next_order_goes_elsewhere()
    {
        var net = new TestNetwork(_grains, "capacity");
        var sku = net.Sku("x");
        var small = await net.AddNode("small", TestNetwork.Newark, dailyCapacity: 2);
        var big = await net.AddNode("big", TestNetwork.Chicago);
        await net.SetStock(small, sku, 100);
        await net.SetStock(big, sku, 100);
        await net.WaitForAvailability(sku, 200);

        var nodesUsed = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var result = await Submit(net.Order($"capacity-o{i}", TestNetwork.NewYork, (sku, 1)));
            nodesUsed.Add(Assert.Single(result.Order!.Shipments).NodeId);
        }

        Assert.Equal([small, small, big, big], nodesUsed);
        var view = await _grains.GetGrain<IFulfilmentNodeGrain>(small).Get();
        Assert.Equal(2, view!.CapacityUsed);
        Assert.Equal(0, view.CapacityRemaining);
    }

    [Fact]
    public async Task Orders_racing_for_a_nodes_last_capacity_keep_no_hold_where_the_claim_was_refused()
    {
        var net = new TestNetwork(_grains, "caprace");
        var sku = net.Sku("x");
        // Capacity for 3 parcels a day and stock for 60: the claims, not the stock, decide the race.
        var node = await net.AddNode("dc", TestNetwork.Newark, dailyCapacity: 3);
        await net.SetStock(node, sku, 60);
        await net.WaitForAvailability(sku, 60);

        var requests = Enumerable.Range(0, 40).Select(i => net.Order($"caprace-o{i}", TestNetwork.NewYork, (sku, 1))).ToList();
        var results = await Task.WhenAll(requests.Select(r => _grains.GetGrain<IOrderGrain>(r.OrderId).Submit(r)));

        Assert.All(results, r => Assert.Equal(SubmitOutcome.Accepted, r.Outcome));
        var audit = await GridAuditor.Audit(_grains, net.StockKeys, requests.Select(r => r.OrderId));
        AuditAssert.Clean(audit);
        var parcels = results.SelectMany(r => r.Order!.Shipments).ToList();
        // Every parcel has its claim, the days the bids offered hold no more than the capacity, and a
        // hold taken beside a refused claim was given back: nothing is held once the orders answered.
        var byDay = (await _grains.GetGrain<IFulfilmentNodeGrain>(node).Get())!.CapacityUsedByDay;
        Assert.Equal(parcels.Count, byDay.Sum());
        Assert.All(byDay, used => Assert.InRange(used, 0, 3));
        Assert.Equal(parcels.Sum(p => p.Lines.Sum(l => l.Quantity)), audit.CommittedUnits);
        Assert.Equal(0, audit.HeldUnits);
        Assert.Contains(results, r => r.Order!.Backordered.Count > 0); // 40 orders, at most 3 parcels a day for the days bid
    }

    [Fact]
    public async Task Two_parcels_of_one_order_at_one_node_hold_two_claims_and_cancelling_one_keeps_the_other()
    {
        var net = new TestNetwork(_grains, "twoclaims");
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 2);
        await net.WaitForAvailability(sku, 2);
        var order = _grains.GetGrain<IOrderGrain>("twoclaims-o1");
        var placed = await order.Submit(net.Order("twoclaims-o1", TestNetwork.NewYork, (sku, 5)));
        Assert.Equal(OrderStatus.PartiallyAllocated, placed.Order!.Status);
        var nodeGrain = _grains.GetGrain<IFulfilmentNodeGrain>(node);
        Assert.Equal(1, (await nodeGrain.Get())!.CapacityUsed);

        // Stock arrives at the same node: the backorder becomes a second parcel there, under a reservation id of its own.
        await net.SetStock(node, sku, 5);
        await Eventually.True(async () => (await order.Get())!.Status == OrderStatus.Allocated,
            "the backorder to be allocated at the same node when its stock arrives", TimeSpan.FromSeconds(10));
        var parcels = (await order.Get())!.Shipments;
        Assert.Equal(2, parcels.Count);
        Assert.All(parcels, p => Assert.Equal(node, p.NodeId));
        Assert.Equal(2, parcels.Select(p => p.ReservationId).Distinct().Count());
        Assert.Equal(2, (await nodeGrain.Get())!.CapacityUsed); // two parcels to dispatch: two claims

        // Cancelling the later parcel (3 units) frees its claim only: the first parcel still has to go out.
        var cancelled = await order.CancelLines([new OrderLine(sku, 3)], "customer asked", "customer");
        Assert.Equal(ActionOutcome.Done, cancelled.Outcome);
        var live = Assert.Single(cancelled.Order!.Shipments, s => s.Status != ShipmentStatus.Cancelled);
        Assert.Equal(2, live.Lines.Single().Quantity);
        Assert.Equal(1, (await nodeGrain.Get())!.CapacityUsed);

        // A replay of that release (the order's outbox after a crash) frees nothing more; the last parcel's cancel frees the rest.
        var gone = cancelled.Order.Shipments.Single(s => s.Status == ShipmentStatus.Cancelled);
        await nodeGrain.ReleaseCapacity(gone.ReservationId, gone.DispatchOn);
        Assert.Equal(1, (await nodeGrain.Get())!.CapacityUsed);
        Assert.Equal(CancelOutcome.Cancelled, (await order.Cancel("all of it")).Outcome);
        Assert.Equal(0, (await nodeGrain.Get())!.CapacityUsed);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["twoclaims-o1"]));
    }

    [Fact]
    public async Task Cancelling_releases_exactly_what_the_order_committed_and_its_capacity()
    {
        var net = new TestNetwork(_grains, "cancel");
        var (a, b) = (net.Sku("a"), net.Sku("b"));
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, a, 10);
        await net.SetStock(node, b, 10);
        await net.WaitForAvailability(a, 10);
        await net.WaitForAvailability(b, 10);
        var order = _grains.GetGrain<IOrderGrain>("cancel-o1");
        await order.Submit(net.Order("cancel-o1", TestNetwork.NewYork, (a, 4), (b, 1)));
        var stockA = _grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, a));
        Assert.Equal(6, await stockA.GetAvailable());
        Assert.Equal(1, (await _grains.GetGrain<IFulfilmentNodeGrain>(node).Get())!.CapacityUsed);

        var cancelled = await order.Cancel("customer changed their mind");

        Assert.Equal(CancelOutcome.Cancelled, cancelled.Outcome);
        Assert.Equal(OrderStatus.Cancelled, cancelled.Order!.Status);
        Assert.Equal(10, await stockA.GetAvailable());
        Assert.Equal(10, await _grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, b)).GetAvailable());
        Assert.Equal(0, (await _grains.GetGrain<IFulfilmentNodeGrain>(node).Get())!.CapacityUsed);
        Assert.Equal(CancelOutcome.AlreadyCancelled, (await order.Cancel("again")).Outcome);
        Assert.Equal(CommitOutcome.Released, (await stockA.Commit("cancel-o1", 4)).Outcome);
        Assert.Equal(OrderStatus.Cancelled, (await order.Get())!.Status);
        Assert.Equal(CancelOutcome.NotFound, (await _grains.GetGrain<IOrderGrain>("cancel-none").Cancel("x")).Outcome);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["cancel-o1"]));
    }

    [Fact]
    public async Task Invalid_orders_and_unknown_skus_are_refused_and_leave_nothing_behind()
    {
        var net = new TestNetwork(_grains, "invalid");
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 10);
        await net.WaitForAvailability(sku, 10);

        var cases = new[]
        {
            net.Order("invalid-o1", TestNetwork.NewYork),                                   // no lines
            net.Order("invalid-o2", TestNetwork.NewYork, (sku, 0)),                         // zero quantity
            net.Order("invalid-o3", TestNetwork.NewYork, (sku, 1), (sku, 2)),               // duplicate SKU lines
            net.Order("invalid-o4", new Location(91, 0), (sku, 1)),                         // off the globe
            net.Order("invalid-o5", TestNetwork.NewYork, ("no/slash", 1)),                  // bad SKU id
            net.Order("invalid-o6", TestNetwork.NewYork, (sku, 1), ("invalid-unknown", 1)), // SKU nobody stocks
        };
        foreach (var request in cases)
        {
            var result = await Submit(request);
            Assert.Equal(SubmitOutcome.Invalid, result.Outcome);
            Assert.NotEmpty(result.Errors);
            Assert.Null(await _grains.GetGrain<IOrderGrain>(request.OrderId).Get());
        }
        var snapshot = await _grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, sku)).GetSnapshot();
        Assert.Equal(10, snapshot.Available);
        Assert.Empty(snapshot.Holds);
    }

    [Fact]
    public async Task A_backordered_order_is_allocated_when_stock_arrives()
    {
        var net = new TestNetwork(_grains, "arrive");
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 1);
        await net.WaitForAvailability(sku, 1);
        var order = _grains.GetGrain<IOrderGrain>("arrive-o1");
        var placed = await order.Submit(net.Order("arrive-o1", TestNetwork.NewYork, (sku, 3)));
        Assert.Equal(OrderStatus.PartiallyAllocated, placed.Order!.Status);
        Assert.Equal(new OrderLine(sku, 2), Assert.Single(placed.Order.Backordered));

        // A delivery from a supplier: nobody calls the order; the SKU's availability wakes it.
        await _grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, sku)).Receive("asn-1", 5);

        await Eventually.True(async () => (await order.Get())!.Status == OrderStatus.Allocated, "the backordered units to be allocated on receipt");
        var view = (await order.Get())!;
        Assert.Empty(view.Backordered);
        Assert.Equal(3, view.Shipments.Where(s => s.Status != ShipmentStatus.Cancelled).SelectMany(s => s.Lines).Sum(l => l.Quantity));
        Assert.Contains(await order.GetHistory(), h => h.Type == "OrderRerouted" && h.Actor == "router:stock-arrived");
        var stock = await _grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, sku)).GetSnapshot();
        // The first allocation reserved under the order id, the one on receipt under its own id.
        Assert.Equal(1, stock.CommittedByReservation["arrive-o1"]);
        Assert.Equal(2, stock.CommittedByReservation["arrive-o1~1"]);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["arrive-o1"]));
    }
}
