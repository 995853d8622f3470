using OrleansOrders.Contracts;
using OrleansOrders.Orders;

namespace OrleansOrders.Grains.Orders;

/// <summary>
/// The order's rules live in <see cref="OrderAggregate"/> (pure code in the domain library): a step
/// builds one from the state, asks it, and takes back what it decided: the changed parcels, the
/// backorder and promises, the calls owed (into the outbox, <see cref="OrderState.Pending"/>) and
/// the facts (into the history). Only the mapping between stored and domain shapes is here.
/// </summary>
public sealed partial class OrderGrain
{
    /// <summary>The order as its rules see it, for one decision.</summary>
    private OrderAggregate Plan() => new(
        OrderId,
        S.Shipments.Select(ToParcel),
        S.Backordered.Select(ToPlanLine),
        S.BackorderDates.Select(d => new InboundPromise(d.Sku, d.Quantity, d.NodeId, d.PromisedBy)),
        S.Cancelled, S.ClaimsUnderOrderId, S.ReservationCount, S.ShipmentCount,
        S.Returns.Select(ToReturn));

    private static OrderReturn ToReturn(ReturnView r) => new(r.ReturnId, r.Lines.Select(ToPlanLine).ToList(),
        r.Status == ReturnStatus.Received ? r.ReceivedAtNode ?? "" : null,
        r.Items.Select(i => new ReturnedUnits(i.Sku, i.Quantity, i.Disposition == ReturnDisposition.Restock, i.Reason)).ToList());

    /// <summary>
    /// Takes what the aggregate decided into the state: parcels it changed, the <paramref name="added"/>
    /// shipments of parcels it made (same ids, in order), the backorder, promises and counters, the
    /// calls it owes as pending operations, and its facts as history entries (by <paramref name="actor"/> unless a fact names its own).
    /// </summary>
    private void Take(OrderAggregate plan, string actor, IReadOnlyList<ShipmentAllocation>? added = null)
    {
        foreach (var at in plan.ChangedParcels)
        {
            var parcel = plan.Parcels[at];
            S.Shipments[at] = S.Shipments[at] with { Status = StatusOf(parcel.Stage), Lines = parcel.Lines.Select(ToOrderLine).ToList(), ReleaseAt = parcel.ReleaseAt };
        }
        foreach (var shipment in added ?? [])
        {
            S.Shipments.Add(shipment);
        }
        if (S.Shipments.Count != plan.Parcels.Count)
        {
            throw new InvalidOperationException($"Order {OrderId}: the plan has {plan.Parcels.Count} parcels, the state {S.Shipments.Count}.");
        }
        S.Backordered = plan.Backordered.Select(ToOrderLine).ToList();
        S.BackorderDates = plan.Promises.Select(p => new BackorderDate(p.Sku, p.Quantity, p.NodeId, p.PromisedBy)).ToList();
        S.Cancelled = plan.Cancelled;
        S.CancelReason = plan.CancelReason ?? S.CancelReason;
        S.ReservationCount = plan.ReservationCount;
        S.ShipmentCount = plan.ParcelCount;
        foreach (var call in plan.Outbox)
        {
            S.Pending.Add(new PendingOp(KindOf(call.Kind), call.NodeId, call.Sku, call.Quantity, call.OperationId) { Day = call.Day });
        }
        // The state now holds what the plan decided, so the plan's status is the order's.
        OrderStatus? status = plan.Facts.Count > 0 && S.Request is not null ? StatusOf(plan.Status()) : null;
        foreach (var fact in plan.Facts)
        {
            Record(EventOf(fact.Kind), fact.Actor ?? actor, fact.Reason, fact.Details, status);
        }
    }

    private static Parcel ToParcel(ShipmentAllocation s) =>
        new(s.ShipmentId, s.NodeId, s.ReservationId, StageOf(s.Status), s.Lines.Select(ToPlanLine).ToList(), s.DispatchOn, s.Pickup, s.ReleaseAt);

    private static PlanLine ToPlanLine(OrderLine line) => new(line.Sku, line.Quantity, line.KitId);

    /// <summary>Units in the domain, priced again by the request: a line is always priced as ordered.</summary>
    private OrderLine ToOrderLine(PlanLine line) => new(line.Sku, line.Quantity, UnitPriceOf(line.Sku), line.KitId);

    private static ParcelStage StageOf(ShipmentStatus status) => status switch
    {
        ShipmentStatus.Released => ParcelStage.Released,
        ShipmentStatus.Acknowledged => ParcelStage.Acknowledged,
        ShipmentStatus.Picked => ParcelStage.Picked,
        ShipmentStatus.Packed => ParcelStage.Packed,
        ShipmentStatus.ReadyForPickup => ParcelStage.ReadyForPickup,
        ShipmentStatus.Shipped => ParcelStage.Shipped,
        ShipmentStatus.Delivered => ParcelStage.Delivered,
        ShipmentStatus.Cancelled => ParcelStage.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown shipment status"),
    };

    private static ShipmentStatus StatusOf(ParcelStage stage) => stage switch
    {
        ParcelStage.Released => ShipmentStatus.Released,
        ParcelStage.Acknowledged => ShipmentStatus.Acknowledged,
        ParcelStage.Picked => ShipmentStatus.Picked,
        ParcelStage.Packed => ShipmentStatus.Packed,
        ParcelStage.ReadyForPickup => ShipmentStatus.ReadyForPickup,
        ParcelStage.Shipped => ShipmentStatus.Shipped,
        ParcelStage.Delivered => ShipmentStatus.Delivered,
        ParcelStage.Cancelled => ShipmentStatus.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "unknown parcel stage"),
    };

    private static PendingOpKind KindOf(OrderCallKind kind) => kind switch
    {
        OrderCallKind.Commit => PendingOpKind.Commit,
        OrderCallKind.Release => PendingOpKind.Release,
        OrderCallKind.Reduce => PendingOpKind.Reduce,
        OrderCallKind.Ship => PendingOpKind.Ship,
        OrderCallKind.Restock => PendingOpKind.Restock,
        OrderCallKind.WriteDown => PendingOpKind.WriteDown,
        OrderCallKind.ReleaseCapacity => PendingOpKind.ReleaseCapacity,
        OrderCallKind.SetInboundPromise => PendingOpKind.SetInboundPromise,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown order call"),
    };

    private static OrderCall ToCall(PendingOp op) => new(op.Kind switch
    {
        PendingOpKind.Commit => OrderCallKind.Commit,
        PendingOpKind.Release => OrderCallKind.Release,
        PendingOpKind.Reduce => OrderCallKind.Reduce,
        PendingOpKind.Ship => OrderCallKind.Ship,
        PendingOpKind.Restock => OrderCallKind.Restock,
        PendingOpKind.WriteDown => OrderCallKind.WriteDown,
        PendingOpKind.ReleaseCapacity => OrderCallKind.ReleaseCapacity,
        PendingOpKind.SetInboundPromise => OrderCallKind.SetInboundPromise,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op.Kind, "unknown pending operation"),
    }, op.NodeId, op.Sku, op.Quantity, op.OperationId, op.Day);

    private static OrderEventKind EventOf(OrderFactKind kind) => kind switch
    {
        OrderFactKind.OrderCancelled => OrderEventKind.OrderCancelled,
        OrderFactKind.LinesCancelled => OrderEventKind.LinesCancelled,
        OrderFactKind.ShipmentRejected => OrderEventKind.ShipmentRejected,
        OrderFactKind.LineBackordered => OrderEventKind.LineBackordered,
        OrderFactKind.PickupNotCollected => OrderEventKind.PickupNotCollected,
        OrderFactKind.ReturnStarted => OrderEventKind.ReturnStarted,
        OrderFactKind.ReturnReceived => OrderEventKind.ReturnReceived,
        OrderFactKind.ShipmentReleased => OrderEventKind.ShipmentReleased,
        OrderFactKind.OrderReoptimised => OrderEventKind.OrderReoptimised,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown order fact"),
    };

    private static ParcelStep StepOf(ShipmentStep step) => step switch
    {
        ShipmentStep.Acknowledge => ParcelStep.Acknowledge,
        ShipmentStep.Pick => ParcelStep.Pick,
        ShipmentStep.Pack => ParcelStep.Pack,
        ShipmentStep.Ship => ParcelStep.Ship,
        ShipmentStep.Deliver => ParcelStep.Deliver,
        ShipmentStep.ReadyForPickup => ParcelStep.ReadyForPickup,
        ShipmentStep.PickedUp => ParcelStep.PickUp,
        _ => (ParcelStep)(-1), // refused as invalid by the aggregate
    };

    private static OrderStatus StatusOf(PlanStatus status) => status switch
    {
        PlanStatus.Accepted => OrderStatus.Accepted,
        PlanStatus.Backordered => OrderStatus.Backordered,
        PlanStatus.PartiallyAllocated => OrderStatus.PartiallyAllocated,
        PlanStatus.Allocated => OrderStatus.Allocated,
        PlanStatus.ReleasedToNode => OrderStatus.ReleasedToNode,
        PlanStatus.Shipped => OrderStatus.Shipped,
        PlanStatus.Delivered => OrderStatus.Delivered,
        PlanStatus.Returned => OrderStatus.Returned,
        PlanStatus.Cancelled => OrderStatus.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown plan status"),
    };

    private static ActionOutcome OutcomeOf(Refusal refusal) => refusal.Kind switch
    {
        RefusalKind.Invalid => ActionOutcome.Invalid,
        RefusalKind.NotFound => ActionOutcome.NotFound,
        _ => ActionOutcome.NotAllowed,
    };

    private OrderActionResult Refuse(Refusal refusal) => Refuse(OutcomeOf(refusal), refusal.Reason);
}
