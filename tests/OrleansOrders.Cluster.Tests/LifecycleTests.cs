using OrleansOrders.Client.Auditing;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;

namespace OrleansOrders.Cluster.Tests;

/// <summary>After allocation: shipments through their steps, refusals, rejections, line cancels, returns, history.</summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class LifecycleTests(GridClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    private async Task<(TestNetwork Net, string Sku, string Near, string Far)> Network(string prefix, int nearStock = 10, int farStock = 10)
    {
        var net = new TestNetwork(_grains, prefix);
        var sku = net.Sku("x");
        var near = await net.AddNode("near", TestNetwork.Newark);
        var far = await net.AddNode("far", TestNetwork.Chicago);
        await net.SetStock(near, sku, nearStock);
        await net.SetStock(far, sku, farStock);
        await net.WaitForAvailability(sku, nearStock + farStock);
        return (net, sku, near, far);
    }

    private static OrderRequest Priced(OrderRequest order, decimal price) =>
        order with { Lines = order.Lines.Select(l => l with { UnitPrice = price }).ToList() };

    private IStockGrain Stock(string node, string sku) => _grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, sku));

    [Fact]
    public async Task A_shipment_goes_through_every_step_and_shipping_takes_the_units_off_on_hand()
    {
        var (net, sku, near, _) = await Network("life");
        var order = _grains.GetGrain<IOrderGrain>("life-o1");
        var placed = await order.Submit(net.Order("life-o1", TestNetwork.NewYork, (sku, 3)));
        var shipmentId = Assert.Single(placed.Order!.Shipments).ShipmentId;
        Assert.Equal(OrderStatus.Allocated, placed.Order.Status);

        Assert.Equal(ActionOutcome.Done, (await order.AdvanceShipment(shipmentId, ShipmentStep.Acknowledge, "node:near")).Outcome);
        Assert.Equal(OrderStatus.ReleasedToNode, (await order.Get())!.Status);
        Assert.Equal(ActionOutcome.Done, (await order.AdvanceShipment(shipmentId, ShipmentStep.Pick, "node:near")).Outcome);
        Assert.Equal(ActionOutcome.Done, (await order.AdvanceShipment(shipmentId, ShipmentStep.Pack, "node:near")).Outcome);
        var shipped = await order.AdvanceShipment(shipmentId, ShipmentStep.Ship, "node:near", "UPS", "1Z999");
        Assert.Equal(ActionOutcome.Done, shipped.Outcome);
        Assert.Equal(OrderStatus.Shipped, shipped.Order!.Status);
        Assert.Equal("1Z999", shipped.Order.Shipments[0].TrackingNumber);
        Assert.Equal(ActionOutcome.NoChange, (await order.AdvanceShipment(shipmentId, ShipmentStep.Ship, "node:near", "UPS", "1Z999")).Outcome);

        var stock = await Stock(near, sku).GetSnapshot();
        Assert.Equal(7, stock.OnHand);
        Assert.Equal(0, stock.Committed);
        Assert.Equal(3, stock.Shipped);

        var delivered = await order.AdvanceShipment(shipmentId, ShipmentStep.Deliver, "carrier:ups");
        Assert.Equal(OrderStatus.Delivered, delivered.Order!.Status);
        var history = await order.GetHistory();
        Assert.Equal(
            ["OrderAccepted", "OrderAllocated", "ShipmentAcknowledged", "ShipmentPicked", "ShipmentPacked", "ShipmentShipped", "ShipmentDelivered"],
            history.Select(h => h.Type).ToArray());
        Assert.Equal(
            [OrderEventKind.OrderAccepted, OrderEventKind.OrderAllocated, OrderEventKind.ShipmentAcknowledged, OrderEventKind.ShipmentPicked,
             OrderEventKind.ShipmentPacked, OrderEventKind.ShipmentShipped, OrderEventKind.ShipmentDelivered],
            history.Select(h => h.Kind).ToArray()); // what the grid matches on: the kind, read back from the stored name
        Assert.Equal(OrderEventKind.Unknown, (history[0] with { Type = "OrderTeleported" }).Kind); // a newer build's kind
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), history.Select(h => h.Sequence));
        Assert.Equal("node:near", history[2].Actor);
        Assert.Equal(OrderStatus.Delivered, history[^1].StatusAfter);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["life-o1"]));
    }

    [Fact]
    public async Task Refusals_change_nothing()
    {
        var (net, sku, near, _) = await Network("refuse");
        var order = _grains.GetGrain<IOrderGrain>("refuse-o1");
        var shipmentId = (await order.Submit(net.Order("refuse-o1", TestNetwork.NewYork, (sku, 2)))).Order!.Shipments[0].ShipmentId;

        Assert.Equal(ActionOutcome.NotAllowed, (await order.AdvanceShipment(shipmentId, ShipmentStep.Deliver, "node")).Outcome);       // not shipped
        Assert.Equal(ActionOutcome.Invalid, (await order.AdvanceShipment(shipmentId, ShipmentStep.Ship, "node", "UPS", "")).Outcome); // no tracking
        Assert.Equal(ActionOutcome.NotFound, (await order.AdvanceShipment("s99", ShipmentStep.Pick, "node")).Outcome);
        Assert.Equal(ActionOutcome.NotAllowed, (await order.StartReturn(new ReturnRequest("r1", [new OrderLine(sku, 1)], "web", "too early"), "customer")).Outcome);
        Assert.Equal(ActionOutcome.NotFound, (await _grains.GetGrain<IOrderGrain>("refuse-none").AdvanceShipment("s1", ShipmentStep.Pick, "node")).Outcome);
        Assert.Equal(2, (await Stock(near, sku).GetSnapshot()).Committed);

        await order.AdvanceShipment(shipmentId, ShipmentStep.Ship, "node", "DHL", "JD0001");
        var cancel = await order.Cancel("too late");
        Assert.Equal(CancelOutcome.NotCancellable, cancel.Outcome);
        Assert.Equal(ActionOutcome.NotAllowed, (await order.CancelLines([new OrderLine(sku, 1)], "too late", "customer")).Outcome);
        Assert.Equal(ActionOutcome.NotAllowed, (await order.RejectShipment(shipmentId, null, "too late", false, "node")).Outcome);
        Assert.Equal(ActionOutcome.NotAllowed, (await order.AdvanceShipment(shipmentId, ShipmentStep.Pack, "node")).Outcome);     // no going back
        Assert.Equal(ActionOutcome.NotAllowed, (await order.StartReturn(new ReturnRequest("r1", [new OrderLine(sku, 3)], "web", "more than shipped"), "customer")).Outcome);
        var view = (await order.Get())!;
        Assert.Equal(OrderStatus.Shipped, view.Status);
        Assert.Empty(view.Returns!);
        var stock = await Stock(near, sku).GetSnapshot();
        Assert.Equal((8, 0, 2), (stock.OnHand, stock.Committed, (int)stock.Shipped));

        var other = _grains.GetGrain<IOrderGrain>("refuse-o2");
        var otherShipment = (await other.Submit(net.Order("refuse-o2", TestNetwork.NewYork, (sku, 1)))).Order!.Shipments[0].ShipmentId;
        await other.Cancel("changed mind");
        Assert.Equal(ActionOutcome.NotAllowed, (await other.AdvanceShipment(otherShipment, ShipmentStep.Ship, "node", "UPS", "1Z")).Outcome); // ship a cancelled shipment
        Assert.Equal(0, (await Stock(near, sku).GetSnapshot()).Committed);
    }

    [Fact]
    public async Task A_rejected_shipment_is_rerouted_and_the_rejecting_nodes_stock_is_corrected()
    {
        var (net, sku, near, far) = await Network("reject");
        var order = _grains.GetGrain<IOrderGrain>("reject-o1");
        var placed = await order.Submit(net.Order("reject-o1", TestNetwork.NewYork, (sku, 4)));
        Assert.Equal(near, placed.Order!.Shipments[0].NodeId);

        var rejected = await order.RejectShipment(placed.Order.Shipments[0].ShipmentId, null, "shelf empty", stockMissing: true, "node:near");

        Assert.Equal(ActionOutcome.Done, rejected.Outcome);
        var view = rejected.Order!;
        Assert.Equal(OrderStatus.Allocated, view.Status);
        Assert.Equal(ShipmentStatus.Cancelled, view.Shipments[0].Status);
        var replacement = Assert.Single(view.Shipments, s => s.Status != ShipmentStatus.Cancelled);
        Assert.Equal(far, replacement.NodeId);
        Assert.Equal(4, replacement.Lines.Single().Quantity);
        var nearStock = await Stock(near, sku).GetSnapshot();
        Assert.Equal((6, 0), (nearStock.OnHand, nearStock.Committed)); // written down by the 4 it could not find
        Assert.Equal(-4 + 10, (int)nearStock.Adjusted);
        Assert.Equal(4, (await Stock(far, sku).GetSnapshot()).CommittedByReservation["reject-o1~1"]);
        Assert.Contains((await order.GetHistory()), h => h.Kind == OrderEventKind.ShipmentRejected && h.Reason == "shelf empty");
        Assert.Contains((await order.GetHistory()), h => h.Kind == OrderEventKind.OrderRerouted);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["reject-o1"]));
    }

    [Fact]
    public async Task A_parcel_rejected_twice_for_missing_units_writes_down_both_times()
    {
        // Once named by parcel and SKU alone, the second write-down repeated the first's operation id,
        // and the stock grain took it for a replay: on hand stayed 2 units above the shelf.
        var (net, sku, near, far) = await Network("reject2", nearStock: 10, farStock: 0);
        var order = _grains.GetGrain<IOrderGrain>("reject2-o1");
        var placed = await order.Submit(net.Order("reject2-o1", TestNetwork.NewYork, (sku, 5)));
        var parcel = placed.Order!.Shipments.Single().ShipmentId;

        Assert.Equal(ActionOutcome.Done, (await order.RejectShipment(parcel, [new OrderLine(sku, 3)], "3 not found", stockMissing: true, "node:near")).Outcome);
        Assert.Equal(ActionOutcome.Done, (await order.RejectShipment(parcel, [new OrderLine(sku, 2)], "2 more not found", stockMissing: true, "node:near")).Outcome);

        var nearStock = await Stock(near, sku).GetSnapshot();
        Assert.Equal(5, nearStock.OnHand); // 10 on the shelf, 5 of them never there
        var view = (await order.Get())!;
        Assert.Equal(ShipmentStatus.Cancelled, view.Shipments.Single(s => s.ShipmentId == parcel).Status);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["reject2-o1"]));
    }

    [Fact]
    public async Task Cancelling_some_lines_releases_exactly_those_units()
    {
        var net = new TestNetwork(_grains, "partcancel");
        var (a, b) = (net.Sku("a"), net.Sku("b"));
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, a, 10);
        await net.SetStock(node, b, 2);
        await net.WaitForAvailability(a, 10);
        await net.WaitForAvailability(b, 2);
        var order = _grains.GetGrain<IOrderGrain>("partcancel-o1");
        var placed = await order.Submit(net.Order("partcancel-o1", TestNetwork.NewYork, (a, 5), (b, 4)));
        Assert.Equal(OrderStatus.PartiallyAllocated, placed.Order!.Status);
        Assert.Equal(new OrderLine(b, 2), Assert.Single(placed.Order.Backordered));

        // 3 of b: 2 from backorder first, then 1 of the 2 allocated; 2 of a.
        var result = await order.CancelLines([new OrderLine(a, 2), new OrderLine(b, 3)], "customer asked", "customer-service");

        Assert.Equal(ActionOutcome.Done, result.Outcome);
        Assert.Empty(result.Order!.Backordered);
        var lines = result.Order.Shipments.Single().Lines.ToDictionary(l => l.Sku, l => l.Quantity);
        Assert.Equal(3, lines[a]);
        Assert.Equal(1, lines[b]);
        Assert.Equal(3, (await Stock(node, a).GetSnapshot()).Committed);
        Assert.Equal(1, (await Stock(node, b).GetSnapshot()).Committed);
        Assert.Equal(ActionOutcome.NotAllowed, (await order.CancelLines([new OrderLine(a, 4)], "too many", "customer")).Outcome);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["partcancel-o1"]));

        var all = await order.CancelLines([new OrderLine(a, 3), new OrderLine(b, 1)], "all of it", "customer");
        Assert.Equal(OrderStatus.Cancelled, all.Order!.Status);
        Assert.Equal(0, (await Stock(node, a).GetSnapshot()).Committed);
    }

    [Fact]
    public async Task A_return_received_at_another_node_restocks_there_refunds_and_conserves_stock()
    {
        var (net, sku, near, far) = await Network("ret");
        var store = await net.AddNode("store", TestNetwork.Philadelphia, NodeKind.Store);
        var order = _grains.GetGrain<IOrderGrain>("ret-o1");
        var placed = await order.Submit(Priced(net.Order("ret-o1", TestNetwork.NewYork, (sku, 3)), 19.99m));
        var shipment = placed.Order!.Shipments[0];
        Assert.Equal(near, shipment.NodeId);
        await order.AdvanceShipment(shipment.ShipmentId, ShipmentStep.Ship, "node", "UPS", "1Z1");
        await order.AdvanceShipment(shipment.ShipmentId, ShipmentStep.Deliver, "carrier");

        var started = await order.StartReturn(new ReturnRequest("r1", [new OrderLine(sku, 3)], "store", "wrong size"), "store:philly");
        Assert.Equal(ActionOutcome.Done, started.Outcome);
        Assert.Equal(ActionOutcome.NoChange, (await order.StartReturn(new ReturnRequest("r1", [new OrderLine(sku, 3)], "store", "wrong size"), "store:philly")).Outcome);
        Assert.Equal(ActionOutcome.NotAllowed, (await order.StartReturn(new ReturnRequest("r2", [new OrderLine(sku, 1)], "web", "again"), "customer")).Outcome);
        Assert.Equal(ActionOutcome.Invalid, (await order.ReceiveReturn("r1", store, [new ReturnedItem(sku, 4, ReturnDisposition.Restock)], "store")).Outcome);
        Assert.Equal(ActionOutcome.Invalid, (await order.ReceiveReturn("r1", store, [new ReturnedItem(sku, 1, ReturnDisposition.WriteOff)], "store")).Outcome);
        Assert.Equal(ActionOutcome.NotFound, (await order.ReceiveReturn("r1", "ret-nowhere", [new ReturnedItem(sku, 1, ReturnDisposition.Restock)], "store")).Outcome);

        var received = await order.ReceiveReturn("r1", store,
            [new ReturnedItem(sku, 2, ReturnDisposition.Restock), new ReturnedItem(sku, 1, ReturnDisposition.WriteOff, "torn")], "store:philly");

        Assert.Equal(ActionOutcome.Done, received.Outcome);
        var ret = Assert.Single(received.Order!.Returns!);
        Assert.Equal(ReturnStatus.Received, ret.Status);
        Assert.Equal(store, ret.ReceivedAtNode);
        Assert.Equal(3 * 19.99m, ret.Refund);
        Assert.Equal(OrderStatus.Returned, received.Order.Status);
        var storeStock = await Stock(store, sku).GetSnapshot();
        Assert.Equal((2, 2L), (storeStock.OnHand, storeStock.Restocked));
        var nearStock = await Stock(near, sku).GetSnapshot();
        Assert.Equal((7, 3L), (nearStock.OnHand, nearStock.Shipped));
        // Network-wide conservation: 20 seeded - 3 shipped + 2 restocked.
        var keys = net.StockKeys.Append((store, sku)).ToList();
        var audit = await GridAuditor.Audit(_grains, keys, ["ret-o1"]);
        AuditAssert.Clean(audit);
        Assert.Equal(20 - 3 + 2, audit.Stock.Values.Sum(s => s.OnHand));
        await net.WaitForAvailability(sku, 20 - 3 + 2);
    }

    [Fact]
    public async Task An_exchange_creates_a_new_order_linked_to_the_return()
    {
        var (net, sku, _, _) = await Network("exch");
        var order = _grains.GetGrain<IOrderGrain>("exch-o1");
        var shipment = (await order.Submit(net.Order("exch-o1", TestNetwork.NewYork, (sku, 1)))).Order!.Shipments[0];
        await order.AdvanceShipment(shipment.ShipmentId, ShipmentStep.Ship, "node", "UPS", "1Z2");

        var result = await order.StartReturn(new ReturnRequest("r1", [new OrderLine(sku, 1)], "web", "wrong colour", [new OrderLine(sku, 1)]), "customer");

        var exchangeId = result.Order!.Returns!.Single().ExchangeOrderId;
        Assert.Equal("exch-o1-x-r1", exchangeId);
        var exchange = await _grains.GetGrain<IOrderGrain>(exchangeId!).Get();
        Assert.Equal(OrderStatus.Allocated, exchange!.Status);
        Assert.Equal("customer-1", exchange.Request.CustomerId);
    }

    [Fact]
    public async Task Cancel_racing_ship_on_fifty_orders_always_ends_in_exactly_one_of_them()
    {
        var (net, sku, near, far) = await Network("race-cs", nearStock: 60, farStock: 60);
        var ids = Enumerable.Range(0, 50).Select(i => $"race-cs-o{i}").ToList();
        var placed = await Task.WhenAll(ids.Select(id => _grains.GetGrain<IOrderGrain>(id).Submit(net.Order(id, TestNetwork.NewYork, (sku, 2)))));

        var races = placed.Select(p => (Cancel: _grains.GetGrain<IOrderGrain>(p.Order!.OrderId).Cancel("race"),
            Ship: _grains.GetGrain<IOrderGrain>(p.Order.OrderId).AdvanceShipment(p.Order.Shipments[0].ShipmentId, ShipmentStep.Ship, "node", "UPS", "1Z"))).ToList();
        await Task.WhenAll(races.SelectMany(r => new Task[] { r.Cancel, r.Ship }));

        var cancelled = 0;
        var shipped = 0;
        foreach (var (cancelCall, shipCall) in races)
        {
            var (cancel, ship) = (await cancelCall, await shipCall);
            var cancelWon = cancel.Outcome == CancelOutcome.Cancelled;
            var shipWon = ship.Outcome == ActionOutcome.Done;
            Assert.True(cancelWon ^ shipWon, $"cancel {cancel.Outcome}, ship {ship.Outcome}");
            cancelled += cancelWon ? 1 : 0;
            shipped += shipWon ? 1 : 0;
        }
        var audit = await GridAuditor.Audit(_grains, net.StockKeys, ids);
        AuditAssert.Clean(audit);
        Assert.Equal(shipped, audit.Orders.Values.Count(o => o.Status == OrderStatus.Shipped));
        Assert.Equal(cancelled, audit.Orders.Values.Count(o => o.Status == OrderStatus.Cancelled));
        Assert.Equal(0, audit.CommittedUnits);
        Assert.Equal(2 * shipped, audit.Stock.Values.Sum(s => (int)s.Shipped));
        Assert.Equal(120 - 2 * shipped, audit.Stock.Values.Sum(s => s.OnHand));
    }

    [Fact]
    public async Task Customer_service_finds_orders_by_customer_and_recent_orders_through_the_event_stream()
    {
        var (net, sku, _, _) = await Network("cs");
        var customer = "cs-customer-" + Guid.NewGuid().ToString("N")[..6];
        foreach (var i in new[] { 1, 2 })
        {
            await _grains.GetGrain<IOrderGrain>($"cs-o{i}").Submit(net.Order($"cs-o{i}", TestNetwork.NewYork, (sku, 1)) with { CustomerId = customer });
        }

        await Eventually.True(async () => (await _grains.GetGrain<ICustomerOrdersGrain>(customer).GetOrderIds()).Count == 2,
            "the customer's two orders to reach the customer index");
        Assert.Equal(["cs-o1", "cs-o2"], (await _grains.GetGrain<ICustomerOrdersGrain>(customer).GetOrderIds()).Order().ToArray());
        await Eventually.True(async () => (await _grains.GetGrain<IRecentOrdersGrain>(0).GetRecent(50)).Any(o => o.OrderId == "cs-o2"),
            "the order to reach the recent-orders list");
    }

    [Fact]
    public async Task Orders_placed_at_once_share_stream_messages_and_every_one_reaches_its_customer_and_the_recent_list()
    {
        // Forty orders at once on two silos: each silo's outbox gathers them per shard, so stream messages
        // carry several orders' events; the projection must take every order of a message, not its last.
        var (net, sku, _, _) = await Network("burst", nearStock: 30, farStock: 30);
        var run = Guid.NewGuid().ToString("N")[..6];
        var ids = Enumerable.Range(0, 40).Select(i => $"burst-{run}-o{i}").ToList();
        var placed = await Task.WhenAll(ids.Select(id =>
            _grains.GetGrain<IOrderGrain>(id).Submit(net.Order(id, TestNetwork.NewYork, (sku, 1)) with { CustomerId = "burst-customer-" + id })));
        Assert.All(placed, p => Assert.Equal(SubmitOutcome.Accepted, p.Outcome));

        foreach (var id in ids)
        {
            await Eventually.True(async () => (await _grains.GetGrain<ICustomerOrdersGrain>("burst-customer-" + id).GetOrderIds()).Contains(id),
                $"order {id} to reach its customer's index");
        }
        await Eventually.True(async () => (await _grains.GetGrain<IRecentOrdersGrain>(0).GetRecent(200)).Select(o => o.OrderId).Intersect(ids).Count() == ids.Count,
            "every order to reach the recent-orders list");
    }

    [Fact]
    public async Task Changing_the_address_before_release_reroutes_the_order_and_after_is_refused()
    {
        var (net, sku, near, far) = await Network("addr");
        var order = _grains.GetGrain<IOrderGrain>("addr-o1");
        var placed = await order.Submit(net.Order("addr-o1", TestNetwork.NewYork, (sku, 2)));
        Assert.Equal(near, placed.Order!.Shipments.Single().NodeId);

        var moved = await order.ChangeAddress(TestNetwork.Chicago, "customer");

        Assert.Equal(ActionOutcome.Done, moved.Outcome);
        var live = Assert.Single(moved.Order!.Shipments, s => s.Status != ShipmentStatus.Cancelled);
        Assert.Equal(far, live.NodeId); // Chicago is now closest
        Assert.Equal(TestNetwork.Chicago, moved.Order.Request.ShipTo);
        Assert.Equal(0, (await Stock(near, sku).GetSnapshot()).Committed);
        Assert.Equal(2, (await Stock(far, sku).GetSnapshot()).Committed);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["addr-o1"]));

        await order.AdvanceShipment(live.ShipmentId, ShipmentStep.Acknowledge, "node:far");
        Assert.Equal(ActionOutcome.NotAllowed, (await order.ChangeAddress(TestNetwork.NewYork, "customer")).Outcome);
        Assert.Equal(ActionOutcome.Invalid, (await order.ChangeAddress(new Location(123, 0), "customer")).Outcome);
    }
}
