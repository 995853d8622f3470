namespace OrleansOrders.Contracts;

/// <summary>What the order asks the router: allocate these lines and hold them for this long.</summary>
[GenerateSerializer, Immutable, Alias("oo.AllocationRequest")]
public sealed record AllocationRequest(
    [property: Id(0)] string OrderId,
    [property: Id(1)] Location ShipTo,
    [property: Id(2)] IReadOnlyList<OrderLine> Lines,
    [property: Id(3)] DateTimeOffset OrderedAt,
    [property: Id(4)] TimeSpan HoldFor,
    [property: Id(5)] IReadOnlyList<string>? ExcludedNodes = null,
    [property: Id(6)] string? OnlyNode = null,
    [property: Id(7)] string? ReservationId = null,
    [property: Id(8)] string? Channel = null,
    [property: Id(9)] RoutingPreferences? Routing = null,
    [property: Id(10)] bool QuoteOnly = false);

/// <summary>
/// The router's outcome: parcels whose stock is held under the order id (the reservation id at
/// every stock grain) and whose node capacity is claimed, what could not be covered, how many
/// bid rounds it took, and the last round's bids (the routing decision, explained).
/// </summary>
[GenerateSerializer, Immutable, Alias("oo.RoutingResult")]
public sealed record RoutingResult(
    [property: Id(0)] IReadOnlyList<ShipmentAllocation> Shipments,
    [property: Id(1)] IReadOnlyList<OrderLine> Backordered,
    [property: Id(2)] int Rounds,
    [property: Id(3)] IReadOnlyList<string> UnknownSkus,
    [property: Id(4)] IReadOnlyList<NodeBid> Bids)
{
    /// <summary>Backordered units with the date inbound supply lets the grid promise them (none when nothing is due).</summary>
    [Id(5)] public IReadOnlyList<BackorderDate> BackorderDates { get; init; } = [];

    /// <summary>Nodes the solver left out of the last round and why (radius, capacity, fulfilment type...).</summary>
    [Id(6)] public IReadOnlyList<NodeExclusion> Excluded { get; init; } = [];

    /// <summary>The rules the order was routed by: its own choices over its channel's defaults over the grid's.</summary>
    [Id(7)] public RoutingPreferences? Applied { get; init; }

    /// <summary>Set when the fast path settled the order on the first candidate's bid alone (why the others were not asked).</summary>
    [Id(8)] public FastPathNote? FastPath { get; init; }
}

/// <summary>
/// Why the router asked one candidate only: its one-parcel plan cost less than
/// <paramref name="LeastOtherCost"/>, the shipping model's cheapest quote for the order from the
/// location of any of the <paramref name="OtherCandidates"/> other candidates, so none of them
/// could have made a cheaper plan.
/// </summary>
[GenerateSerializer, Immutable, Alias("oo.FastPathNote")]
public sealed record FastPathNote(
    [property: Id(0)] decimal LeastOtherCost,
    [property: Id(1)] int OtherCandidates);

/// <summary>Backordered units a node's expected receipt covers: they are promised for <paramref name="PromisedBy"/>.</summary>
[GenerateSerializer, Immutable, Alias("oo.BackorderDate")]
public sealed record BackorderDate(
    [property: Id(0)] string Sku,
    [property: Id(1)] int Quantity,
    [property: Id(2)] string NodeId,
    [property: Id(3)] DateOnly PromisedBy);

/// <summary>A node the router did not use for an order, and why.</summary>
[GenerateSerializer, Immutable, Alias("oo.NodeExclusion")]
public sealed record NodeExclusion(
    [property: Id(0)] string NodeId,
    [property: Id(1)] string Reason);
