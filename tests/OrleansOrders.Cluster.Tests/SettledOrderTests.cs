using Orleans.Core.Internal;
using OrleansOrders.Client.Auditing;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// A cluster of its own for tests that move the business clock by days (the stock grains forget
/// idempotency records after a week) or leave silent nodes behind, so the shared grid is not disturbed.
/// </summary>
public sealed class SettlingClusterFixture() : GridClusterFixture(1, store: null);

[CollectionDefinition(Name)]
public sealed class SettlingCollection : ICollectionFixture<SettlingClusterFixture>
{
    public const string Name = "settling";
}

/// <summary>
/// What an order leaves behind once a step is done: no pending operation in storage (nothing
/// re-runs after the stock grains forget), a wait at every SKU it backorders, and a recovery
/// ledger that keeps every step that has not finished.
/// </summary>
[Collection(SettlingCollection.Name)]
[Trait("Category", "Functional")]
public sealed class SettledOrderTests(SettlingClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    private IStockGrain Stock(string node, string sku) => _grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, sku));

    private IOrderRecoveryGrain ShardOf(string orderId) =>
        _grains.GetGrain<IOrderRecoveryGrain>(OrderRecoveryShards.For(orderId, new GridOptions().RecoveryShards));

    /// <summary>Deactivates the order grain, so the next call reads what storage holds.</summary>
    private static async Task Reactivate(IOrderGrain order)
    {
        await order.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await Task.Delay(100);
    }

    [Fact]
    public async Task A_received_return_is_not_restocked_again_after_the_order_reactivates_and_the_stock_grain_forgot_it()
    {
        var net = new TestNetwork(_grains, "settle-ret");
        var sku = net.Sku("x");
        var dc = await net.AddNode("dc", TestNetwork.Newark);
        var store = await net.AddNode("store", TestNetwork.Philadelphia, NodeKind.Store);
        await net.SetStock(dc, sku, 10);
        await net.SetStock(store, sku, 0);
        await net.WaitForAvailability(sku, 10);
        var order = _grains.GetGrain<IOrderGrain>("settle-ret-o1");
        var placed = await order.Submit(net.Order("settle-ret-o1", TestNetwork.NewYork, (sku, 3)));
        var shipment = Assert.Single(placed.Order!.Shipments);
        Assert.Equal(dc, shipment.NodeId);
        Assert.Equal(ActionOutcome.Done, (await order.AdvanceShipment(shipment.ShipmentId, ShipmentStep.Ship, "node", "UPS", "1Z1")).Outcome);
        Assert.Equal(ActionOutcome.Done, (await order.StartReturn(new ReturnRequest("r1", [new OrderLine(sku, 3)], "web", "too big"), "customer")).Outcome);
        Assert.Equal(ActionOutcome.Done, (await order.ReceiveReturn("r1", store, [new ReturnedItem(sku, 3, ReturnDisposition.Restock)], "store")).Outcome);
        Assert.Equal(3L, (await Stock(store, sku).GetSnapshot()).Restocked);

        // A week later the store's stock grain forgets the return's restock (any write prunes it)...
        await Reactivate(order);
        fixture.Time.Advance(TimeSpan.FromDays(8));
        await Stock(store, sku).Restock("settle-ret-unrelated", 1);
        Assert.Equal(4L, (await Stock(store, sku).GetSnapshot()).Restocked);

        // ...and the order, read back from storage, must not carry the restock out again.
        Assert.Equal(OrderStatus.Returned, (await order.Get())!.Status);
        Assert.True(await order.Resume());
        await order.RetryBackorder();
        var after = await Stock(store, sku).GetSnapshot();
        Assert.Equal((4L, 4), (after.Restocked, after.OnHand));
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["settle-ret-o1"]));
    }

    [Fact]
    public async Task A_rejection_writes_stock_down_once_even_after_the_order_reactivates_and_the_stock_grain_forgot_it()
    {
        var net = new TestNetwork(_grains, "settle-rej");
        var sku = net.Sku("x");
        var near = await net.AddNode("near", TestNetwork.Newark);
        await net.SetStock(near, sku, 10);
        await net.WaitForAvailability(sku, 10);
        var order = _grains.GetGrain<IOrderGrain>("settle-rej-o1");
        var placed = await order.Submit(net.Order("settle-rej-o1", TestNetwork.NewYork, (sku, 2)));
        var shipment = Assert.Single(placed.Order!.Shipments);
        // The node cannot find the units (adjusted: +10 seeded, -2 written down); no other node stocks the SKU, so the line waits.
        var rejected = await order.RejectShipment(shipment.ShipmentId, null, "shelf empty", stockMissing: true, "node:near");
        Assert.Equal(ActionOutcome.Done, rejected.Outcome);
        Assert.Equal(OrderStatus.Backordered, rejected.Order!.Status);
        var written = await Stock(near, sku).GetSnapshot();
        Assert.Equal((8, 8L, 0), (written.OnHand, written.Adjusted, written.Committed));

        await Reactivate(order);
        fixture.Time.Advance(TimeSpan.FromDays(8));
        await Stock(near, sku).Restock("settle-rej-unrelated", 1); // a write: prunes the week-old write-down record, and wakes the backorder

        await Eventually.True(async () => (await order.Get())!.Status == OrderStatus.Allocated, "the backorder to be allocated at the node again", TimeSpan.FromSeconds(10));
        Assert.True(await order.Resume());
        var after = await Stock(near, sku).GetSnapshot();
        Assert.Equal((9, 8L, 2), (after.OnHand, after.Adjusted, after.Committed));
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["settle-rej-o1"]));
    }

    /// <summary>An order whose first submission died after writing its plan and before committing; its hold then expires and goes to another order.</summary>
    private async Task<(TestNetwork Net, string Sku, string Node, IOrderGrain Order, OrderRequest Request)> LoseTheHold(string prefix)
    {
        var net = new TestNetwork(_grains, prefix);
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 5);
        await net.WaitForAvailability(sku, 5);
        var request = net.Order($"{prefix}-o1", TestNetwork.NewYork, (sku, 5));
        var order = _grains.GetGrain<IOrderGrain>(request.OrderId);
        fixture.Faults.FailingReservations[request.OrderId] = true;
        await Assert.ThrowsAnyAsync<Exception>(() => order.Submit(request));
        fixture.Faults.FailingReservations.TryRemove(request.OrderId, out _);

        fixture.Time.Advance(TimeSpan.FromMinutes(2)); // the hold expires...
        await net.WaitForAvailability(sku, 5);
        var other = await _grains.GetGrain<IOrderGrain>($"{prefix}-o2").Submit(net.Order($"{prefix}-o2", TestNetwork.NewYork, (sku, 5)));
        Assert.Equal(OrderStatus.Allocated, other.Order!.Status); // ...and another order takes the stock
        return (net, sku, node, order, request);
    }

    private async Task StockArrivesAndTheOrderIsAllocated(TestNetwork net, string sku, string node, IOrderGrain order)
    {
        await net.SetStock(node, sku, 10); // 5 committed to the other order, 5 free again
        await Eventually.True(async () => (await Stock(node, sku).GetSnapshot()).CommittedByReservation.Count == 2,
            "the backordered order to be woken by the arriving stock and commit it", TimeSpan.FromSeconds(10));
        var view = (await order.Get())!;
        Assert.Equal(OrderStatus.Allocated, view.Status);
        Assert.Empty(view.Backordered);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, [view.OrderId, $"{net.Prefix}-o2"]));
    }

    [Fact]
    public async Task A_line_backordered_by_a_commit_refused_on_get_waits_for_stock_and_is_allocated_when_it_arrives()
    {
        var (net, sku, node, order, _) = await LoseTheHold("wake-get");

        var view = (await order.Get())!; // finishes the interrupted step: the commit is refused
        Assert.Equal(OrderStatus.Backordered, view.Status);

        await StockArrivesAndTheOrderIsAllocated(net, sku, node, order);
    }

    [Fact]
    public async Task A_line_backordered_by_a_commit_refused_on_a_replayed_submit_waits_for_stock_and_is_allocated_when_it_arrives()
    {
        var (net, sku, node, order, request) = await LoseTheHold("wake-replay");

        var replay = await order.Submit(request);
        Assert.Equal(SubmitOutcome.Replayed, replay.Outcome);
        Assert.Equal(OrderStatus.Backordered, replay.Order!.Status);

        await StockArrivesAndTheOrderIsAllocated(net, sku, node, order);
    }

    [Fact]
    public async Task A_line_backordered_by_a_commit_refused_on_a_recovery_sweep_waits_for_stock_and_is_allocated_when_it_arrives()
    {
        var (net, sku, node, order, _) = await LoseTheHold("wake-sweep");

        Assert.Equal(0, await ShardOf($"{net.Prefix}-o1").Sweep());

        await StockArrivesAndTheOrderIsAllocated(net, sku, node, order);
    }

    [Fact]
    public async Task A_sweep_that_resumed_an_order_keeps_tracking_a_step_the_order_started_meanwhile()
    {
        var net = new TestNetwork(_grains, "ledger");
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        var silent = await net.AddNode("silent", TestNetwork.Chicago);
        await net.SetStock(node, sku, 10);
        await net.SetStock(silent, sku, 10);
        await net.WaitForAvailability(sku, 20);
        fixture.Faults.SilentNodes[silent] = true;
        var shards = new GridOptions().RecoveryShards;
        var aId = "ledger-a";
        var bId = Enumerable.Range(0, 1000).Select(i => $"ledger-b{i}").First(id => OrderRecoveryShards.For(id, shards) == OrderRecoveryShards.For(aId, shards));
        var shard = ShardOf(aId);
        var a = _grains.GetGrain<IOrderGrain>(aId);

        // A: its first step dies before committing, so it is tracked and left unfinished.
        fixture.Faults.FailingReservations[aId] = true;
        await Assert.ThrowsAnyAsync<Exception>(() => a.Submit(net.Order(aId, TestNetwork.NewYork, (sku, 3))));
        fixture.Faults.FailingReservations.TryRemove(aId, out _);
        // B: a submission in flight, slow because one node never answers its bid (the deadline is 1 s).
        var bSubmit = _grains.GetGrain<IOrderGrain>(bId).Submit(net.Order(bId, TestNetwork.NewYork, (sku, 1)));
        await Eventually.True(async () => (await shard.GetTracked()).Contains(bId), "B to be tracked in A's shard", TimeSpan.FromSeconds(10));
        fixture.Time.Advance(TimeSpan.FromSeconds(31)); // both are due

        // The sweep resumes A at once and waits for B; meanwhile A starts a new step (a cancel) that dies before releasing.
        var sweep = shard.Sweep();
        await Eventually.True(async () => !(await shard.GetTracked()).Contains(aId), "the sweep to finish A's first step", TimeSpan.FromSeconds(10));
        Assert.False(sweep.IsCompleted, "the sweep finished before A's new step began, so it was not racing it and the test proves nothing");
        fixture.Faults.FailingReservations[aId] = true;
        await Assert.ThrowsAnyAsync<Exception>(() => a.Cancel("customer"));
        fixture.Faults.FailingReservations.TryRemove(aId, out _);
        await sweep;
        await bSubmit;

        Assert.Contains(aId, await shard.GetTracked());
        Assert.Equal(3, (await Stock(node, sku).GetSnapshot()).CommittedByReservation.GetValueOrDefault(aId));
        fixture.Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(0, await shard.Sweep());
        Assert.Equal(0, (await Stock(node, sku).GetSnapshot()).CommittedByReservation.GetValueOrDefault(aId));
        Assert.DoesNotContain(aId, await shard.GetTracked());
    }
}
