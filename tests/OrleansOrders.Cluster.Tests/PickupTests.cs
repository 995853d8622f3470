using OrleansOrders.Client.Auditing;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;

namespace OrleansOrders.Cluster.Tests;

/// <summary>Buy online, pick up in store: the customer's store only, collection, and the pickup window.</summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class PickupTests(GridClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    private async Task<(TestNetwork Net, string Sku, string Store, string Dc)> Network(string prefix, int storeStock)
    {
        var net = new TestNetwork(_grains, prefix);
        var sku = net.Sku("x");
        var store = await net.AddNode("store", TestNetwork.NewYork, NodeKind.Store);
        var dc = await net.AddNode("dc", TestNetwork.Newark);
        if (storeStock > 0)
        {
            await net.SetStock(store, sku, storeStock);
        }
        await net.SetStock(dc, sku, 50);
        await net.WaitForAvailability(sku, storeStock + 50);
        return (net, sku, store, dc);
    }

    private IStockGrain Stock(string node, string sku) => _grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, sku));

    [Fact]
    public async Task A_pickup_order_is_collected_at_the_customers_store_and_leaves_its_stock()
    {
        var (net, sku, store, _) = await Network("bopis", storeStock: 5);
        var order = _grains.GetGrain<IOrderGrain>("bopis-o1");
        var placed = await order.Submit(net.Order("bopis-o1", TestNetwork.NewYork, (sku, 2)) with { PickupNodeId = store });
        var shipment = Assert.Single(placed.Order!.Shipments);
        Assert.Equal(store, shipment.NodeId);
        Assert.True(shipment.Pickup);

        Assert.Equal(ActionOutcome.NotAllowed, (await order.AdvanceShipment(shipment.ShipmentId, ShipmentStep.Ship, "store", "UPS", "1Z")).Outcome);
        Assert.Equal(ActionOutcome.NotAllowed, (await order.AdvanceShipment(shipment.ShipmentId, ShipmentStep.PickedUp, "store")).Outcome); // not ready yet
        Assert.Equal(ActionOutcome.Done, (await order.AdvanceShipment(shipment.ShipmentId, ShipmentStep.ReadyForPickup, "store")).Outcome);
        var collected = await order.AdvanceShipment(shipment.ShipmentId, ShipmentStep.PickedUp, "store");

        Assert.Equal(OrderStatus.Delivered, collected.Order!.Status);
        var snapshot = await Stock(store, sku).GetSnapshot();
        Assert.Equal((3, 0, 2L), (snapshot.OnHand, snapshot.Committed, snapshot.Shipped));
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["bopis-o1"]));
    }

    [Fact]
    public async Task A_pickup_not_collected_within_the_window_is_cancelled_and_restocked()
    {
        var (net, sku, store, _) = await Network("bopis-late", storeStock: 5);
        var order = _grains.GetGrain<IOrderGrain>("bopis-late-o1");
        var placed = await order.Submit(net.Order("bopis-late-o1", TestNetwork.NewYork, (sku, 2)) with { PickupNodeId = store });
        await order.AdvanceShipment(placed.Order!.Shipments[0].ShipmentId, ShipmentStep.ReadyForPickup, "store");
        Assert.Equal(3, await Stock(store, sku).GetAvailable());

        fixture.Time.Advance(TimeSpan.FromDays(3) - TimeSpan.FromMinutes(1));
        Assert.Equal(OrderStatus.ReleasedToNode, (await order.Get())!.Status); // still inside the window
        fixture.Time.Advance(TimeSpan.FromMinutes(2));
        var view = await order.Get();

        Assert.Equal(OrderStatus.Cancelled, view!.Status);
        Assert.Equal(ShipmentStatus.Cancelled, view.Shipments[0].Status);
        Assert.Equal(5, await Stock(store, sku).GetAvailable());
        Assert.Contains(await order.GetHistory(), h => h.Type == "PickupNotCollected");
    }

    [Fact]
    public async Task A_pickup_store_without_the_stock_is_never_substituted_unless_the_order_allows_shipping_the_rest()
    {
        var (net, sku, store, dc) = await Network("bopis-short", storeStock: 1);

        var strict = await _grains.GetGrain<IOrderGrain>("bopis-short-o1").Submit(net.Order("bopis-short-o1", TestNetwork.NewYork, (sku, 3)) with { PickupNodeId = store });
        Assert.Equal(OrderStatus.PartiallyAllocated, strict.Order!.Status);
        Assert.Equal(store, Assert.Single(strict.Order.Shipments).NodeId);
        Assert.Equal(new OrderLine(sku, 2), Assert.Single(strict.Order.Backordered));

        // Another customer's store with one unit; this order lets the rest ship.
        var store2 = await net.AddNode("store2", TestNetwork.Philadelphia, NodeKind.Store);
        await net.SetStock(store2, sku, 1);
        await net.WaitForAvailability(sku, 51);
        var split = await _grains.GetGrain<IOrderGrain>("bopis-short-o2").Submit(
            net.Order("bopis-short-o2", TestNetwork.NewYork, (sku, 3)) with { PickupNodeId = store2, AllowSplitShip = true });
        Assert.Equal(OrderStatus.Allocated, split.Order!.Status);
        var parts = split.Order.Shipments.ToDictionary(s => s.NodeId);
        Assert.True(parts[store2].Pickup);
        Assert.Equal(1, parts[store2].Lines.Single().Quantity);
        Assert.False(parts[dc].Pickup);
        Assert.Equal(2, parts[dc].Lines.Single().Quantity);
        // The shipped part is the order's second allocation: it holds and commits under the same id, leaving no hold behind.
        var dcStock = await _grains.GetGrain<IStockGrain>(Identifiers.StockKey(dc, sku)).GetSnapshot();
        Assert.Equal(0, dcStock.Held);
        Assert.Equal(2, dcStock.CommittedByReservation[parts[dc].ReservationId]);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["bopis-short-o1", "bopis-short-o2"]));
    }

    [Fact]
    public async Task A_closed_or_unknown_pickup_store_is_refused()
    {
        var (net, sku, store, dc) = await Network("bopis-closed", storeStock: 5);
        await _grains.GetGrain<IFulfilmentNodeGrain>(store).Update(new NodeUpdate(NodeStatus.Closed, null));

        var closed = await _grains.GetGrain<IOrderGrain>("bopis-closed-o1").Submit(net.Order("bopis-closed-o1", TestNetwork.NewYork, (sku, 1)) with { PickupNodeId = store });
        var unknown = await _grains.GetGrain<IOrderGrain>("bopis-closed-o2").Submit(net.Order("bopis-closed-o2", TestNetwork.NewYork, (sku, 1)) with { PickupNodeId = "no-store" });
        var notAStore = await _grains.GetGrain<IOrderGrain>("bopis-closed-o3").Submit(net.Order("bopis-closed-o3", TestNetwork.NewYork, (sku, 1)) with { PickupNodeId = dc });

        Assert.All(new[] { closed, unknown, notAStore }, r => Assert.Equal(SubmitOutcome.Invalid, r.Outcome));
        Assert.Contains("closed", closed.Errors.Single());
        Assert.Null(await _grains.GetGrain<IOrderGrain>("bopis-closed-o1").Get());
    }
}
