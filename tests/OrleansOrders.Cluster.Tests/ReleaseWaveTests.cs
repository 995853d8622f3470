using OrleansOrders.Client.Auditing;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// Soft allocation: parcels of the "waves" channel wait for their node's release wave, and before it
/// the re-optimiser moves an order to a clearly better plan, make-before-break.
/// </summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class ReleaseWaveTests(GridClusterFixture fixture)
{
    public const string Channel = "waves";

    private readonly IGrainFactory _grains = fixture.Grains;

    private IStockGrain Stock(string node, string sku) => _grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, sku));

    private IReleaseWaveGrain Wave(string node) => _grains.GetGrain<IReleaseWaveGrain>(node);

    private static OrderRequest InWaves(OrderRequest order) => order with { Channel = Channel };

    /// <summary>Moves the business clock to the wave of <paramref name="shipment"/> (it never goes back).</summary>
    private void AdvanceTo(ShipmentAllocation shipment)
    {
        var at = shipment.ReleaseAt!.Value;
        if (fixture.Time.GetUtcNow() < at)
        {
            fixture.Time.SetUtcNow(at);
        }
    }

    private async Task<(TestNetwork Net, string Sku, string Near, string Far)> NearEmpty(string prefix)
    {
        var net = new TestNetwork(_grains, prefix);
        var sku = net.Sku("x");
        var near = await net.AddNode("near", TestNetwork.Newark);
        var far = await net.AddNode("far", TestNetwork.Chicago);
        await net.SetStock(near, sku, 0);
        await net.SetStock(far, sku, 10);
        await net.WaitForAvailability(sku, 10);
        return (net, sku, near, far);
    }

    /// <summary>
    /// An order for 2 units allocated (soft) at the far node, then stock received at the node next to the
    /// customer, and the clock at the order's wave: the re-optimiser has a better plan to move to.
    /// </summary>
    private async Task<(TestNetwork Net, string Sku, string Near, string Far, IOrderGrain Order, ShipmentAllocation Parcel)> DueWithNearerStock(string prefix)
    {
        var (net, sku, near, far) = await NearEmpty(prefix);
        var orderId = $"{prefix}-o1";
        var order = _grains.GetGrain<IOrderGrain>(orderId);
        var parcel = Assert.Single((await order.Submit(InWaves(net.Order(orderId, TestNetwork.NewYork, (sku, 2))))).Order!.Shipments);
        Assert.Equal(far, parcel.NodeId);
        await net.SetStock(near, sku, 5); // a delivery arrives at the node next to the customer
        await net.WaitForAvailability(sku, 5 + 8);
        AdvanceTo(parcel);
        return (net, sku, near, far, order, parcel);
    }

    [Fact]
    public async Task A_parcel_waits_for_its_wave_and_its_node_cannot_start_on_it_before()
    {
        var (net, sku, _, far) = await NearEmpty("wave-wait");
        var order = _grains.GetGrain<IOrderGrain>("wave-wait-o1");
        var placed = (await order.Submit(InWaves(net.Order("wave-wait-o1", TestNetwork.NewYork, (sku, 2))))).Order!;
        var parcel = Assert.Single(placed.Shipments);
        Assert.Equal(OrderStatus.Allocated, placed.Status);
        Assert.NotNull(parcel.ReleaseAt);
        Assert.True(parcel.ReleaseAt > fixture.Time.GetUtcNow());
        Assert.Equal(2, (await Stock(far, sku).GetSnapshot()).Committed); // soft, but its stock is committed

        var early = await order.AdvanceShipment(parcel.ShipmentId, ShipmentStep.Acknowledge, "node:far");
        Assert.Equal(ActionOutcome.NotAllowed, early.Outcome);
        Assert.Contains("not released", early.Reason);
        Assert.Equal(ActionOutcome.NotAllowed, (await order.RejectShipment(parcel.ShipmentId, null, "no", false, "node:far")).Outcome);
        var waiting = await Wave(far).Get();
        Assert.Contains(waiting.Orders, w => w.OrderId == "wave-wait-o1" && w.ReleaseAt == parcel.ReleaseAt);

        // Not due yet: the wave asks nobody.
        Assert.Equal(0, (await Wave(far).RunDue()).Released);
        Assert.NotNull((await order.Get())!.Shipments[0].ReleaseAt);

        AdvanceTo(parcel);
        var run = await Wave(far).RunDue();
        Assert.Equal(1, run.Released);
        Assert.Equal(0, run.Reoptimised); // nothing better appeared: the order keeps its plan
        var released = (await order.Get())!;
        Assert.Null(released.Shipments[0].ReleaseAt);
        Assert.Equal(far, released.Shipments[0].NodeId);
        Assert.DoesNotContain((await Wave(far).Get()).Orders, w => w.OrderId == "wave-wait-o1");
        Assert.Equal(ActionOutcome.Done, (await order.AdvanceShipment(parcel.ShipmentId, ShipmentStep.Acknowledge, "node:far")).Outcome);
        Assert.Contains("ShipmentReleased", (await order.GetHistory()).Select(e => e.Type));
        // The quote before release held nothing anywhere.
        Assert.Equal(0, (await Stock(far, sku).GetSnapshot()).Held);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["wave-wait-o1"]));
    }

    [Fact]
    public async Task Stock_received_nearer_before_the_wave_moves_the_order_there_and_frees_the_far_stock()
    {
        var (net, sku, near, far, order, parcel) = await DueWithNearerStock("wave-move");
        var run = await Wave(far).RunDue();
        Assert.Equal(1, run.Reoptimised);

        var moved = (await order.Get())!;
        Assert.Equal(OrderStatus.Allocated, moved.Status);
        var live = Assert.Single(moved.Shipments, s => s.Status != ShipmentStatus.Cancelled);
        Assert.Equal(near, live.NodeId);
        Assert.Null(live.ReleaseAt); // moved at its wave: released at once
        Assert.True(live.Cost < parcel.Cost);
        Assert.Equal(ShipmentStatus.Cancelled, moved.Shipments.Single(s => s.ShipmentId == parcel.ShipmentId).Status);
        Assert.Equal(0, (await Stock(far, sku).GetSnapshot()).Committed);
        var nearStock = await Stock(near, sku).GetSnapshot();
        Assert.Equal(2, nearStock.Committed);
        Assert.Equal(0, nearStock.Held);
        Assert.Contains("OrderReoptimised", (await order.GetHistory()).Select(e => e.Type));
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["wave-move-o1"]));
    }

    [Fact]
    public async Task Two_parcels_become_one_when_one_node_can_ship_the_whole_order_before_the_wave()
    {
        var net = new TestNetwork(_grains, "wave-join");
        var (a, b) = (net.Sku("a"), net.Sku("b"));
        var far = await net.AddNode("far", TestNetwork.Boston);
        var nearA = await net.AddNode("near-a", TestNetwork.Newark);
        var nearB = await net.AddNode("near-b", TestNetwork.Philadelphia);
        await net.SetStock(far, a, 0); await net.SetStock(far, b, 0);
        await net.SetStock(nearA, a, 5);
        await net.SetStock(nearB, b, 5);
        await net.WaitForAvailability(a, 5);
        await net.WaitForAvailability(b, 5);
        var order = _grains.GetGrain<IOrderGrain>("wave-join-o1");
        var placed = (await order.Submit(InWaves(net.Order("wave-join-o1", TestNetwork.NewYork, (a, 1), (b, 1))))).Order!;
        Assert.Equal(2, placed.Shipments.Count);

        await net.SetStock(far, a, 5); await net.SetStock(far, b, 5);
        await net.WaitForAvailability(a, 9);
        await net.WaitForAvailability(b, 9);
        foreach (var parcel in placed.Shipments)
        {
            AdvanceTo(parcel);
        }
        var runs = new[] { await Wave(nearA).RunDue(), await Wave(nearB).RunDue() };
        Assert.Equal(1, runs.Sum(r => r.Reoptimised));

        var joined = (await order.Get())!;
        var live = Assert.Single(joined.Shipments, s => s.Status != ShipmentStatus.Cancelled);
        Assert.Equal(far, live.NodeId);
        Assert.True(live.Cost < placed.TotalCost);
        Assert.Equal(0, (await Stock(nearA, a).GetSnapshot()).Committed);
        Assert.Equal(0, (await Stock(nearB, b).GetSnapshot()).Committed);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["wave-join-o1"]));
    }

    [Fact]
    public async Task A_move_that_fails_halfway_keeps_the_old_stock_until_the_new_is_committed_then_finishes()
    {
        var (net, sku, near, far, order, parcel) = await DueWithNearerStock("wave-crash");

        // The new stock is held and the move written, then every commit of it fails (as if the order's silo died there).
        fixture.Faults.FailingReservations["wave-crash-o1~1"] = true;
        try
        {
            var failed = await Wave(far).RunDue();
            Assert.Equal(1, failed.Failed);
            Assert.Equal(2, (await Stock(far, sku).GetSnapshot()).Committed); // the old plan still holds everything
            Assert.Equal(2, (await Stock(near, sku).GetSnapshot()).Held);     // the new stock is held, not committed
            Assert.Contains((await Wave(far).Get()).Orders, w => w.OrderId == "wave-crash-o1"); // asked again later
        }
        finally
        {
            fixture.Faults.FailingReservations.Clear();
        }

        var finished = await Wave(far).RunDue(); // the next look finishes the move
        Assert.Equal(0, finished.Failed);
        var moved = (await order.Get())!;
        Assert.Equal(near, Assert.Single(moved.Shipments, s => s.Status != ShipmentStatus.Cancelled).NodeId);
        Assert.Equal(0, (await Stock(far, sku).GetSnapshot()).Committed);
        Assert.Equal(2, (await Stock(near, sku).GetSnapshot()).Committed);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["wave-crash-o1"]));
    }

    [Fact]
    public async Task A_move_whose_new_hold_expired_during_the_outage_is_abandoned_and_the_order_keeps_its_plan()
    {
        var (net, sku, near, far, order, parcel) = await DueWithNearerStock("wave-lapse");

        fixture.Faults.FailingReservations["wave-lapse-o1~1"] = true;
        try
        {
            Assert.Equal(1, (await Wave(far).RunDue()).Failed);
            fixture.Time.Advance(TimeSpan.FromMinutes(5)); // the outage outlasts the new hold
            await Eventually.True(async () => (await Stock(near, sku).GetSnapshot()).Held == 0, "the lapsed hold to be swept");
            await Stock(near, sku).Hold("wave-lapse-thief", 5, TimeSpan.FromHours(1)); // and another order takes that stock
        }
        finally
        {
            fixture.Faults.FailingReservations.Clear();
        }

        var run = await Wave(far).RunDue();
        Assert.Equal(0, run.Reoptimised);
        Assert.Equal(1, run.Released); // the order kept its plan and went out at its wave
        var kept = (await order.Get())!;
        var live = Assert.Single(kept.Shipments, s => s.Status != ShipmentStatus.Cancelled);
        Assert.Equal(far, live.NodeId);
        Assert.Null(live.ReleaseAt);
        Assert.Equal(2, (await Stock(far, sku).GetSnapshot()).Committed);
        var nearStock = await Stock(near, sku).GetSnapshot();
        Assert.Equal(0, nearStock.Committed);
        Assert.Equal(5, nearStock.Held); // only the thief's
        await Stock(near, sku).Release("wave-lapse-thief");
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["wave-lapse-o1"]));
    }

    [Fact]
    public async Task A_wave_of_more_orders_than_one_write_carries_releases_every_one()
    {
        var net = new TestNetwork(_grains, "wave-big");
        var sku = net.Sku("x");
        var dc = await net.AddNode("dc", TestNetwork.Newark);
        const int Orders = OrleansOrders.Orders.ReleaseWaveList.MaxRowsPerWrite + 50;
        await net.SetStock(dc, sku, Orders);
        await net.WaitForAvailability(sku, Orders);
        var ids = Enumerable.Range(0, Orders).Select(i => $"wave-big-o{i}").ToList();
        foreach (var batch in ids.Chunk(50))
        {
            await Task.WhenAll(batch.Select(id => _grains.GetGrain<IOrderGrain>(id).Submit(InWaves(net.Order(id, TestNetwork.NewYork, (sku, 1))))));
        }
        Assert.Equal(Orders, (await Wave(dc).Get(0)).Waiting);

        var run = await Wave(dc).RunDue(force: true);
        Assert.Equal(Orders, run.Released);
        Assert.Equal(0, run.Failed);
        Assert.Equal(0, (await Wave(dc).Get(0)).Waiting);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ids));
    }
}
