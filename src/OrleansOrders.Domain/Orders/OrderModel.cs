namespace OrleansOrders.Orders;

/// <summary>
/// How far a parcel got at its node. The numbers are the order of the steps (a parcel never goes
/// back); <see cref="Cancelled"/> is out of that order.
/// </summary>
public enum ParcelStage
{
    Released = 0,
    Acknowledged = 1,
    Picked = 2,
    Packed = 3,
    ReadyForPickup = 4,
    Shipped = 5,
    Delivered = 6,
    Cancelled = -1,
}

/// <summary>Units of one SKU in a parcel, a backorder or a request (the kit it belongs to, if any).</summary>
public sealed record PlanLine(string Sku, int Quantity, string? KitId = null);

/// <summary>One parcel of an order: what it carries from which node, under which reservation, and how far it got.</summary>
/// <param name="ReleaseAt">Set while the parcel is soft: allocated (its stock committed) but not yet released to its node, which it is at this time (see <see cref="ReleasePolicy"/>).</param>
public sealed record Parcel(string Id, string NodeId, string ReservationId, ParcelStage Stage, IReadOnlyList<PlanLine> Lines, DateOnly? DispatchOn, bool Pickup = false,
    DateTimeOffset? ReleaseAt = null)
{
    /// <summary>Allocated but not released to its node yet: no node has seen it, so the re-optimiser may still move it.</summary>
    public bool IsSoft => Stage == ParcelStage.Released && ReleaseAt is not null;

    /// <summary>Still at the node: its units are committed there and can be cancelled or rejected.</summary>
    public bool IsOpen => Stage is not (ParcelStage.Cancelled or ParcelStage.Shipped or ParcelStage.Delivered);

    /// <summary>Left the node (shipped, delivered): its units are the customer's.</summary>
    public bool HasLeft => Stage is ParcelStage.Shipped or ParcelStage.Delivered;

    public int Units => Lines.Sum(l => l.Quantity);
}

/// <summary>A backordered quantity promised from a node's expected receipts by a date.</summary>
public sealed record InboundPromise(string Sku, int Quantity, string NodeId, DateOnly PromisedBy);

/// <summary>
/// A call the order owes another grain, decided with the step and written with it (the outbox);
/// every one is idempotent under its <see cref="OperationId"/>, so carrying it out again is harmless
/// while the stock grain remembers the id.
/// </summary>
public enum OrderCallKind
{
    /// <summary>Turn the hold into committed stock; a refusal moves the line to backorder.</summary>
    Commit = 0,
    /// <summary>Give back a commitment (or the hold it came from).</summary>
    Release = 1,
    /// <summary>Lower the committed quantity to <see cref="OrderCall.Quantity"/>.</summary>
    Reduce = 2,
    Ship = 3,
    Restock = 4,
    /// <summary>Correct on hand by -<see cref="OrderCall.Quantity"/> (stock the node could not find).</summary>
    WriteDown = 5,
    /// <summary>Give back the node capacity claimed under <see cref="OrderCall.OperationId"/> for <see cref="OrderCall.Day"/>.</summary>
    ReleaseCapacity = 6,
    /// <summary>Set what expected receipts promise the order at this node and SKU to <see cref="OrderCall.Quantity"/> (0 withdraws).</summary>
    SetInboundPromise = 7,
}

public sealed record OrderCall(OrderCallKind Kind, string NodeId, string Sku, int Quantity, string OperationId, DateOnly? Day = null);

/// <summary>What a step decided happened, for the order's history (the grain adds when, and who unless <see cref="OrderFact.Actor"/> says).</summary>
public enum OrderFactKind
{
    OrderCancelled,
    LinesCancelled,
    ShipmentRejected,
    LineBackordered,
    PickupNotCollected,
    ReturnStarted,
    ReturnReceived,
    ShipmentReleased,
    OrderReoptimised,
}

public sealed record OrderFact(OrderFactKind Kind, string? Reason, string Details, string? Actor = null);

/// <summary>Why a step was refused: <see cref="NotAllowed"/> for a state that forbids it, <see cref="Invalid"/> for a request that makes no sense.</summary>
public enum RefusalKind
{
    NotAllowed,
    Invalid,
    NotFound,
}

public sealed record Refusal(RefusalKind Kind, string Reason);

/// <summary>The order's status, derived from its parcels: the least advanced live parcel decides.</summary>
public enum PlanStatus
{
    Accepted,
    Backordered,
    PartiallyAllocated,
    Allocated,
    ReleasedToNode,
    Shipped,
    Delivered,
    Returned,
    Cancelled,
}

/// <summary>A step a node (or the customer, collecting in store) takes a parcel through.</summary>
public enum ParcelStep
{
    Acknowledge = 0,
    Pick = 1,
    Pack = 2,
    Ship = 3,
    Deliver = 4,
    ReadyForPickup = 5,
    PickUp = 6,
}
