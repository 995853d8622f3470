using System.ComponentModel.DataAnnotations;
using OrleansOrders.Contracts;

namespace OrleansOrders.Http;

// Bodies of the lifecycle endpoints, every field nullable so a missing one is reported by name
// ([Required] is for the OpenAPI document, as in HttpBodies.cs).

public sealed record ShipBody([property: Required] string? Carrier, [property: Required] string? TrackingNumber);

public sealed record LineBody([property: Required] string? Sku, [property: Required] int? Quantity)
{
    public OrderLine ToLine() => new(Sku ?? "", Quantity ?? 0);
}

public sealed record RejectShipmentBody(List<LineBody?>? Lines, [property: Required] string? Reason, bool? StockMissing);

public sealed record CancelLinesBody([property: Required] List<LineBody?>? Lines, string? Reason);

public sealed record StartReturnBody([property: Required] string? ReturnId, [property: Required] List<LineBody?>? Lines, [property: Required] string? Channel, string? Reason, List<LineBody?>? ExchangeFor);

public sealed record ReturnedItemBody([property: Required] string? Sku, [property: Required] int? Quantity, [property: Required] ReturnDisposition? Disposition, string? Reason);

public sealed record ReceiveReturnBody([property: Required] string? NodeId, [property: Required] List<ReturnedItemBody?>? Items);

/// <summary>What <c>GET /customers/{customerId}/orders</c> answers.</summary>
public sealed record CustomerOrdersView(string CustomerId, IReadOnlyList<OrderView> Orders);
