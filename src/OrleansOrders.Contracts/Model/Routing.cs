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
    [property: Id(7)] string? ReservationId = null);

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
    [property: Id(4)] IReadOnlyList<NodeBid> Bids);
