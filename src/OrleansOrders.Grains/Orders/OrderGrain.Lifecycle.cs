using Microsoft.Extensions.Logging;
using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Orders;

public sealed partial class OrderGrain
{
    async Task<OrderActionResult> IOrderGrain.AdvanceShipment(string shipmentId, ShipmentStep step, string actor, string? carrier, string? trackingNumber)
    {
        if (await Find(shipmentId) is { } refusal)
        {
            return refusal;
        }
        var shipment = S.Shipments.First(s => s.ShipmentId == shipmentId);
        if (!Enum.IsDefined(step))
        {
            return Refuse(ActionOutcome.Invalid, "step must be Acknowledge, Pick, Pack, Ship or Deliver.");
        }
        var target = step switch
        {
            ShipmentStep.Acknowledge => ShipmentStatus.Acknowledged,
            ShipmentStep.Pick => ShipmentStatus.Picked,
            ShipmentStep.Pack => ShipmentStatus.Packed,
            ShipmentStep.Ship => ShipmentStatus.Shipped,
            ShipmentStep.ReadyForPickup => ShipmentStatus.ReadyForPickup,
            _ => ShipmentStatus.Delivered,
        };
        var pickupStep = step is ShipmentStep.ReadyForPickup or ShipmentStep.PickedUp;
        if (shipment.Pickup != pickupStep && step is not (ShipmentStep.Acknowledge or ShipmentStep.Pick or ShipmentStep.Pack))
        {
            return Refuse(ActionOutcome.NotAllowed, shipment.Pickup
                ? $"Shipment {shipmentId} is collected in store: use ready-for-pickup and picked-up, not ship or deliver."
                : $"Shipment {shipmentId} ships to the customer: ready-for-pickup and picked-up do not apply.");
        }
        if (shipment.Status == ShipmentStatus.Cancelled)
        {
            return Refuse(ActionOutcome.NotAllowed, $"Shipment {shipmentId} is cancelled.");
        }
        if (shipment.Status == target)
        {
            return new OrderActionResult(ActionOutcome.NoChange, View(), $"Shipment {shipmentId} is already {target}.");
        }
        if (shipment.Status.Stage() > target.Stage())
        {
            return Refuse(ActionOutcome.NotAllowed, $"Shipment {shipmentId} is already {shipment.Status}; it cannot go back to {target}.");
        }
        if (step == ShipmentStep.Deliver && shipment.Status != ShipmentStatus.Shipped)
        {
            return Refuse(ActionOutcome.NotAllowed, $"Shipment {shipmentId} has not shipped yet.");
        }
        if (step == ShipmentStep.PickedUp && shipment.Status != ShipmentStatus.ReadyForPickup)
        {
            return Refuse(ActionOutcome.NotAllowed, $"Shipment {shipmentId} is not ready for pickup yet.");
        }

        var now = clock.UtcNow;
        var updated = shipment with { Status = target };
        if (target == ShipmentStatus.Shipped)
        {
            if (!IsShortText(carrier) || !IsShortText(trackingNumber))
            {
                return Refuse(ActionOutcome.Invalid, "Shipping needs a carrier and a tracking number (1-100 characters each).");
            }
            updated = updated with { Carrier = carrier!.Trim(), TrackingNumber = trackingNumber!.Trim(), ShippedAt = now };
            // On hand and committed go down at the stock grain: written down first, carried out after.
            foreach (var line in shipment.Lines)
            {
                S.Pending.Add(new PendingOp(PendingOpKind.Ship, shipment.NodeId, line.Sku, line.Quantity, shipment.ReservationId));
            }
            await TrackStep();
        }
        else if (step == ShipmentStep.PickedUp)
        {
            // Collected: the units leave the store's stock, as if shipped and delivered at once.
            updated = updated with { ShippedAt = now, DeliveredAt = now };
            foreach (var line in shipment.Lines)
            {
                S.Pending.Add(new PendingOp(PendingOpKind.Ship, shipment.NodeId, line.Sku, line.Quantity, shipment.ReservationId));
            }
            await TrackStep();
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
        Record(step == ShipmentStep.PickedUp ? OrderEventKind.ShipmentPickedUp : OrderEventKinds.ShipmentReached(target), actor, null,
            target == ShipmentStatus.Shipped ? $"{shipmentId} from {shipment.NodeId} by {updated.Carrier} ({updated.TrackingNumber})" : $"{shipmentId} at {shipment.NodeId}");
        await WriteOrReload();
        await FinishPending();
        return new OrderActionResult(ActionOutcome.Done, View(), null);
    }

    async Task<OrderActionResult> IOrderGrain.RejectShipment(string shipmentId, IReadOnlyList<OrderLine>? lines, string reason, bool stockMissing, string actor)
    {
        if (await Find(shipmentId) is { } refusal)
        {
            return refusal;
        }
        var shipment = S.Shipments.First(s => s.ShipmentId == shipmentId);
        if (!shipment.Status.IsOpen())
        {
            return Refuse(ActionOutcome.NotAllowed, $"Shipment {shipmentId} is {shipment.Status}; only unshipped shipments can be rejected.");
        }
        var rejected = Merge(lines ?? shipment.Lines);
        foreach (var line in rejected)
        {
            var planned = shipment.Lines.FirstOrDefault(l => l.Sku == line.Sku)?.Quantity ?? 0;
            if (line.Quantity > planned)
            {
                return Refuse(ActionOutcome.Invalid, $"Shipment {shipmentId} has {planned} of {line.Sku}; {line.Quantity} cannot be rejected.");
            }
        }
        if (rejected.Count == 0)
        {
            return Refuse(ActionOutcome.Invalid, "Name at least one line with a positive quantity to reject.");
        }

        var reasonText = Clip(reason, "rejected by node");
        var left = new List<OrderLine>();
        foreach (var line in shipment.Lines)
        {
            var remaining = line.Quantity - (rejected.FirstOrDefault(r => r.Sku == line.Sku)?.Quantity ?? 0);
            if (remaining > 0)
            {
                left.Add(line with { Quantity = remaining });
            }
            if (remaining != line.Quantity)
            {
                S.Pending.Add(remaining == 0
                    ? new PendingOp(PendingOpKind.Release, shipment.NodeId, line.Sku, line.Quantity, shipment.ReservationId)
                    : new PendingOp(PendingOpKind.Reduce, shipment.NodeId, line.Sku, remaining, shipment.ReservationId));
            }
        }
        if (stockMissing)
        {
            // The node could not find these units: its on hand (and so its availability) is corrected.
            foreach (var line in rejected)
            {
                S.Pending.Add(new PendingOp(PendingOpKind.WriteDown, shipment.NodeId, line.Sku, line.Quantity, $"{OrderId}:{shipmentId}:reject:{line.Sku}"));
            }
        }
        if (left.Count == 0)
        {
            Replace(shipment, shipment with { Lines = shipment.Lines, Status = ShipmentStatus.Cancelled });
            ReleaseCapacityOf(shipment);
        }
        else
        {
            Replace(shipment, shipment with { Lines = left });
        }
        S.Backordered = Merge(S.Backordered.Concat(rejected));
        Record(OrderEventKind.ShipmentRejected, actor, reasonText,
            $"{string.Join(", ", rejected.Select(l => $"{l.Quantity} x {l.Sku}"))} at {shipment.NodeId}{(stockMissing ? " (stock written down)" : "")}");
        await TrackStep();
        await WriteOrReload();
        await FinishPending();

        // Re-route what the node refused, anywhere but there.
        await AllocateBackorder(excluded: [shipment.NodeId], actor: "router:reroute");
        return new OrderActionResult(ActionOutcome.Done, View(), null);
    }

    async Task<OrderActionResult> IOrderGrain.CancelLines(IReadOnlyList<OrderLine> lines, string reason, string actor)
    {
        if (S.Request is null)
        {
            return Refuse(ActionOutcome.NotFound, $"Order '{OrderId}' does not exist.");
        }
        await FinishPending();
        if (S.Cancelled)
        {
            return Refuse(ActionOutcome.NotAllowed, $"Order '{OrderId}' is cancelled.");
        }
        var wanted = Merge(lines ?? []);
        if (wanted.Count == 0 || (lines ?? []).Any(l => l is null || l.Quantity < 1))
        {
            return Refuse(ActionOutcome.Invalid, "Name at least one line (sku, quantity >= 1) to cancel.");
        }
        var open = S.Shipments.Where(s => s.Status.IsOpen()).ToList();
        foreach (var line in wanted)
        {
            var cancellable = S.Backordered.Where(l => l.Sku == line.Sku).Sum(l => l.Quantity) +
                              open.SelectMany(s => s.Lines).Where(l => l.Sku == line.Sku).Sum(l => l.Quantity);
            if (line.Quantity > cancellable)
            {
                return Refuse(ActionOutcome.NotAllowed, $"Only {cancellable} of {line.Sku} can still be cancelled (the rest has shipped or was never ordered).");
            }
        }

        foreach (var line in wanted)
        {
            var remaining = line.Quantity;
            var backordered = S.Backordered.FirstOrDefault(l => l.Sku == line.Sku);
            if (backordered is not null)
            {
                var take = Math.Min(remaining, backordered.Quantity);
                S.Backordered = Merge(S.Backordered.Select(l => l.Sku == line.Sku ? l with { Quantity = l.Quantity - take } : l));
                remaining -= take;
            }
            foreach (var shipment in open.AsEnumerable().Reverse())
            {
                if (remaining == 0)
                {
                    break;
                }
                var current = S.Shipments.First(s => s.ShipmentId == shipment.ShipmentId);
                var planned = current.Lines.FirstOrDefault(l => l.Sku == line.Sku);
                if (planned is null)
                {
                    continue;
                }
                var take = Math.Min(remaining, planned.Quantity);
                remaining -= take;
                var keep = planned.Quantity - take;
                S.Pending.Add(keep == 0
                    ? new PendingOp(PendingOpKind.Release, current.NodeId, line.Sku, planned.Quantity, current.ReservationId)
                    : new PendingOp(PendingOpKind.Reduce, current.NodeId, line.Sku, keep, current.ReservationId));
                var newLines = current.Lines.Select(l => l.Sku == line.Sku ? l with { Quantity = keep } : l).Where(l => l.Quantity > 0).ToList();
                if (newLines.Count == 0)
                {
                    Replace(current, current with { Status = ShipmentStatus.Cancelled });
                    ReleaseCapacityOf(current);
                }
                else
                {
                    Replace(current, current with { Lines = newLines });
                }
            }
        }
        var reasonText = Clip(reason, "cancelled by customer");
        if (S.Backordered.Count == 0 && S.Shipments.All(s => s.Status == ShipmentStatus.Cancelled))
        {
            S.Cancelled = true;
            S.CancelReason = reasonText;
        }
        Record(OrderEventKind.LinesCancelled, actor, reasonText, string.Join(", ", wanted.Select(l => $"{l.Quantity} x {l.Sku}")));
        await TrackStep();
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
        if (S.Cancelled || S.Request.PickupNodeId is not null)
        {
            return Refuse(ActionOutcome.NotAllowed, S.Cancelled ? $"Order '{OrderId}' is cancelled." : "A pickup order is collected in store; it has no delivery address to change.");
        }
        if (S.Shipments.Any(s => s.Status != ShipmentStatus.Cancelled && s.Status != ShipmentStatus.Released))
        {
            return Refuse(ActionOutcome.NotAllowed, "A node has already started on this order; the address can no longer change.");
        }
        if (S.Request.ShipTo == shipTo)
        {
            return new OrderActionResult(ActionOutcome.NoChange, View(), "The order already goes there.");
        }

        // Step 1, written before anything moves: the old parcels are cancelled (releases pending),
        // their lines wait as backorder under the new address.
        var lines = S.Shipments.Where(s => s.Status == ShipmentStatus.Released).SelectMany(s => s.Lines).ToList();
        foreach (var shipment in S.Shipments.Where(s => s.Status == ShipmentStatus.Released).ToList())
        {
            CancelShipment(shipment);
        }
        S.Backordered = Merge(S.Backordered.Concat(lines));
        S.Request = S.Request with { ShipTo = shipTo };
        Record(OrderEventKind.AddressChanged, actor, null, $"now ({shipTo.Latitude:0.####}, {shipTo.Longitude:0.####}); re-routing {lines.Sum(l => l.Quantity)} units");
        await TrackStep();
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
        var tracked = TrackStep();
        // A pickup order that may not ship waits for its own store; anything else may go anywhere.
        var pickupOnly = S.Request!.PickupNodeId is { } store && !S.Request.AllowSplitShip ? store : null;
        var routing = await Route(S.Request, S.Backordered.ToList(), clock.UtcNow, excluded, pickupOnly);
        await tracked;
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
        var availability = GrainFactory.GetGrain<ISkuAvailabilityGrain>(sku);
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
    /// Keeps the order in its recovery shard while its stock waits are not what it backorders, so the
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
            S.PendingStamp = await Recovery.Track(OrderId);
            _tracked = true;
        }
        catch (Exception ex)
        {
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
