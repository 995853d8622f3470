using OrleansOrders.Contracts;

namespace OrleansOrders.Http;

// Bodies of the lifecycle endpoints, every field nullable so a missing one is reported by name.

public sealed record ShipBody(string? Carrier, string? TrackingNumber);

public sealed record LineBody(string? Sku, int? Quantity)
{
    public OrderLine ToLine() => new(Sku ?? "", Quantity ?? 0);
}

public sealed record RejectShipmentBody(List<LineBody?>? Lines, string? Reason, bool? StockMissing);

public sealed record CancelLinesBody(List<LineBody?>? Lines, string? Reason);

public sealed record StartReturnBody(string? ReturnId, List<LineBody?>? Lines, string? Channel, string? Reason, List<LineBody?>? ExchangeFor);

public sealed record ReturnedItemBody(string? Sku, int? Quantity, ReturnDisposition? Disposition, string? Reason);

public sealed record ReceiveReturnBody(string? NodeId, List<ReturnedItemBody?>? Items);
