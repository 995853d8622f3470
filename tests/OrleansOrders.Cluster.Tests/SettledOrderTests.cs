using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using Orleans.Serialization;
using Orleans.TestingHost;
using OrleansOrders.Client.Auditing;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains;
using OrleansOrders.Grains.Orders;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// A cluster of its own for tests that move the business clock by days (the stock grains forget
/// idempotency records after a week) or leave silent nodes behind, so the shared grid is not disturbed;
/// over a store the tests can read, to see what an order writes.
/// </summary>
public sealed class SettlingClusterFixture() : GridClusterFixture(1, new SharedStore())
{
    /// <summary>The stored record of an order's state: "order" (hot) or "orderDetails".</summary>
    public (byte[] Data, string ETag)? Stored(string stateName, string orderId) => Store!.Read($"{stateName}/order/{orderId}");

    public T Deserialize<T>(byte[] data) =>
        ((InProcessSiloHandle)Cluster.Silos[0]).SiloHost.Services.GetRequiredService<Serializer>().Deserialize<T>(data)!;

    /// <summary>Reads of one state record name (e.g. "orderDetails") the silo's storage counter has seen.</summary>
    public long Reads(string stateName) =>
        ((InProcessSiloHandle)Cluster.Silos[0]).SiloHost.Services.GetRequiredService<StorageOperationCounter>().Snapshot().ByState
            .Where(s => s.Store == GridOptions.StorageName && s.State == stateName).Sum(s => s.Reads);

    /// <summary>Puts the order's recovery entry under <paramref name="stamp"/>, as a step's write does.</summary>
    public void Track(string orderId, long stamp) => new SharedOrderRecordStore(Store!).PutTrack(orderId, stamp, Time.GetUtcNow());

    public void Put<T>(string stateName, string orderId, T value)
    {
        var data = ((InProcessSiloHandle)Cluster.Silos[0]).SiloHost.Services.GetRequiredService<Serializer>().SerializeToArray(value);
        Store!.Write($"{stateName}/order/{orderId}", Store.Read($"{stateName}/order/{orderId}")?.ETag, data);
    }
}

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
    private async Task Reactivate(IOrderGrain order)
    {
        await order.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        // Wait for the signal that the activation is gone, not for a length of time.
        var management = _grains.GetGrain<IManagementGrain>(0);
        await Eventually.True(async () => !(await management.GetDetailedGrainStatistics()).Any(s => s.GrainId == order.GetGrainId()),
            "the order to deactivate");
    }

    [Fact]
    public async Task An_order_whose_commits_all_go_as_planned_is_written_once_and_what_it_stored_as_pending_never_runs_again()
    {
        var net = new TestNetwork(_grains, "settle-once");
        var sku = net.Sku("x");
        var dc = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(dc, sku, 10);
        await net.WaitForAvailability(sku, 10);
        const string id = "settle-once-o1";
        var order = _grains.GetGrain<IOrderGrain>(id);
        Assert.Equal(OrderStatus.Allocated, (await order.Submit(net.Order(id, TestNetwork.NewYork, (sku, 3)))).Order!.Status);

        // One write of the hot record (the plan with its commit): the commit being done is said by the
        // shard letting the step's stamp go, not by a second write of the order.
        Assert.Equal(1, fixture.Store!.WritesOf($"order/order/{id}"));
        var stored = fixture.Deserialize<OrderState>(fixture.Stored("order", id)!.Value.Data);
        var commit = Assert.Single(stored.Pending);
        Assert.Equal(PendingOpKind.Commit, commit.Kind);
        Assert.True(stored.PendingStamp > 0);
        // The settle reaches the shard in this silo's next batch (one call per shard per 20 ms).
        await Eventually.True(async () => await ShardOf(id).TrackedStamp(id) is null, "the shard to let the step's stamp go");

        // Read back from storage a week later, once the stock grain's records have been pruned: the stored
        // commit is known done and does not run again, and reading the order writes nothing.
        await Reactivate(order);
        fixture.Time.Advance(TimeSpan.FromDays(8));
        await Stock(dc, sku).Restock("settle-once-unrelated", 1);
        Assert.Equal(OrderStatus.Allocated, (await order.Get())!.Status);
        Assert.True(await order.Resume());
        Assert.Equal(1, fixture.Store.WritesOf($"order/order/{id}"));
        var after = await Stock(dc, sku).GetSnapshot();
        Assert.Equal((3, 3), (after.Committed, after.CommittedByReservation[id]));
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, [id]));
    }

    [Fact]
    public async Task A_step_whose_stamp_the_shard_still_tracks_is_carried_out_again_from_what_storage_holds()
    {
        // A crash after the plan was written and before the shard let the step go: storage holds the pending
        // restock under the stamp the shard still tracks, so the next read carries it out, once.
        var net = new TestNetwork(_grains, "settle-crash");
        var sku = net.Sku("x");
        var dc = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(dc, sku, 10);
        await net.WaitForAvailability(sku, 10);
        const string id = "settle-crash-o1";
        var order = _grains.GetGrain<IOrderGrain>(id);
        Assert.Equal(OrderStatus.Allocated, (await order.Submit(net.Order(id, TestNetwork.NewYork, (sku, 3)))).Order!.Status);
        await Reactivate(order);

        var stored = fixture.Deserialize<OrderState>(fixture.Stored("order", id)!.Value.Data);
        var stamp = stored.PendingStamp + 1;
        stored.Pending = [new PendingOp(PendingOpKind.Restock, dc, sku, 2, $"{id}:crash-restock")];
        stored.PendingStamp = stamp;
        fixture.Put("order", id, stored);
        fixture.Track(id, stamp); // the recovery entry the step's write put beside it

        Assert.True(await order.Resume());
        Assert.True(await order.Resume());
        Assert.Equal(2L, (await Stock(dc, sku).GetSnapshot()).Restocked);
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
    public async Task A_stock_wait_whose_registration_failed_in_storage_is_registered_later_and_the_order_is_woken_when_stock_arrives()
    {
        var net = new TestNetwork(_grains, "waitfault");
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 2);
        await net.WaitForAvailability(sku, 2);
        var orderId = $"{net.Prefix}-o1";
        var order = _grains.GetGrain<IOrderGrain>(orderId);
        var availabilityKey = SharedLedgerStore.Key(Identifiers.WaitingListKey(sku));

        // Every write of the SKU's waiting list fails while the order backorders 3 units: it cannot register its wait.
        var faultsBefore = fixture.Store!.FailedKeyed;
        fixture.Store.FailingKeys[availabilityKey] = true;
        SubmitOrderResult placed;
        try
        {
            placed = await order.Submit(net.Order(orderId, TestNetwork.NewYork, (sku, 5)));
        }
        finally
        {
            fixture.Store.FailingKeys.TryRemove(availabilityKey, out _);
        }
        Assert.True(fixture.Store.FailedKeyed > faultsBefore, "no write of the waiting list failed, so the test proves nothing");

        // The customer gets the accepted order, not an error; storage says what is true (no wait registered
        // yet), and the step stays in the recovery ledger until the wait is registered.
        Assert.Equal(SubmitOutcome.Accepted, placed.Outcome);
        Assert.Equal(OrderStatus.PartiallyAllocated, placed.Order!.Status);
        var stored = fixture.Deserialize<OrderState>(fixture.Stored("order", orderId)!.Value.Data);
        Assert.Equal(new OrderLine(sku, 3), Assert.Single(stored.Backordered) with { UnitPrice = 0m });
        Assert.Empty(stored.WaitingFor);
        Assert.Contains(orderId, await ShardOf(orderId).GetTracked());

        // Nothing in memory helps: the order leaves memory, and the recovery sweep registers the wait.
        await Reactivate(order);
        fixture.Time.Advance(TimeSpan.FromSeconds(31));
        await ShardOf(orderId).Sweep();
        Assert.DoesNotContain(orderId, await ShardOf(orderId).GetTracked());
        Assert.Equal([sku], fixture.Deserialize<OrderState>(fixture.Stored("order", orderId)!.Value.Data).WaitingFor);

        // Stock arrives: the availability grain wakes the order (no call of the test does), which allocates it.
        await net.SetStock(node, sku, 5);
        await Eventually.True(async () => (await Stock(node, sku).GetSnapshot()).CommittedByReservation.Count == 2,
            "the backordered order to be woken by the arriving stock and commit it", TimeSpan.FromSeconds(10));
        var view = (await order.Get())!;
        Assert.Equal(OrderStatus.Allocated, view.Status);
        Assert.Empty(view.Backordered);
        Assert.Equal(5, view.Shipments.Sum(s => s.Lines.Sum(l => l.Quantity)));
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, [orderId]));
    }

    [Fact]
    public async Task An_order_stored_when_capacity_was_claimed_per_order_keeps_its_shared_claim_until_its_last_parcel_at_the_node_goes()
    {
        var net = new TestNetwork(_grains, "legacyclaim");
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 2);
        await net.WaitForAvailability(sku, 2);
        var orderId = $"{net.Prefix}-o1";
        var order = _grains.GetGrain<IOrderGrain>(orderId);
        await order.Submit(net.Order(orderId, TestNetwork.NewYork, (sku, 5)));
        await net.SetStock(node, sku, 5);
        await Eventually.True(async () => (await order.Get())!.Status == OrderStatus.Allocated,
            "the backorder to be allocated at the same node", TimeSpan.FromSeconds(10));
        var parcels = (await order.Get())!.Shipments;
        Assert.Equal([orderId, $"{orderId}~1"], parcels.Select(p => p.ReservationId));
        var nodeGrain = _grains.GetGrain<IFulfilmentNodeGrain>(node);

        // Make it what a schema-2 order left behind: both parcels counted by one claim under the order id.
        await nodeGrain.ReleaseCapacity($"{orderId}~1", parcels[1].DispatchOn);
        Assert.Equal(1, (await nodeGrain.Get())!.CapacityUsed);
        await Reactivate(order);
        var stored = fixture.Deserialize<OrderState>(fixture.Stored("order", orderId)!.Value.Data);
        stored.SchemaVersion = 2;
        stored.ClaimsUnderOrderId = 0;
        fixture.Put("order", orderId, stored);

        // The node rejects the first parcel: the second still ships, so the shared claim stays. (The
        // units are written down, so no re-route of the rejected lines can claim there meanwhile.)
        var rejected = await order.RejectShipment(parcels[0].ShipmentId, null, "damaged", stockMissing: true, "node");
        Assert.Equal(ActionOutcome.Done, rejected.Outcome);
        Assert.Equal(1, (await nodeGrain.Get())!.CapacityUsed);
        var upgraded = fixture.Deserialize<OrderState>(fixture.Stored("order", orderId)!.Value.Data);
        Assert.Equal((OrderState.CurrentSchemaVersion, 2), (upgraded.SchemaVersion, upgraded.ClaimsUnderOrderId));

        // The last parcel there goes: the claim goes with it.
        Assert.Equal(CancelOutcome.Cancelled, (await order.Cancel("customer")).Outcome);
        Assert.Equal(0, (await nodeGrain.Get())!.CapacityUsed);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, [orderId]));
    }

    [Fact]
    public async Task A_sweep_that_resumed_an_order_keeps_tracking_a_step_the_order_started_meanwhile()
    {
        var net = new TestNetwork(_grains, "ledger");
        var sku = net.Sku("x");
        var skuB = net.Sku("y");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 10);
        await net.SetStock(node, skuB, 10);
        await net.WaitForAvailability(sku, 10);
        await net.WaitForAvailability(skuB, 10);
        var shards = new GridOptions().RecoveryShards;
        var aId = "ledger-a";
        var bId = Enumerable.Range(0, 1000).Select(i => $"ledger-b{i}").First(id => OrderRecoveryShards.For(id, shards) == OrderRecoveryShards.For(aId, shards));
        var shard = ShardOf(aId);
        var a = _grains.GetGrain<IOrderGrain>(aId);

        // A: its first step dies before committing, so it is tracked and left unfinished.
        fixture.Faults.FailingReservations[aId] = true;
        await Assert.ThrowsAnyAsync<Exception>(() => a.Submit(net.Order(aId, TestNetwork.NewYork, (sku, 3))));
        fixture.Faults.FailingReservations.TryRemove(aId, out _);
        // B: a submission in flight, its plan (and recovery entry) written, its commit held at a slow store.
        var heldKey = SharedLedgerStore.Key(Identifiers.StockKey(node, skuB));
        var held = new HeldWrite();
        fixture.Store!.HeldWrites[heldKey] = held;
        var bSubmit = _grains.GetGrain<IOrderGrain>(bId).Submit(net.Order(bId, TestNetwork.NewYork, (skuB, 1)));
        await held.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains(bId, await shard.GetTracked());
        fixture.Time.Advance(TimeSpan.FromSeconds(31)); // both are due

        // The sweep resumes A at once and waits for B; meanwhile A starts a new step (a cancel) that dies before releasing.
        var sweep = shard.Sweep();
        await Eventually.True(async () => !(await shard.GetTracked()).Contains(aId), "the sweep to finish A's first step", TimeSpan.FromSeconds(10));
        Assert.False(sweep.IsCompleted, "the sweep finished before A's new step began, so it was not racing it and the test proves nothing");
        fixture.Faults.FailingReservations[aId] = true;
        await Assert.ThrowsAnyAsync<Exception>(() => a.Cancel("customer"));
        fixture.Faults.FailingReservations.TryRemove(aId, out _);
        fixture.Store.HeldWrites.TryRemove(heldKey, out _);
        held.Release.TrySetResult();
        await sweep;
        await bSubmit;

        Assert.Contains(aId, await shard.GetTracked());
        Assert.Equal(3, (await Stock(node, sku).GetSnapshot()).CommittedByReservation.GetValueOrDefault(aId));
        fixture.Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(0, await shard.Sweep());
        Assert.Equal(0, (await Stock(node, sku).GetSnapshot()).CommittedByReservation.GetValueOrDefault(aId));
        Assert.DoesNotContain(aId, await shard.GetTracked());
    }

    [Fact]
    public async Task A_new_order_reads_no_details_record_and_a_reactivated_one_reads_it_and_shows_its_explanation()
    {
        var net = new TestNetwork(_grains, "lazy-details");
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 10);
        await net.WaitForAvailability(sku, 10);
        var order = _grains.GetGrain<IOrderGrain>("lazy-details-o1");
        var detailsReads = fixture.Reads("orderDetails");
        var orderReads = fixture.Reads("order");

        var placed = (await order.Submit(net.Order("lazy-details-o1", TestNetwork.NewYork, (sku, 3)))).Order!;
        Assert.Equal(orderReads + 1, fixture.Reads("order")); // the activation read the hot record: none yet
        Assert.Equal(detailsReads, fixture.Reads("orderDetails"));

        // The next step moves the explanation to the details record; a new activation reads both.
        Assert.Equal(ActionOutcome.Done, (await order.CancelLines([new OrderLine(sku, 1)], "one less", "customer")).Outcome);
        Assert.NotNull(fixture.Stored("orderDetails", "lazy-details-o1"));
        await Reactivate(order);
        var reread = (await order.Get())!;
        Assert.Equal(detailsReads + 1, fixture.Reads("orderDetails"));
        Assert.Equal(placed.Bids!.Select(b => (b.NodeId, b.Accepts)), reread.Bids!.Select(b => (b.NodeId, b.Accepts)));
        Assert.Equal(placed.RoutedBy, reread.RoutedBy);
        Assert.Equal(placed.FastPath, reread.FastPath); // moved to the details record with the bids
    }

    [Fact]
    public async Task Network_availability_answers_routing_while_a_waiting_list_write_is_slow()
    {
        var net = new TestNetwork(_grains, "held-wait");
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 4);
        await net.WaitForAvailability(sku, 4);
        var availability = _grains.GetGrain<ISkuAvailabilityGrain>(sku);
        var held = new HeldWrite();
        fixture.Store!.HeldWrites[SharedLedgerStore.Key(Identifiers.WaitingListKey(sku))] = held;
        try
        {
            // A backordered order joins the waiting list: its write reaches a slow store and is held there.
            var joining = availability.WaitForStock("held-wait-o1");
            await held.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));

            // Routing still reads the SKU's availability meanwhile.
            var read = await availability.Get().WaitAsync(TimeSpan.FromSeconds(5)); // queued behind the write, it would time out
            Assert.Equal(4, read.TotalAvailable);
            Assert.False(joining.IsCompleted, "the join answered before its write landed");

            held.Release.SetResult();
            await joining;
        }
        finally
        {
            fixture.Store.HeldWrites.TryRemove(SharedLedgerStore.Key(Identifiers.WaitingListKey(sku)), out _);
            held.Release.TrySetResult();
        }
        await availability.StopWaiting("held-wait-o1");
    }

    [Fact]
    public async Task A_long_history_is_kept_whole_while_each_write_of_the_order_stays_bounded_and_the_bids_are_written_once()
    {
        var net = new TestNetwork(_grains, "long");
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 100);
        await net.WaitForAvailability(sku, 100);
        var order = _grains.GetGrain<IOrderGrain>("long-o1");
        var placed = await order.Submit(net.Order("long-o1", TestNetwork.NewYork, (sku, 60)));
        Assert.NotEmpty(placed.Order!.Bids!);
        // Accepting the order wrote one record: the explanation went out with the plan.
        Assert.Null(fixture.Stored("orderDetails", "long-o1"));
        Assert.NotEmpty(fixture.Deserialize<OrderState>(fixture.Stored("order", "long-o1")!.Value.Data).Bids);
        string? detailsTag = null;

        // Fifty transitions, one unit cancelled at a time: far more history than the hot state keeps.
        var sizes = new List<int>();
        for (var i = 1; i <= 50; i++)
        {
            Assert.Equal(ActionOutcome.Done, (await order.CancelLines([new OrderLine(sku, 1)], $"change {i}", "customer")).Outcome);
            sizes.Add(fixture.Stored("order", "long-o1")!.Value.Data.Length);
            if (i == 1)
            {
                // The order's next write moved the explanation to the details record, written this once.
                detailsTag = fixture.Stored("orderDetails", "long-o1")!.Value.ETag;
                Assert.Empty(fixture.Deserialize<OrderState>(fixture.Stored("order", "long-o1")!.Value.Data).Bids);
            }
            if (i == 10)
            {
                // Ten steps later the routing explanation has not been written again.
                Assert.Equal(detailsTag, fixture.Stored("orderDetails", "long-o1")!.Value.ETag);
            }
        }
        // The hot record peaks when it holds the most entries it may (32: after step 30) and never grows past that.
        Assert.True(sizes.Max() <= sizes[29] + 64, $"the order's record grew with its history: {string.Join(", ", sizes)} bytes");
        var hot = fixture.Deserialize<OrderState>(fixture.Stored("order", "long-o1")!.Value.Data);
        Assert.InRange(hot.History.Count, 1, OrderState.HotHistoryLimit);
        Assert.Empty(hot.Bids);

        await Reactivate(order);
        var history = await order.GetHistory();
        Assert.Equal(Enumerable.Range(1, 52).Select(i => (long)i), history.Select(e => e.Sequence));
        Assert.Equal(["OrderAccepted", "OrderAllocated"], history.Take(2).Select(e => e.Type));
        Assert.All(history.Skip(2), e => Assert.Equal("LinesCancelled", e.Type));
        var view = (await order.Get())!;
        Assert.Equal(placed.Order.Bids!.Select(b => b.NodeId), view.Bids!.Select(b => b.NodeId));
        Assert.Equal(10, view.Shipments.Single().Lines.Single().Quantity);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ["long-o1"]));
    }

    [Fact]
    public async Task An_order_stored_before_its_routing_explanation_moved_out_still_shows_it_and_moves_it_on_its_next_write()
    {
        var net = new TestNetwork(_grains, "legacy");
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 10);
        await net.WaitForAvailability(sku, 10);
        var order = _grains.GetGrain<IOrderGrain>("legacy-o1");
        var placed = (await order.Submit(net.Order("legacy-o1", TestNetwork.NewYork, (sku, 4)))).Order!;

        // Rewrite storage as schema 1 wrote it: the explanation inside the order's record, no details record.
        await Reactivate(order);
        var stored = fixture.Deserialize<OrderState>(fixture.Stored("order", "legacy-o1")!.Value.Data);
        stored.SchemaVersion = 1;
        stored.Bids = placed.Bids!.ToList();
        stored.RoutedBy = placed.RoutedBy;
        fixture.Store!.Clear("orderDetails/order/legacy-o1");
        fixture.Put("order", "legacy-o1", stored);

        var view = (await order.Get())!;
        Assert.Equal(placed.Bids!.Select(b => b.NodeId), view.Bids!.Select(b => b.NodeId));
        Assert.Equal(placed.RoutedBy, view.RoutedBy);
        Assert.Equal(ActionOutcome.Done, (await order.CancelLines([new OrderLine(sku, 1)], "one less", "customer")).Outcome);

        var hot = fixture.Deserialize<OrderState>(fixture.Stored("order", "legacy-o1")!.Value.Data);
        Assert.Equal((OrderState.CurrentSchemaVersion, 0), (hot.SchemaVersion, hot.Bids.Count));
        var details = fixture.Deserialize<OrderDetails>(fixture.Stored("orderDetails", "legacy-o1")!.Value.Data);
        Assert.Equal(placed.Bids!.Select(b => b.NodeId), details.Bids.Select(b => b.NodeId));
        await Reactivate(order);
        Assert.Equal(placed.Bids!.Count, (await order.Get())!.Bids!.Count);
    }

    [Fact]
    [Trait("Category", "SlowBVT")]
    public async Task A_settled_order_leaves_memory_once_idle_and_answers_from_storage_after()
    {
        var net = new TestNetwork(_grains, "idle");
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 10);
        await net.WaitForAvailability(sku, 10);
        var order = _grains.GetGrain<IOrderGrain>("idle-o1");
        var placed = await order.Submit(net.Order("idle-o1", TestNetwork.NewYork, (sku, 2)));
        Assert.Equal(OrderStatus.Allocated, placed.Order!.Status);

        var management = _grains.GetGrain<IManagementGrain>(0);
        async Task<bool> Active() => (await management.GetDetailedGrainStatistics()).Any(s => s.GrainId == order.GetGrainId());
        Assert.True(await Active());
        // Nothing calls the order now: a settled order goes after 10 s idle, long before the default collection age.
        await Eventually.True(async () => !await Active(), "the settled order to deactivate", TimeSpan.FromSeconds(60));

        var view = (await order.Get())!;
        Assert.Equal((OrderStatus.Allocated, placed.Order.Shipments.Single().ShipmentId), (view.Status, view.Shipments.Single().ShipmentId));
        Assert.Equal(placed.Order.Bids!.Count, view.Bids!.Count);
    }

    [Fact]
    public async Task A_customers_order_index_leaves_memory_once_written_and_answers_from_storage_after()
    {
        var net = new TestNetwork(_grains, "cust-idle");
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 10);
        await net.WaitForAvailability(sku, 10);
        var customer = "cust-idle-" + Guid.NewGuid().ToString("N")[..6];
        await _grains.GetGrain<IOrderGrain>("cust-idle-o1").Submit(net.Order("cust-idle-o1", TestNetwork.NewYork, (sku, 1)) with { CustomerId = customer });

        var index = _grains.GetGrain<ICustomerOrdersGrain>(customer);
        var management = _grains.GetGrain<IManagementGrain>(0);
        async Task<bool> Active() => (await management.GetDetailedGrainStatistics()).Any(s => s.GrainId == index.GetGrainId());
        // The event stream activates the index; its flush writes the entry and it leaves memory, well
        // before the two-minute collection age (nothing here reads it, which would activate it again).
        await Eventually.True(async () => await fixture.Store!.Ledger.ReadAsync(Identifiers.CustomerOrdersKey(customer)) is { Rows.Count: 1 }, "the index to be written");
        await Eventually.True(async () => !await Active(), "the written index to deactivate", TimeSpan.FromSeconds(30));

        Assert.Equal(["cust-idle-o1"], await index.GetOrderIds());
    }

    [Fact]
    public async Task A_customers_index_written_as_one_record_by_earlier_code_is_carried_over_into_rows_and_cleared()
    {
        var customer = "cust-legacy-" + Guid.NewGuid().ToString("N")[..6];
        var index = _grains.GetGrain<ICustomerOrdersGrain>(customer);
        var legacy = new OrleansOrders.Grains.Events.CustomerOrdersState();
        legacy.Orders["old-o1"] = GridClusterFixture.Start.AddDays(-2);
        legacy.Orders["old-o2"] = GridClusterFixture.Start.AddDays(-1);
        var key = $"customer/{index.GetGrainId()}";
        fixture.Store!.Write(key, null, ((InProcessSiloHandle)fixture.Cluster.Silos[0]).SiloHost.Services.GetRequiredService<Serializer>().SerializeToArray(legacy));

        Assert.Equal(["old-o2", "old-o1"], await index.GetOrderIds());
        await index.Add("new-o3", GridClusterFixture.Start);
        await Eventually.True(async () => await fixture.Store.Ledger.ReadAsync(Identifiers.CustomerOrdersKey(customer)) is { Rows.Count: 3 }, "the carried-over and the new entries to be written as rows");
        await Eventually.True(() => Task.FromResult(fixture.Store.Read(key) is null), "the old record to be cleared");
        Assert.Equal(["new-o3", "old-o2", "old-o1"], await index.GetOrderIds());
    }
}
