using Microsoft.Extensions.Logging;
using OrleansOrders.Contracts;
using OrleansOrders.Grains.Orders.Records;
using OrleansOrders.Orders;

namespace OrleansOrders.Grains.Orders;

public sealed partial class OrderGrain
{
    async Task<OrderActionResult> IOrderGrain.AdvanceShipment(string shipmentId, ShipmentStep step, string actor, string? carrier, string? trackingNumber)
    {
        if (await Find(shipmentId) is { } notFound)
        {
            return notFound;
        }
        var plan = Plan();
        var (refusal, stage) = plan.CheckStep(shipmentId, StepOf(step));
        if (refusal is not null)
        {
            return Refuse(refusal);
        }
        var shipment = S.Shipments.First(s => s.ShipmentId == shipmentId);
        var target = StatusOf(stage);
        if (shipment.Status == target)
        {
            return new OrderActionResult(ActionOutcome.NoChange, View(), $"Shipment {shipmentId} is already {target}.");
        }

        // What the step records beside the stage: carrier and times; the rules decide the stage and the ship calls.
        var now = clock.UtcNow;
        var updated = shipment;
        if (target == ShipmentStatus.Shipped)
        {
            if (!IsShortText(carrier) || !IsShortText(trackingNumber))
            {
                return Refuse(ActionOutcome.Invalid, "Shipping needs a carrier and a tracking number (1-100 characters each).");
            }
            updated = updated with { Carrier = carrier!.Trim(), TrackingNumber = trackingNumber!.Trim(), ShippedAt = now };
        }
        else if (step == ShipmentStep.PickedUp)
        {
            // Collected: the units leave the store's stock, as if shipped and delivered at once.
            updated = updated with { ShippedAt = now, DeliveredAt = now };
        }
        else if (target == ShipmentStatus.ReadyForPickup)
        {
            updated = updated with { CollectBy = now + _options.PickupWindow };
            // Wakes the order when the window closes, even if nobody calls it.
            await this.RegisterOrUpdateReminder(PickupReminder, _options.PickupWindow, TimeSpan.FromHours(1));
        }
        else if (target == ShipmentStatus.Delivered)
        {
            updated = updated with { DeliveredAt = now };
        }
        Replace(shipment, updated);
        plan.Advance(shipmentId, StepOf(step));
        Take(plan, actor);
        if (plan.Outbox.Count > 0)
        {
            TrackStep(); // the units leave the node: ship calls are owed
        }
        Record(step == ShipmentStep.PickedUp ? OrderEventKind.ShipmentPickedUp : OrderEventKinds.ShipmentReached(target), actor, null,
            target == ShipmentStatus.Shipped ? $"{shipmentId} from {shipment.NodeId} by {updated.Carrier} ({updated.TrackingNumber})" : $"{shipmentId} at {shipment.NodeId}");
        await WriteOrReload();
        await FinishPending();
        if (target == ShipmentStatus.Shipped)
        {
            Nodes.ParcelOutcomes.Shipped(GrainFactory, shipment, now); // one-way, for the node's reliability record
        }
        return new OrderActionResult(ActionOutcome.Done, View(), null);
    }

    async Task<OrderActionResult> IOrderGrain.RejectShipment(string shipmentId, IReadOnlyList<OrderLine>? lines, string reason, bool stockMissing, string actor)
    {
        if (await Find(shipmentId) is { } notFound)
        {
            return notFound;
        }
        if (lines is not null && lines.Any(l => l is null))
        {
            return Refuse(ActionOutcome.Invalid, "Name at least one line with a positive quantity to reject.");
        }
        var shipment = S.Shipments.First(s => s.ShipmentId == shipmentId);
        var nodeId = shipment.NodeId;
        var plan = Plan();
        if (plan.Reject(shipmentId, lines?.Select(ToPlanLine).ToList(), stockMissing, Clip(reason, "rejected by node")) is { } refusal)
        {
            return Refuse(refusal);
        }
        Take(plan, actor);
        TrackStep();
        await WriteOrReload();
        await FinishPending();
        Nodes.ParcelOutcomes.Rejected(GrainFactory, shipment, lines ?? shipment.Lines, stockMissing); // one-way, for the node's reliability record

        // Re-route what the node refused, anywhere but there.
        await AllocateBackorder(excluded: [nodeId], actor: "router:reroute");
        return new OrderActionResult(ActionOutcome.Done, View(), null);
    }

    async Task<OrderActionResult> IOrderGrain.CancelLines(IReadOnlyList<OrderLine> lines, string reason, string actor)
    {
        if (S.Request is null)
        {
            return Refuse(ActionOutcome.NotFound, $"Order '{OrderId}' does not exist.");
        }
        await FinishPending();
        if (!S.Cancelled && (lines is null || lines.Any(l => l is null)))
        {
            return Refuse(ActionOutcome.Invalid, "Name at least one line (sku, quantity >= 1) to cancel.");
        }
        var plan = Plan();
        if (plan.CancelLines((lines ?? []).Select(ToPlanLine).ToList(), Clip(reason, "cancelled by customer")) is { } refusal)
        {
            return Refuse(refusal);
        }
        Take(plan, actor);
        TrackStep();
        await WriteOrReload();
        await FinishPending();
        return new OrderActionResult(ActionOutcome.Done, View(), null);
    }

    async Task<OrderActionResult> IOrderGrain.ChangeAddress(OrleansOrders.Contracts.Location shipTo, string actor)
    {
        if (S.Request is null)
        {
            return Refuse(ActionOutcome.NotFound, $"Order '{OrderId}' does not exist.");
        }
        await FinishPending();
        if (!shipTo.IsValid)
        {
            return Refuse(ActionOutcome.Invalid, "shipTo must have latitude in [-90, 90] and longitude in [-180, 180].");
        }
        if (!S.Cancelled && S.Request.PickupNodeId is not null)
        {
            return Refuse(ActionOutcome.NotAllowed, "A pickup order is collected in store; it has no delivery address to change.");
        }
        var plan = Plan();
        if (plan.CheckReroute() is { } refusal)
        {
            return Refuse(refusal);
        }
        if (S.Request.ShipTo == shipTo)
        {
            return new OrderActionResult(ActionOutcome.NoChange, View(), "The order already goes there.");
        }

        // Step 1, written before anything moves: the old parcels are cancelled (releases pending),
        // their lines wait as backorder under the new address.
        var units = plan.ReleaseForReroute();
        Take(plan, actor);
        S.Request = S.Request with { ShipTo = shipTo };
        Record(OrderEventKind.AddressChanged, actor, null, $"now ({shipTo.Latitude:0.####}, {shipTo.Longitude:0.####}); re-routing {units} units");
        TrackStep();
        await WriteOrReload();
        await FinishPending();

        // Step 2: route everything again for the new address.
        await AllocateBackorder(excluded: null, actor: "router:address-change");
        return new OrderActionResult(ActionOutcome.Done, View(), null);
    }

    async Task IOrderGrain.RetryBackorder()
    {
        if (S.Request is null)
        {
            return;
        }
        await FinishPending();
        await AllocateBackorder(excluded: null, actor: "router:stock-arrived");
    }

    /// <summary>Routes what is backordered (after a rejection, or when stock may have arrived) into new parcels.</summary>
    private async Task AllocateBackorder(IReadOnlyList<string>? excluded, string actor)
    {
        if (S.Backordered.Count == 0 || S.Cancelled)
        {
            // Nothing to wait for (any more): make sure no SKU keeps waking this order (every SKU of the
            // request, so a wait registered but never recorded goes too). A SKU whose withdrawal failed
            // stays recorded as waited for, so the next call or the recovery sweep withdraws it again.
            var skus = S.Request!.Lines.Select(l => l.Sku).Concat(S.WaitingFor).Distinct(StringComparer.Ordinal).ToList();
            var stopped = await Task.WhenAll(skus.Select(sku => TryStockWaitCall(sku, stop: true)));
            S.WaitingFor = skus.Zip(stopped).Where(s => !s.Second && S.WaitingFor.Contains(s.First)).Select(s => s.First).ToList();
            if (!StockWaitsInSync())
            {
                await KeepTrackedUntilWaitsInSync();
            }
            return;
        }
        TrackStep();
        // A pickup order that may not ship waits for its own store; anything else may go anywhere.
        var pickupOnly = S.Request!.PickupNodeId is { } store && !S.Request.AllowSplitShip ? store : null;
        var routing = await Route(S.Request, S.Backordered.ToList(), clock.UtcNow, excluded, pickupOnly);
        if (routing.Shipments.Count == 0)
        {
            // Still nothing anywhere: it keeps waiting, under the dates expected receipts give it now
            // (a receipt that arrived and went to other orders takes its promise with it).
            if (ReplaceBackorderDates(routing))
            {
                await WriteOrReload();
            }
            await FinishPending();
            return;
        }
        S.Backordered = [];
        ApplyRouting(routing, pickup: pickupOnly is not null);
        S.History[^1] = S.History[^1] with { Type = nameof(OrderEventKind.OrderRerouted), Actor = actor };
        await WriteOrReload();
        await FinishPending();
    }

    /// <summary>
    /// Registers the order as waiting for each SKU it still backorders (none once cancelled), and not
    /// for the others; answers whether what it recorded changed. Each registration or withdrawal is
    /// recorded only once it answered, so a recorded wait is always a registered one (registering
    /// twice is harmless), and a withdrawal that failed stays recorded, to be withdrawn again.
    /// </summary>
    /// <remarks>
    /// The availability grain writes the wait before it answers, so a registration can fail (storage
    /// down, a timeout: the outcome is unknown). That is not the customer's error and must not fail
    /// the step (the order's plan is already durable): each call is retried a few times here, and what
    /// still failed is simply not recorded. Storage then holds a backordered SKU missing from
    /// <see cref="OrderState.WaitingFor"/>, which every later call repairs, and the order stays in its
    /// recovery shard until it is repaired, so the sweep registers it even if no call ever comes.
    /// </remarks>
    private async Task<bool> UpdateStockWaits()
    {
        var wanted = WantedStockWaits();
        var before = S.WaitingFor.ToHashSet(StringComparer.Ordinal);
        if (wanted.SetEquals(before))
        {
            return false;
        }
        var joining = wanted.Except(before).ToList();
        var leaving = before.Except(wanted).ToList();
        var joined = await Task.WhenAll(joining.Select(sku => TryStockWaitCall(sku, stop: false)));
        var left = await Task.WhenAll(leaving.Select(sku => TryStockWaitCall(sku, stop: true)));
        var gone = leaving.Zip(left).Where(l => l.Second).Select(l => l.First).ToHashSet(StringComparer.Ordinal);
        var added = joining.Zip(joined).Where(j => j.Second).Select(j => j.First).ToList();
        S.WaitingFor = S.WaitingFor.Where(sku => !gone.Contains(sku)).Concat(added).ToList();
        if (!StockWaitsInSync())
        {
            await KeepTrackedUntilWaitsInSync();
        }
        return gone.Count > 0 || added.Count > 0;
    }

    /// <summary>The SKUs the order should be waiting for: those it backorders, none once cancelled.</summary>
    private HashSet<string> WantedStockWaits() =>
        S.Cancelled || S.Request is null ? new(StringComparer.Ordinal) : S.Backordered.Select(l => l.Sku).ToHashSet(StringComparer.Ordinal);

    /// <summary>Whether what the order records as waited for is what it should wait for.</summary>
    private bool StockWaitsInSync() => WantedStockWaits().SetEquals(S.WaitingFor);

    /// <summary>Joins or leaves a SKU's waiting list, retried a few times; false when it still failed (the outcome is unknown).</summary>
    private async Task<bool> TryStockWaitCall(string sku, bool stop)
    {
        var availability = GrainFactory.Reference<ISkuAvailabilityGrain>(sku);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await (stop ? availability.StopWaiting(OrderId) : availability.WaitForStock(OrderId));
                return true;
            }
            catch (Exception ex)
            {
                if (attempt >= _options.MaxCallAttempts)
                {
                    logger.LogWarning(ex, "Order {Order}: {Call} at {Sku} failed {Attempts} times; the next call or the recovery sweep tries again",
                        OrderId, stop ? "StopWaiting" : "WaitForStock", sku, attempt);
                    return false;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt));
            }
        }
    }

    /// <summary>
    /// Keeps a recovery entry for the order while its stock waits are not what it backorders, so the
    /// sweep comes back (<see cref="IOrderGrain.Resume"/> answers unfinished until they are). A failure
    /// here changes nothing for the caller: storage still shows the gap, and the next call repairs it.
    /// </summary>
    private async Task KeepTrackedUntilWaitsInSync()
    {
        if (_tracked)
        {
            return;
        }
        try
        {
            TrackStep();
            await _record.TrackAsync(new TrackEntry(S.PendingStamp, _trackedAt));
        }
        catch (Exception ex)
        {
            _tracked = false;
            logger.LogWarning(ex, "Order {Order}: could not track its unregistered stock waits for the recovery sweep", OrderId);
        }
    }

    /// <summary>Finishes pending work, then finds the shipment; a refusal when the order or shipment is unknown.</summary>
    private async Task<OrderActionResult?> Find(string shipmentId)
    {
        if (S.Request is null)
        {
            return Refuse(ActionOutcome.NotFound, $"Order '{OrderId}' does not exist.");
        }
        await FinishPending();
        return S.Shipments.Any(s => s.ShipmentId == shipmentId)
            ? null
            : Refuse(ActionOutcome.NotFound, $"Order '{OrderId}' has no shipment '{shipmentId}'.");
    }

    private OrderActionResult Refuse(ActionOutcome outcome, string reason) =>
        new(outcome, S.Request is null ? null : View(), reason);

    private static bool IsShortText(string? text) => !string.IsNullOrWhiteSpace(text) && text.Trim().Length <= 100;
}
