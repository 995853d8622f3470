using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Orders;

/// <summary>An idempotent call the order owes another grain, written down before it is made.</summary>
[GenerateSerializer, Alias("oo.PendingOpKind")]
public enum PendingOpKind
{
    /// <summary>Turn the hold into committed stock; a refusal moves the line to backorder.</summary>
    Commit = 0,
    Release = 1,
    /// <summary>Lower the committed quantity to <see cref="PendingOp.Quantity"/>.</summary>
    Reduce = 2,
    Ship = 3,
    Restock = 4,
    /// <summary>Correct on hand by -<see cref="PendingOp.Quantity"/> (stock the node could not find).</summary>
    WriteDown = 5,
    /// <summary>
    /// Give back the node capacity claimed under <see cref="PendingOp.OperationId"/>: the parcel's reservation
    /// id (ops written by older states carry the order id, under which their claims were made).
    /// </summary>
    ReleaseCapacity = 6,
    /// <summary>Set what expected receipts promise the order at this node and SKU to <see cref="PendingOp.Quantity"/> (0 withdraws).</summary>
    SetInboundPromise = 7,
    /// <summary>Tell the node's wave grain a parcel of the order waits for release there until <see cref="PendingOp.At"/>.</summary>
    EnlistForWave = 8,
}

[GenerateSerializer, Immutable, Alias("oo.PendingOp")]
public sealed record PendingOp(
    [property: Id(0)] PendingOpKind Kind,
    [property: Id(1)] string NodeId,
    [property: Id(2)] string Sku,
    [property: Id(3)] int Quantity,
    [property: Id(4)] string OperationId)
{
    /// <summary>For a capacity release: the day its parcel was claimed for (null in entries stored before releases named it).</summary>
    [Id(5)] public DateOnly? Day { get; init; }

    /// <summary>For a wave enlistment: the parcel's release time.</summary>
    [Id(6)] public DateTimeOffset? At { get; init; }
}

/// <summary>
/// A move to a better plan under way (make-before-break): the router held the new parcels' stock under
/// <see cref="ReservationId"/>; they are committed next, and only once every commit is in do the old
/// parcels give theirs back. A crash leaves this in the record, and whoever comes next finishes it
/// (all committed) or abandons it (a hold expired: what was committed of it goes back, the old plan stays).
/// </summary>
[GenerateSerializer, Immutable, Alias("oo.SwapInProgress")]
public sealed record SwapInProgress(
    [property: Id(0)] string ReservationId,
    [property: Id(1)] IReadOnlyList<ShipmentAllocation> Parcels,
    [property: Id(2)] string Reason);

/// <summary>
/// The order's durable state. Every change that other grains must follow is written here first as
/// pending operations (an outbox), then carried out; all of them are idempotent, so whoever finds
/// them pending (the next call, or the recovery sweep after a crash) simply carries them out again.
/// </summary>
[GenerateSerializer, Alias("oo.OrderState")]
public sealed class OrderState
{
    /// <summary>
    /// 2: the routing explanation and old history moved to <see cref="OrderDetails"/>.
    /// 3: node capacity is claimed per reservation id, no longer per order id (see <see cref="ClaimsUnderOrderId"/>).
    /// 4: the latest routing's explanation is written with the plan in the hot record (<see cref="ExplanationInHot"/>)
    ///    and moves to <see cref="OrderDetails"/> with the order's next write; pending operations carry their step's stamp.
    /// </summary>
    public const int CurrentSchemaVersion = 4;

    [Id(0)] public int SchemaVersion { get; set; } = CurrentSchemaVersion;
    [Id(1)] public OrderRequest? Request { get; set; }
    [Id(2)] public bool Cancelled { get; set; }
    [Id(3)] public List<PendingOp> Pending { get; set; } = [];
    [Id(4)] public List<ShipmentAllocation> Shipments { get; set; } = [];
    [Id(5)] public List<OrderLine> Backordered { get; set; } = [];
    [Id(6)] public int AllocationRounds { get; set; }
    [Id(7)] public DateTimeOffset AcceptedAt { get; set; }
    [Id(8)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(9)] public string? CancelReason { get; set; }
    /// <summary>The latest routing's bids while <see cref="ExplanationInHot"/> (and in states of schema 1); empty otherwise.</summary>
    [Id(10)] public List<NodeBid> Bids { get; set; } = [];
    [Id(11)] public int ShipmentCount { get; set; }
    /// <summary>
    /// The latest transitions (at most <see cref="HotHistoryLimit"/>); older, published ones move to
    /// <see cref="OrderDetails.ArchivedHistory"/>, so a write carries a bounded history.
    /// </summary>
    [Id(12)] public List<OrderEvent> History { get; set; } = [];
    /// <summary>Highest history sequence published to the event stream (written lazily; consumers drop duplicates).</summary>
    [Id(13)] public long PublishedSequence { get; set; }
    [Id(14)] public List<ReturnView> Returns { get; set; } = [];
    /// <summary>SKUs whose availability grain will tell this order when stock arrives.</summary>
    [Id(15)] public List<string> WaitingFor { get; set; } = [];
    /// <summary>Allocations made so far; numbers the reservation ids of the next one.</summary>
    [Id(16)] public int ReservationCount { get; set; }
    /// <summary>Backordered units promised from a node's expected receipts, with their dates.</summary>
    [Id(17)] public List<BackorderDate> BackorderDates { get; set; } = [];
    /// <summary>See <see cref="Bids"/>.</summary>
    [Id(18)] public RoutingPreferences? RoutedBy { get; set; }
    /// <summary>See <see cref="Bids"/>.</summary>
    [Id(19)] public List<NodeExclusion> Excluded { get; set; } = [];
    /// <summary>
    /// Allocations made before node capacity was claimed per reservation id (states of schema 2 and
    /// older, upgraded on read): their parcels at a node share one claim under the order id. Allocations
    /// from this number on claim under their reservation id. 0 for orders accepted since.
    /// </summary>
    [Id(20)] public int ClaimsUnderOrderId { get; set; }
    /// <summary>
    /// The recovery stamp of the step that wrote <see cref="Pending"/> (see <see cref="IOrderRecoveryGrain.Track"/>).
    /// A step whose operations all went as planned settles without rewriting the record, so what storage
    /// holds as pending may be done: it is unfinished only while the order's shard still tracks this stamp.
    /// 0 in records written before: those rewrote the record empty once done, so pending there is unfinished.
    /// </summary>
    [Id(21)] public long PendingStamp { get; set; }
    /// <summary>
    /// The latest routing's explanation (<see cref="Bids"/>, <see cref="RoutedBy"/>, <see cref="Excluded"/>) is in
    /// this record: it went out with the plan's write, so accepting an order writes one record, and the order's
    /// next write moves it to <see cref="OrderDetails"/> (written that once), so later writes do not carry it.
    /// </summary>
    [Id(22)] public bool ExplanationInHot { get; set; }
    /// <summary>See <see cref="Bids"/>: set when the last routing took the fast path.</summary>
    [Id(23)] public FastPathNote? FastPath { get; set; }
    /// <summary>A move to a better plan under way (see <see cref="SwapInProgress"/>); null almost always.</summary>
    [Id(24)] public SwapInProgress? Swap { get; set; }
    /// <summary>Times the re-optimiser moved this order.</summary>
    [Id(25)] public int Reoptimisations { get; set; }

    /// <summary>
    /// Most history entries the hot state carries. An order's life is a handful of transitions (accepted,
    /// allocated, five shipment steps, perhaps a return), so almost every order stays below it and costs
    /// no second record; one that is re-routed or cancelled line by line many times moves its oldest
    /// entries out in batches of <see cref="HotHistoryLimit"/> - <see cref="HotHistoryKept"/>, so its
    /// every write stays bounded and the archive is rewritten once per batch, not per step.
    /// </summary>
    public const int HotHistoryLimit = 32;

    public const int HotHistoryKept = 16;
}

/// <summary>
/// What an order keeps beside its hot state, in a record written only when it changes: the routing
/// decision explained (bids, rules and exclusions of the last routing, written once per routing
/// rather than on every later step) and the history entries moved out of the hot state.
/// </summary>
[GenerateSerializer, Alias("oo.OrderDetails")]
public sealed class OrderDetails
{
    [Id(0)] public int SchemaVersion { get; set; } = 1;
    /// <summary>The bids of the last routing round: the routing decision, explained.</summary>
    [Id(1)] public List<NodeBid> Bids { get; set; } = [];
    /// <summary>The rules of the last routing, and the nodes it left out and why.</summary>
    [Id(2)] public RoutingPreferences? RoutedBy { get; set; }
    [Id(3)] public List<NodeExclusion> Excluded { get; set; } = [];
    /// <summary>History entries older than the hot state's, oldest first (all published).</summary>
    [Id(4)] public List<OrderEvent> ArchivedHistory { get; set; } = [];
    /// <summary>Set when the last routing took the fast path (moved here with the bids).</summary>
    [Id(5)] public FastPathNote? FastPath { get; set; }
}
