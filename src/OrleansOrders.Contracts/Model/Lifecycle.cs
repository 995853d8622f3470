namespace OrleansOrders.Contracts;

/// <summary>What a node (or an operator on its behalf) does with a shipment.</summary>
[GenerateSerializer, Alias("oo.ShipmentStep")]
public enum ShipmentStep
{
    Acknowledge = 0,
    Pick = 1,
    Pack = 2,
    Ship = 3,
    Deliver = 4,
    /// <summary>Pickup parcels: packed and waiting at the store.</summary>
    ReadyForPickup = 5,
    /// <summary>Pickup parcels: the customer collected it (it leaves stock, like shipping).</summary>
    PickedUp = 6,
}

[GenerateSerializer, Alias("oo.ActionOutcome")]
public enum ActionOutcome
{
    /// <summary>The action was applied.</summary>
    Done = 0,
    /// <summary>The action had already been applied (a replay); nothing changed.</summary>
    NoChange = 1,
    NotFound = 2,
    /// <summary>The order or shipment is in a state that does not allow the action. Nothing changed.</summary>
    NotAllowed = 3,
    /// <summary>The request is malformed. Nothing changed.</summary>
    Invalid = 4,
}

/// <summary>The answer to any lifecycle action on an order.</summary>
[GenerateSerializer, Immutable, Alias("oo.OrderActionResult")]
public sealed record OrderActionResult(
    [property: Id(0)] ActionOutcome Outcome,
    [property: Id(1)] OrderView? Order,
    [property: Id(2)] string? Reason)
{
    public bool Succeeded => Outcome is ActionOutcome.Done or ActionOutcome.NoChange;
}

/// <summary>
/// The kinds of transition an order's history records. The grid decides and matches on these; an
/// event carries the name as its <see cref="OrderEvent.Type"/> (the name is the wire and stored
/// form, so history written before stays readable and API clients see the same strings).
/// </summary>
public enum OrderEventKind
{
    /// <summary>A type this build does not know (an event of a newer build, read by an older one).</summary>
    Unknown = 0,
    OrderAccepted,
    OrderAllocated,
    /// <summary>An allocation after the first (a re-route after a rejection, stock arriving, an address change).</summary>
    OrderRerouted,
    OrderCancelled,
    LinesCancelled,
    LineBackordered,
    AddressChanged,
    ShipmentAcknowledged,
    ShipmentPicked,
    ShipmentPacked,
    ShipmentShipped,
    ShipmentDelivered,
    ShipmentReadyForPickup,
    ShipmentPickedUp,
    ShipmentRejected,
    PickupNotCollected,
    ReturnStarted,
    ReturnReceived,
    /// <summary>A parcel that waited for its node's release wave was released: the node may start on it.</summary>
    ShipmentReleased,
    /// <summary>Before release, the re-optimiser moved the order to a better plan (new parcels replace the old).</summary>
    OrderReoptimised,
}

/// <summary>The event kind a shipment's move to a status records.</summary>
public static class OrderEventKinds
{
    public static OrderEventKind ShipmentReached(ShipmentStatus status) => status switch
    {
        ShipmentStatus.Acknowledged => OrderEventKind.ShipmentAcknowledged,
        ShipmentStatus.Picked => OrderEventKind.ShipmentPicked,
        ShipmentStatus.Packed => OrderEventKind.ShipmentPacked,
        ShipmentStatus.Shipped => OrderEventKind.ShipmentShipped,
        ShipmentStatus.Delivered => OrderEventKind.ShipmentDelivered,
        ShipmentStatus.ReadyForPickup => OrderEventKind.ShipmentReadyForPickup,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "no shipment step reaches this status"),
    };
}

/// <summary>An entry of an order's history: one transition, who made it, why, and what changed.</summary>
[GenerateSerializer, Immutable, Alias("oo.OrderEvent")]
public sealed record OrderEvent(
    [property: Id(0)] string EventId,
    [property: Id(1)] string OrderId,
    [property: Id(2)] long Sequence,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] string Type,
    [property: Id(5)] string Actor,
    [property: Id(6)] string? Reason,
    [property: Id(7)] string Details,
    [property: Id(8)] string CustomerId,
    [property: Id(9)] OrderStatus StatusAfter,
    [property: Id(10)] DemandSample? Demand = null)
{
    /// <summary>The kind of transition, from <see cref="Type"/>: what code matches on, never the text.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public OrderEventKind Kind => Enum.TryParse<OrderEventKind>(Type, ignoreCase: false, out var kind) && kind != OrderEventKind.Unknown ? kind : OrderEventKind.Unknown;
}

/// <summary>Units of one SKU coming back, and what to do with them once inspected.</summary>
[GenerateSerializer, Alias("oo.ReturnDisposition")]
public enum ReturnDisposition
{
    /// <summary>Sellable again: back into the receiving node's stock.</summary>
    Restock = 0,
    /// <summary>Not sellable (damaged, opened); recorded with a reason, not restocked.</summary>
    WriteOff = 1,
}

[GenerateSerializer, Immutable, Alias("oo.ReturnRequest")]
public sealed record ReturnRequest(
    [property: Id(0)] string ReturnId,
    [property: Id(1)] IReadOnlyList<OrderLine> Lines,
    [property: Id(2)] string Channel,
    [property: Id(3)] string Reason,
    [property: Id(4)] IReadOnlyList<OrderLine>? ExchangeFor = null);

[GenerateSerializer, Immutable, Alias("oo.ReturnedItem")]
public sealed record ReturnedItem(
    [property: Id(0)] string Sku,
    [property: Id(1)] int Quantity,
    [property: Id(2)] ReturnDisposition Disposition,
    [property: Id(3)] string? Reason = null);

[GenerateSerializer, Alias("oo.ReturnStatus")]
public enum ReturnStatus
{
    Open = 0,
    Received = 1,
}

[GenerateSerializer, Immutable, Alias("oo.ReturnView")]
public sealed record ReturnView(
    [property: Id(0)] string ReturnId,
    [property: Id(1)] ReturnStatus Status,
    [property: Id(2)] IReadOnlyList<OrderLine> Lines,
    [property: Id(3)] string Channel,
    [property: Id(4)] string Reason,
    [property: Id(5)] string? ReceivedAtNode,
    [property: Id(6)] IReadOnlyList<ReturnedItem> Items,
    [property: Id(7)] decimal Refund,
    [property: Id(8)] string? ExchangeOrderId,
    [property: Id(9)] DateTimeOffset OpenedAt);

public static class ShipmentStatusExtensions
{
    /// <summary>How far a parcel got, for ordering steps; a cancelled parcel is -1.</summary>
    public static int Stage(this ShipmentStatus status) => status switch
    {
        ShipmentStatus.Released => 0,
        ShipmentStatus.Acknowledged => 1,
        ShipmentStatus.Picked => 2,
        ShipmentStatus.Packed => 3,
        ShipmentStatus.ReadyForPickup => 4,
        ShipmentStatus.Shipped => 5,
        ShipmentStatus.Delivered => 6,
        _ => -1,
    };

    /// <summary>The parcel's units have left the node's stock (shipped, delivered or collected).</summary>
    public static bool HasLeft(this ShipmentStatus status) => status is ShipmentStatus.Shipped or ShipmentStatus.Delivered;

    /// <summary>Still at the node: its units are committed there and can be cancelled or rejected.</summary>
    public static bool IsOpen(this ShipmentStatus status) => status is not (ShipmentStatus.Cancelled or ShipmentStatus.Shipped or ShipmentStatus.Delivered);
}
