using OrleansOrders.Contracts;

namespace OrleansOrders.Http;

// Request bodies as JSON arrives: every field nullable, so a missing field is reported by the
// validator with its name instead of silently becoming a default.

public sealed record LocationBody(double? Latitude, double? Longitude)
{
    public Location ToLocation() => new(Latitude ?? double.NaN, Longitude ?? double.NaN);
}

public sealed record OrderLineBody(string? Sku, int? Quantity, decimal? UnitPrice = null);

/// <param name="PickupNodeId">Buy online, pick up in store: the customer's store.</param>
/// <param name="AllowSplitShip">For a pickup order: what the store lacks may ship to shipTo instead.</param>
public sealed record SubmitOrderBody(
    string? OrderId, string? CustomerId, string? Channel, LocationBody? ShipTo, List<OrderLineBody?>? Lines,
    string? PickupNodeId = null, bool? AllowSplitShip = null)
{
    public OrderRequest ToRequest() => new(
        OrderId ?? "",
        CustomerId ?? "",
        Channel ?? "",
        ShipTo?.ToLocation() ?? new Location(double.NaN, double.NaN),
        (Lines ?? []).Select(l => l is null ? null! : new OrderLine(l.Sku ?? "", l.Quantity ?? 0, l.UnitPrice ?? 0m)).ToList(),
        PickupNodeId,
        AllowSplitShip ?? false);
}

public sealed record CancelOrderBody(string? Reason);

public sealed record StockLevelBody(int? OnHand, int? SafetyStock);

public sealed record NodeUpdateBody(NodeStatus? Status, int? DailyCapacity);
