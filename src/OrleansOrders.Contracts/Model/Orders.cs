namespace OrleansOrders.Contracts;

/// <param name="UnitPrice">What the customer pays per unit; refunds of returns follow it.</param>
/// <param name="KitId">Lines sharing a kit id ship together from one node, whole, or wait together. Null: a loose line.</param>
[GenerateSerializer, Immutable, Alias("oo.OrderLine")]
public sealed record OrderLine(
    [property: Id(0)] string Sku,
    [property: Id(1)] int Quantity,
    [property: Id(2)] decimal UnitPrice = 0m,
    [property: Id(3)] string? KitId = null);

/// <summary>What "the best routing" means for one order (see the routing library's objectives).</summary>
[GenerateSerializer, Alias("oo.RoutingGoal")]
public enum RoutingGoal
{
    /// <summary>Fewest parcels, then the lowest shipping plus opportunity cost.</summary>
    LowestCost = 0,
    /// <summary>The earliest promised delivery.</summary>
    Fastest = 1,
    /// <summary>Fewest parcels, then prefer nodes with more cover of the SKU.</summary>
    StockBalance = 2,
    /// <summary>A weighted mix of cost, days, depletion and parcels.</summary>
    Weighted = 3,
}

/// <summary>
/// An order's own routing choices; each null field takes its sales channel's default
/// (configured under <c>Grid:Routing</c>).
/// </summary>
/// <param name="Goal">What to optimise.</param>
/// <param name="ShipComplete">True: the whole order in one parcel or it waits; false: it may split.</param>
/// <param name="MaxShipments">Most parcels the order may arrive in.</param>
[GenerateSerializer, Immutable, Alias("oo.RoutingPreferences")]
public sealed record RoutingPreferences(
    [property: Id(0)] RoutingGoal? Goal = null,
    [property: Id(1)] bool? ShipComplete = null,
    [property: Id(2)] int? MaxShipments = null)
{
    public const int MaxShipmentsLimit = 10;
}

/// <summary>An order as a storefront submits it. The order id is the idempotency key.</summary>
/// <param name="PickupNodeId">Buy online, pick up in store: the customer's store. Only that store fulfils it, never another.</param>
/// <param name="AllowSplitShip">For a pickup order: what the store lacks may ship to <paramref name="ShipTo"/> instead of waiting.</param>
[GenerateSerializer, Immutable, Alias("oo.OrderRequest")]
public sealed record OrderRequest(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string CustomerId,
    [property: Id(2)] string Channel,
    [property: Id(3)] Location ShipTo,
    [property: Id(4)] IReadOnlyList<OrderLine> Lines,
    [property: Id(5)] string? PickupNodeId = null,
    [property: Id(6)] bool AllowSplitShip = false,
    [property: Id(7)] RoutingPreferences? Routing = null)
{
    public const int MaxLines = 100;
    public const int MaxQuantityPerLine = 10_000;
    public const decimal MaxUnitPrice = 1_000_000m;

    /// <summary>
    /// True when <paramref name="other"/> asks for exactly the same thing: a resubmission rather
    /// than a different order reusing the id. Records compare lists by reference, so lines are
    /// compared element by element here.
    /// </summary>
    public bool IsSamePayloadAs(OrderRequest other) =>
        OrderId == other.OrderId &&
        CustomerId == other.CustomerId &&
        Channel == other.Channel &&
        ShipTo == other.ShipTo &&
        PickupNodeId == other.PickupNodeId &&
        AllowSplitShip == other.AllowSplitShip &&
        Routing == other.Routing &&
        Lines.SequenceEqual(other.Lines);
}

/// <summary>Shape checks that need no grain: everything a request must satisfy before it touches state.</summary>
public static class OrderRequestValidator
{
    public static IReadOnlyList<string> Validate(OrderRequest? request)
    {
        var errors = new List<string>();
        if (request is null)
        {
            errors.Add("The order is missing.");
            return errors;
        }
        if (!Identifiers.IsValid(request.OrderId))
        {
            errors.Add("orderId must be 1-64 letters, digits or . _ : - and start with a letter or digit.");
        }
        if (!Identifiers.IsValid(request.CustomerId))
        {
            errors.Add("customerId must be 1-64 letters, digits or . _ : - and start with a letter or digit.");
        }
        if (!Identifiers.IsValid(request.Channel))
        {
            errors.Add("channel must be 1-64 letters, digits or . _ : - (for example 'web').");
        }
        if (request.PickupNodeId is not null && !Identifiers.IsValid(request.PickupNodeId))
        {
            errors.Add("pickupNodeId must be a valid node id (the customer's store).");
        }
        if (request.Routing is { } routing)
        {
            if (routing.Goal is { } goal && !Enum.IsDefined(goal))
            {
                errors.Add("routing.goal must be one of LowestCost, Fastest, StockBalance, Weighted.");
            }
            if (routing.MaxShipments is < 1 or > RoutingPreferences.MaxShipmentsLimit)
            {
                errors.Add($"routing.maxShipments must be between 1 and {RoutingPreferences.MaxShipmentsLimit}.");
            }
        }
        if (!request.ShipTo.IsValid)
        {
            errors.Add("shipTo must have latitude in [-90, 90] and longitude in [-180, 180].");
        }
        if (request.Lines is null || request.Lines.Count == 0)
        {
            errors.Add("An order needs at least one line.");
            return errors;
        }
        if (request.Lines.Count > OrderRequest.MaxLines)
        {
            errors.Add($"An order has at most {OrderRequest.MaxLines} lines.");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < request.Lines.Count; i++)
        {
            var line = request.Lines[i];
            if (line is null)
            {
                errors.Add($"lines[{i}] is missing.");
                continue;
            }
            if (!Identifiers.IsValid(line.Sku))
            {
                errors.Add($"lines[{i}].sku must be 1-64 letters, digits or . _ : -.");
            }
            else if (!seen.Add(line.Sku))
            {
                errors.Add($"lines[{i}].sku '{line.Sku}' appears on more than one line; put the whole quantity on one line.");
            }
            if (line.Quantity is < 1 or > OrderRequest.MaxQuantityPerLine)
            {
                errors.Add($"lines[{i}].quantity must be between 1 and {OrderRequest.MaxQuantityPerLine}.");
            }
            if (line.KitId is not null && !Identifiers.IsValid(line.KitId))
            {
                errors.Add($"lines[{i}].kitId must be 1-64 letters, digits or . _ : - (or absent for a loose line).");
            }
            if (line.UnitPrice is < 0 or > OrderRequest.MaxUnitPrice)
            {
                errors.Add($"lines[{i}].unitPrice must be between 0 and {OrderRequest.MaxUnitPrice}.");
            }
        }
        return errors;
    }
}

/// <summary>The whole life of an order. Later stages are filled in by release, shipping and returns.</summary>
[GenerateSerializer, Alias("oo.OrderStatus")]
public enum OrderStatus
{
    /// <summary>Not known to the grid (never submitted, or submitted and refused as invalid).</summary>
    None = 0,
    Accepted = 1,
    Allocated = 2,
    PartiallyAllocated = 3,
    Backordered = 4,
    ReleasedToNode = 5,
    Shipped = 6,
    Delivered = 7,
    Cancelled = 8,
    Returned = 9,
}

/// <summary>One parcel of an allocated order: the node that ships it, what it ships, and how far it got.</summary>
[GenerateSerializer, Immutable, Alias("oo.ShipmentAllocation")]
public sealed record ShipmentAllocation(
    [property: Id(0)] string NodeId,
    [property: Id(1)] IReadOnlyList<OrderLine> Lines,
    [property: Id(2)] decimal Cost,
    [property: Id(3)] DateOnly PromisedBy,
    [property: Id(4)] string ShipmentId = "",
    [property: Id(5)] ShipmentStatus Status = ShipmentStatus.Released,
    [property: Id(6)] string? Carrier = null,
    [property: Id(7)] string? TrackingNumber = null,
    [property: Id(8)] DateTimeOffset? ShippedAt = null,
    [property: Id(9)] DateTimeOffset? DeliveredAt = null,
    [property: Id(10)] bool Pickup = false,
    [property: Id(11)] DateTimeOffset? CollectBy = null,
    [property: Id(12)] string ReservationId = "",
    [property: Id(13)] DateOnly? DispatchOn = null,
    [property: Id(14)] DateTimeOffset? ReleaseAt = null)
{
    /// <summary>Allocated, its stock committed, but not released to its node until <see cref="ReleaseAt"/> (its node's release wave).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool WaitsForRelease => Status == ShipmentStatus.Released && ReleaseAt is not null;

    /// <summary>
    /// The order an id reserves stock for: an order's first allocation reserves under the order id,
    /// later ones (re-routes, backorders filled) under <c>{orderId}~{n}</c>; '~' is never part of an id.
    /// </summary>
    public static string OrderOfReservation(string reservationId) =>
        reservationId.IndexOf('~') is var cut and >= 0 ? reservationId[..cut] : reservationId;
}

/// <summary>
/// A shipment's life at its node. Released means the node may start; a node acknowledges, picks,
/// packs and ships it (or rejects lines of it before shipping); delivery closes it.
/// </summary>
[GenerateSerializer, Alias("oo.ShipmentStatus")]
public enum ShipmentStatus
{
    Released = 0,
    Acknowledged = 1,
    Picked = 2,
    Packed = 3,
    Shipped = 4,
    Delivered = 5,
    Cancelled = 6,
    /// <summary>A pickup parcel waiting at the store for the customer.</summary>
    ReadyForPickup = 7,
}

[GenerateSerializer, Immutable, Alias("oo.OrderView")]
public sealed record OrderView(
    [property: Id(0)] string OrderId,
    [property: Id(1)] OrderStatus Status,
    [property: Id(2)] OrderRequest Request,
    [property: Id(3)] IReadOnlyList<ShipmentAllocation> Shipments,
    [property: Id(4)] IReadOnlyList<OrderLine> Backordered,
    [property: Id(5)] decimal TotalCost,
    [property: Id(6)] int AllocationRounds,
    [property: Id(7)] DateTimeOffset AcceptedAt,
    [property: Id(8)] DateTimeOffset UpdatedAt,
    [property: Id(9)] string? CancelReason,
    [property: Id(10)] IReadOnlyList<NodeBid>? Bids = null,
    [property: Id(11)] IReadOnlyList<ReturnView>? Returns = null,
    [property: Id(12)] IReadOnlyList<BackorderDate>? BackorderDates = null,
    [property: Id(13)] RoutingPreferences? RoutedBy = null,
    [property: Id(14)] IReadOnlyList<NodeExclusion>? Excluded = null,
    [property: Id(15)] FastPathNote? FastPath = null);

[GenerateSerializer, Alias("oo.SubmitOutcome")]
public enum SubmitOutcome
{
    /// <summary>New order, accepted and routed.</summary>
    Accepted = 0,
    /// <summary>The same payload was submitted before under this id; this is its result.</summary>
    Replayed = 1,
    /// <summary>A different payload was submitted before under this id. Nothing changed.</summary>
    Conflict = 2,
    /// <summary>The request is malformed or names SKUs the grid does not know. Nothing changed.</summary>
    Invalid = 3,
}

[GenerateSerializer, Immutable, Alias("oo.SubmitOrderResult")]
public sealed record SubmitOrderResult(
    [property: Id(0)] SubmitOutcome Outcome,
    [property: Id(1)] OrderView? Order,
    [property: Id(2)] IReadOnlyList<string> Errors)
{
    public static SubmitOrderResult Invalid(IReadOnlyList<string> errors) => new(SubmitOutcome.Invalid, null, errors);
}

[GenerateSerializer, Alias("oo.CancelOutcome")]
public enum CancelOutcome
{
    Cancelled = 0,
    AlreadyCancelled = 1,
    NotFound = 2,
    /// <summary>The order has moved past the point where it can be cancelled (shipped, delivered).</summary>
    NotCancellable = 3,
}

[GenerateSerializer, Immutable, Alias("oo.CancelOrderResult")]
public sealed record CancelOrderResult(
    [property: Id(0)] CancelOutcome Outcome,
    [property: Id(1)] OrderView? Order,
    [property: Id(2)] string? Reason);
