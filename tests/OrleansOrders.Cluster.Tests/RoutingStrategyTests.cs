using OrleansOrders.Client.Auditing;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// The routing rules of issue 3 as the grid applies them: objectives and limits chosen per order or
/// per channel, kits, cutoff and dispatch capacity, radius, fulfilment types, channel reserves and
/// backorder dates from expected receipts. Each test routes real orders through the router grain
/// and the node bids, then checks where the stock went.
/// </summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class RoutingStrategyTests(GridClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    /// <summary>The business day on the fixture's clock (other tests move it on by whole days).</summary>
    private DateOnly Today => DateOnly.FromDateTime(fixture.Time.GetUtcNow().UtcDateTime);

    private Task<SubmitOrderResult> Submit(OrderRequest order) => _grains.GetGrain<IOrderGrain>(order.OrderId).Submit(order);

    private IStockGrain Stock(string node, string sku) => _grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, sku));

    private Task<(TestNetwork Net, string A, string B, string Far, string NearA, string NearB)> FarSingleOrNearSplit(string prefix) =>
        TestNetwork.FarSingleOrNearSplit(_grains, prefix, units: 10);

    [Fact]
    public async Task Lowest_cost_ships_in_one_parcel_while_fastest_splits_across_the_near_nodes()
    {
        var (net, a, b, far, nearA, nearB) = await FarSingleOrNearSplit("goal");

        var cheapest = await Submit(net.Order("goal-cheap", TestNetwork.NewYork, (a, 1), (b, 1)));
        var fastest = await Submit(net.Order("goal-fast", TestNetwork.NewYork, (a, 1), (b, 1)) with { Routing = new RoutingPreferences(RoutingGoal.Fastest) });

        Assert.Equal(far, Assert.Single(cheapest.Order!.Shipments).NodeId);
        Assert.Equal([nearA, nearB], fastest.Order!.Shipments.Select(s => s.NodeId).Order());
        Assert.True(fastest.Order.Shipments.Max(s => s.PromisedBy) < cheapest.Order.Shipments[0].PromisedBy,
            "the split must arrive earlier than the single far parcel, or choosing it proves nothing");
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["goal-cheap", "goal-fast"]));
    }

    /// <summary>Two near nodes with 10 units of one SKU each: no node covers an order for both.</summary>
    private async Task<(TestNetwork Net, string A, string B, string One, string Two)> EachNodeOneSku(string prefix)
    {
        var net = new TestNetwork(_grains, prefix);
        var (a, b) = (net.Sku("a"), net.Sku("b"));
        var one = await net.AddNode("one", TestNetwork.Newark);
        var two = await net.AddNode("two", TestNetwork.Philadelphia);
        await net.SetStock(one, a, 10);
        await net.SetStock(two, b, 10);
        await net.WaitForAvailability(a, 10);
        await net.WaitForAvailability(b, 10);
        return (net, a, b, one, two);
    }

    [Fact]
    public async Task A_ship_complete_order_no_single_node_covers_waits_whole_and_holds_nothing()
    {
        var (net, a, b, one, two) = await EachNodeOneSku("complete");

        var complete = await Submit(net.Order("complete-o1", TestNetwork.NewYork, (a, 2), (b, 3)) with { Routing = new RoutingPreferences(ShipComplete: true) });
        var split = await Submit(net.Order("complete-o2", TestNetwork.NewYork, (a, 2), (b, 3)));

        Assert.Equal(OrderStatus.Backordered, complete.Order!.Status);
        Assert.Empty(complete.Order.Shipments);
        Assert.Equal([(a, 2), (b, 3)], complete.Order.Backordered.Select(l => (l.Sku, l.Quantity)).Order());
        Assert.Equal(2, split.Order!.Shipments.Count);
        Assert.Equal(8, await Stock(one, a).GetAvailable()); // only the split order took stock
        Assert.Equal(7, await Stock(two, b).GetAvailable());
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["complete-o1", "complete-o2"]));
    }

    [Fact]
    public async Task A_parcel_limit_of_one_takes_what_the_best_node_has_and_backorders_the_rest()
    {
        var (net, a, b, _, _) = await EachNodeOneSku("limit");

        var result = await Submit(net.Order("limit-o1", TestNetwork.NewYork, (a, 2), (b, 3)) with { Routing = new RoutingPreferences(MaxShipments: 1) });

        Assert.Equal(OrderStatus.PartiallyAllocated, result.Order!.Status);
        var parcel = Assert.Single(result.Order.Shipments);
        var backordered = Assert.Single(result.Order.Backordered);
        Assert.NotEqual(parcel.Lines.Single().Sku, backordered.Sku);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["limit-o1"]));
    }

    [Fact]
    public async Task A_kit_ships_whole_from_one_node_even_when_splitting_it_would_be_cheaper()
    {
        var net = new TestNetwork(_grains, "kit");
        var (frame, wheel, bell) = (net.Sku("frame"), net.Sku("wheel"), net.Sku("bell"));
        var nearFrames = await net.AddNode("near-frames", TestNetwork.Newark);
        var nearWheels = await net.AddNode("near-wheels", TestNetwork.Philadelphia);
        var farBoth = await net.AddNode("far-both", TestNetwork.Chicago);
        await net.SetStock(nearFrames, frame, 10); await net.SetStock(nearFrames, bell, 10);
        await net.SetStock(nearWheels, wheel, 10);
        await net.SetStock(farBoth, frame, 10); await net.SetStock(farBoth, wheel, 10);
        await net.WaitForAvailability(frame, 20);
        await net.WaitForAvailability(wheel, 20);
        await net.WaitForAvailability(bell, 10);
        var order = new OrderRequest("kit-o1", "customer-1", "web", TestNetwork.NewYork,
        [
            new OrderLine(frame, 1, 0m, "bike"),
            new OrderLine(wheel, 2, 0m, "bike"),
            new OrderLine(bell, 1),
        ]);

        var result = await Submit(order);

        Assert.Equal(OrderStatus.Allocated, result.Order!.Status);
        var kitParcel = Assert.Single(result.Order.Shipments, s => s.Lines.Any(l => l.KitId == "bike"));
        Assert.Equal(farBoth, kitParcel.NodeId);
        Assert.Equal([frame, wheel], kitParcel.Lines.Where(l => l.KitId == "bike").Select(l => l.Sku).Order());
        Assert.Equal(nearFrames, Assert.Single(result.Order.Shipments, s => s.Lines.Any(l => l.Sku == bell)).NodeId);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["kit-o1"]));
    }

    [Fact]
    public async Task A_kit_that_loses_one_line_in_a_race_gives_back_the_rest_and_moves_whole()
    {
        var net = new TestNetwork(_grains, "kitrace");
        var (frame, wheel) = (net.Sku("frame"), net.Sku("wheel"));
        var near = await net.AddNode("near", TestNetwork.Newark);
        var far = await net.AddNode("far", TestNetwork.Chicago);
        foreach (var node in new[] { near, far })
        {
            await net.SetStock(node, frame, 5);
            await net.SetStock(node, wheel, 5);
        }
        await net.WaitForAvailability(frame, 10);
        await net.WaitForAvailability(wheel, 10);
        // Right after "near" bids, another reservation takes all its wheels: the kit's wheel hold there fails.
        fixture.Faults.StealAfterBid[near] = wheel;
        var order = new OrderRequest("kitrace-o1", "customer-1", "web", TestNetwork.NewYork,
            [new OrderLine(frame, 1, 0m, "bike"), new OrderLine(wheel, 2, 0m, "bike")]);

        var result = await Submit(order);

        Assert.False(fixture.Faults.StealAfterBid.ContainsKey(near), "the steal never happened, so the test proves nothing");
        var parcel = Assert.Single(result.Order!.Shipments);
        Assert.Equal(far, parcel.NodeId);
        Assert.Equal(2, parcel.Lines.Count);
        var nearFrames = await Stock(near, frame).GetSnapshot();
        Assert.Equal(0, nearFrames.Held);                 // the frame held at "near" was given back
        Assert.Equal(5, nearFrames.Available);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["kitrace-o1"]));
    }

    [Fact]
    public async Task A_ship_complete_order_that_loses_one_line_in_a_race_gives_back_the_rest_and_ships_whole_elsewhere()
    {
        var net = new TestNetwork(_grains, "completerace");
        var (a, b) = (net.Sku("a"), net.Sku("b"));
        var near = await net.AddNode("near", TestNetwork.Newark);
        var far = await net.AddNode("far", TestNetwork.Chicago);
        foreach (var node in new[] { near, far })
        {
            await net.SetStock(node, a, 5);
            await net.SetStock(node, b, 5);
        }
        await net.WaitForAvailability(a, 10);
        await net.WaitForAvailability(b, 10);
        fixture.Faults.StealAfterBid[near] = b; // the hold of b at "near" fails; a was granted there

        var result = await Submit(net.Order("completerace-o1", TestNetwork.NewYork, (a, 1), (b, 2)) with { Routing = new RoutingPreferences(ShipComplete: true) });

        Assert.False(fixture.Faults.StealAfterBid.ContainsKey(near), "the steal never happened, so the test proves nothing");
        var parcel = Assert.Single(result.Order!.Shipments);
        Assert.Equal((far, 2), (parcel.NodeId, parcel.Lines.Count));
        Assert.Equal(0, (await Stock(near, a).GetSnapshot()).Held); // the a held at "near" was given back
        Assert.Equal(0, (await _grains.GetGrain<IFulfilmentNodeGrain>(near).Get())!.CapacityUsed); // and its capacity
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["completerace-o1"]));
    }

    [Fact]
    public async Task An_order_after_the_nodes_cutoff_dispatches_tomorrow_and_takes_tomorrows_capacity()
    {
        var net = new TestNetwork(_grains, "cutoff");
        var sku = net.Sku("x");
        // The fixture's clock stands at 10:00 UTC: a 09:00 cutoff has passed, a 16:00 one has not.
        var early = await net.AddNode("early", TestNetwork.Newark, shape: p => p with { CutoffUtc = new TimeOnly(9, 0) });
        var late = await net.AddNode("late", TestNetwork.Newark, shape: p => p with { CutoffUtc = new TimeOnly(16, 0) });
        await net.SetStock(early, sku, 5);
        await net.WaitForAvailability(sku, 5);

        var afterCutoff = await Submit(net.Order("cutoff-o1", TestNetwork.NewYork, (sku, 1)));
        await net.SetStock(early, sku, 0);
        await net.SetStock(late, sku, 5);
        await net.WaitForAvailability(sku, 5);
        var beforeCutoff = await Submit(net.Order("cutoff-o2", TestNetwork.NewYork, (sku, 1)));

        var tomorrow = Assert.Single(afterCutoff.Order!.Shipments);
        var today = Assert.Single(beforeCutoff.Order!.Shipments);
        Assert.Equal(Today.AddDays(1), tomorrow.DispatchOn);
        Assert.Equal(Today, today.DispatchOn);
        Assert.Equal(today.PromisedBy.AddDays(1), tomorrow.PromisedBy); // same distance, one day later
        var earlyView = (await _grains.GetGrain<IFulfilmentNodeGrain>(early).Get())!;
        Assert.Equal(0, earlyView.CapacityUsed); // today's capacity untouched
        Assert.Equal([0, 1], earlyView.CapacityUsedByDay.Take(2)); // tomorrow's taken, and operators see it
        Assert.Equal(1, (await _grains.GetGrain<IFulfilmentNodeGrain>(late).Get())!.CapacityUsed);
    }

    [Fact]
    public async Task A_full_node_serves_a_channel_that_may_wait_the_next_day_and_sends_others_elsewhere()
    {
        var net = new TestNetwork(_grains, "delay");
        var sku = net.Sku("x");
        var small = await net.AddNode("small", TestNetwork.Newark, dailyCapacity: 1);
        var big = await net.AddNode("big", TestNetwork.Chicago);
        await net.SetStock(small, sku, 100);
        await net.SetStock(big, sku, 100);
        await net.WaitForAvailability(sku, 200);

        var first = await Submit(net.Order("delay-o1", TestNetwork.NewYork, (sku, 1)));
        var economy = await Submit(net.Order("delay-o2", TestNetwork.NewYork, (sku, 1)) with { Channel = "economy" });
        var web = await Submit(net.Order("delay-o3", TestNetwork.NewYork, (sku, 1)));

        Assert.Equal((small, Today), Parcel(first));
        Assert.Equal((small, Today.AddDays(1)), Parcel(economy)); // the economy channel may wait up to 2 days
        Assert.Equal(big, Parcel(web).Node);                       // web may not: the full node is left out
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["delay-o1", "delay-o2", "delay-o3"]));

        static (string Node, DateOnly? Day) Parcel(SubmitOrderResult result)
        {
            var parcel = Assert.Single(result.Order!.Shipments);
            return (parcel.NodeId, parcel.DispatchOn);
        }
    }

    [Fact]
    public async Task Radius_and_fulfilment_type_keep_nodes_out_of_orders_they_may_not_serve()
    {
        var net = new TestNetwork(_grains, "reach");
        var sku = net.Sku("x");
        var store = await net.AddNode("store", TestNetwork.Newark, NodeKind.Store);
        var localDc = await net.AddNode("local-dc", TestNetwork.Philadelphia, shape: p => p with { ServiceRadiusKm = 50 });
        var farDc = await net.AddNode("far-dc", TestNetwork.Chicago);
        foreach (var node in new[] { store, localDc, farDc })
        {
            await net.SetStock(node, sku, 10);
        }
        await net.WaitForAvailability(sku, 30);

        var web = await Submit(net.Order("reach-web", TestNetwork.NewYork, (sku, 1)));
        var marketplace = await Submit(net.Order("reach-mkt", TestNetwork.NewYork, (sku, 1)) with { Channel = "marketplace" });
        var local = await Submit(net.Order("reach-local", TestNetwork.Dallas, (sku, 1)) with { Channel = "local" });

        Assert.Equal(store, Assert.Single(web.Order!.Shipments).NodeId);          // nearest, ships from store
        Assert.Equal(farDc, Assert.Single(marketplace.Order!.Shipments).NodeId);  // marketplace: DCs only; local-dc's radius is 50 km
        Assert.Equal(OrderStatus.Backordered, local.Order!.Status);                // nothing within 150 km of Dallas
        Assert.Empty(local.Order.Shipments);
    }

    [Fact]
    public async Task A_channel_reserve_is_taken_only_by_the_channels_it_names()
    {
        var net = new TestNetwork(_grains, "reserve");
        var sku = net.Sku("x");
        var store = await net.AddNode("store", TestNetwork.Newark, NodeKind.Store);
        await net.SetStock(store, sku, 5);
        await Stock(store, sku).SetReserve(new ChannelReserve(4, ["store"]));
        await net.WaitForAvailability(sku, 5);

        var web = await Submit(net.Order("reserve-web", TestNetwork.NewYork, (sku, 3)));
        var walkIn = await Submit(net.Order("reserve-store", TestNetwork.NewYork, (sku, 3)) with { Channel = "store" });

        // Web may take only the one unprotected unit; the store channel takes from the reserve.
        Assert.Equal(1, Assert.Single(web.Order!.Shipments).Lines.Single().Quantity);
        Assert.Equal(2, Assert.Single(web.Order.Backordered).Quantity);
        Assert.Equal(3, Assert.Single(walkIn.Order!.Shipments).Lines.Single().Quantity);
        Assert.Equal(1, await Stock(store, sku).GetAvailable());
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["reserve-web", "reserve-store"]));
    }

    [Fact]
    public async Task Backordered_lines_get_dates_from_expected_receipts_first_come_first_served_and_are_allocated_on_receipt()
    {
        var net = new TestNetwork(_grains, "inbound");
        var sku = net.Sku("x");
        var dc = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(dc, sku, 0);
        var due = Today.AddDays(5);
        await Stock(dc, sku).ExpectReceipt(new ExpectedReceipt("po-1", 6, due));
        await Eventually.True(async () => (await _grains.GetGrain<ISkuAvailabilityGrain>(sku).Get()).Nodes.Any(n => n.Inbound == 6), "inbound to be reported");

        var first = await Submit(net.Order("inbound-o1", TestNetwork.NewYork, (sku, 4)));
        var second = await Submit(net.Order("inbound-o2", TestNetwork.NewYork, (sku, 4)));

        var date = Assert.Single(first.Order!.BackorderDates!);
        Assert.Equal((dc, 4), (date.NodeId, date.Quantity));
        Assert.True(date.PromisedBy > due, "the promise must come after the receipt arrives");
        // Only 2 unpromised units remain: the second order gets a date for 2 of its 4, the rest stays undated.
        var partly = Assert.Single(second.Order!.BackorderDates!);
        Assert.Equal((dc, 2, date.PromisedBy), (partly.NodeId, partly.Quantity, partly.PromisedBy));
        var promised = (await Stock(dc, sku).GetSnapshot()).InboundPromises;
        Assert.Equal((4, 2), (promised["inbound-o1"], promised["inbound-o2"]));

        await Stock(dc, sku).Receive("po-1", 6);

        // The receipt wakes both waiting orders; together they take exactly the 6 units received.
        await Eventually.True(async () => await AllocatedUnits("inbound-o1", "inbound-o2") == 6, "the received units to be allocated");
        var snapshot = await Stock(dc, sku).GetSnapshot();
        Assert.Empty(snapshot.Inbound);
        Assert.Empty(snapshot.InboundPromises);
        Assert.Equal(6, snapshot.Committed);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["inbound-o1", "inbound-o2"]));
    }

    private async Task<int> AllocatedUnits(params string[] orderIds)
    {
        var total = 0;
        foreach (var id in orderIds)
        {
            var view = await _grains.GetGrain<IOrderGrain>(id).Get();
            total += view!.Shipments.Where(s => s.Status != ShipmentStatus.Cancelled).Sum(s => s.Lines.Sum(l => l.Quantity));
        }
        return total;
    }

    [Fact]
    public async Task A_waiting_order_whose_receipt_was_cancelled_is_promised_from_the_next_one_when_it_retries()
    {
        var net = new TestNetwork(_grains, "inbound-move");
        var sku = net.Sku("x");
        var dc = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(dc, sku, 0);
        var stock = Stock(dc, sku);
        await stock.ExpectReceipt(new ExpectedReceipt("po-1", 4, Today.AddDays(3)));
        await Eventually.True(async () => (await _grains.GetGrain<ISkuAvailabilityGrain>(sku).Get()).Nodes.Any(n => n.Inbound == 4), "inbound to be reported");
        var order = _grains.GetGrain<IOrderGrain>("inbound-move-o1");
        var first = Assert.Single((await order.Submit(net.Order("inbound-move-o1", TestNetwork.NewYork, (sku, 4)))).Order!.BackorderDates!);

        // The supplier cancels that delivery and another is expected later.
        await stock.CancelReceipt("po-1");
        await stock.ExpectReceipt(new ExpectedReceipt("po-2", 10, Today.AddDays(9)));
        await Eventually.True(async () => (await _grains.GetGrain<ISkuAvailabilityGrain>(sku).Get()).Nodes.Any(n => n.Inbound == 10), "the new receipt to be reported");
        await order.RetryBackorder();

        var moved = Assert.Single((await order.Get())!.BackorderDates!);
        Assert.Equal(first.PromisedBy.AddDays(6), moved.PromisedBy);
        Assert.Equal(4, moved.Quantity);
        Assert.Equal(4, (await stock.GetSnapshot()).InboundPromises["inbound-move-o1"]);
    }

    [Fact]
    public async Task Cancelling_a_backordered_order_gives_its_inbound_promise_back()
    {
        var net = new TestNetwork(_grains, "inbound-cancel");
        var sku = net.Sku("x");
        var dc = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(dc, sku, 0);
        await Stock(dc, sku).ExpectReceipt(new ExpectedReceipt("po-1", 4, Today.AddDays(3)));
        await Eventually.True(async () => (await _grains.GetGrain<ISkuAvailabilityGrain>(sku).Get()).Nodes.Any(n => n.Inbound == 4), "inbound to be reported");

        var first = await Submit(net.Order("inbound-cancel-o1", TestNetwork.NewYork, (sku, 4)));
        Assert.Single(first.Order!.BackorderDates!);
        await _grains.GetGrain<IOrderGrain>("inbound-cancel-o1").Cancel("changed my mind");
        var second = await Submit(net.Order("inbound-cancel-o2", TestNetwork.NewYork, (sku, 4)));

        Assert.Equal(4, Assert.Single(second.Order!.BackorderDates!).Quantity);
        var promises = (await Stock(dc, sku).GetSnapshot()).InboundPromises;
        Assert.Equal(["inbound-cancel-o2"], promises.Keys);
    }

    [Fact]
    public async Task Among_nodes_that_cover_the_order_the_nearest_are_asked_to_bid()
    {
        var net = new TestNetwork(_grains, "nearest");
        var sku = net.Sku("x");
        // Ten nodes with the stock: six around New York, four far away; the router asks eight.
        var near = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            near.Add(await net.AddNode($"near{i}", new Location(40.70 + i * 0.05, -74.00 - i * 0.05)));
        }
        var far = new List<string>
        {
            await net.AddNode("chicago", TestNetwork.Chicago),
            await net.AddNode("dallas", TestNetwork.Dallas),
            await net.AddNode("la", TestNetwork.LosAngeles),
            await net.AddNode("la2", new Location(34.10, -118.30)),
        };
        foreach (var node in near.Concat(far))
        {
            await net.SetStock(node, sku, 5);
        }
        await net.WaitForAvailability(sku, 50);

        var result = await Submit(net.Order("nearest-o1", TestNetwork.NewYork, (sku, 1)));

        var asked = result.Order!.Bids!.Select(b => b.NodeId).ToHashSet();
        // The six near ones, then Chicago and Dallas; by id alone (the old order) both Los Angeles nodes would be asked.
        Assert.Equal(near.Concat(far.Take(2)).ToHashSet(), asked);
    }
}
