using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansOrders.Contracts;

namespace OrleansOrders.Http;

// Request bodies as JSON arrives: every field nullable, so a missing field is reported by the
// validator with its name instead of silently becoming a default. [Required] marks, for the OpenAPI
// document only, the fields the validator insists on (no validation filter reads it).

public sealed record LocationBody([property: Required] double? Latitude, [property: Required] double? Longitude)
{
    public Location ToLocation() => new(Latitude ?? double.NaN, Longitude ?? double.NaN);
}

/// <param name="KitId">Lines sharing a kit id ship together from one node, whole.</param>
public sealed record OrderLineBody([property: Required] string? Sku, [property: Required] int? Quantity, decimal? UnitPrice = null, string? KitId = null);

/// <summary>An order's own routing choices; every field optional (the channel's default applies).</summary>
/// <param name="Goal">
/// LowestCost, Fastest, StockBalance or Weighted, as a string (case-insensitive). Bound as raw JSON so
/// an unknown name or a number is answered with the validator's message, not a converter's.
/// </param>
public sealed record RoutingBody(JsonElement? Goal, bool? ShipComplete, int? MaxShipments)
{
    /// <summary>Null when nothing is chosen, so <c>"routing":{}</c> is the same order as no routing at all.</summary>
    public RoutingPreferences? ToPreferences()
    {
        var goal = ParseGoal(Goal);
        return goal is null && ShipComplete is null && MaxShipments is null ? null : new RoutingPreferences(goal, ShipComplete, MaxShipments);
    }

    /// <summary>A goal by name; anything else becomes an undefined value, which <see cref="OrderRequestValidator"/> names.</summary>
    internal static RoutingGoal? ParseGoal(JsonElement? goal)
    {
        if (goal is not { } element || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        var name = element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        return Enum.GetValues<RoutingGoal>().Cast<RoutingGoal?>()
            .FirstOrDefault(g => string.Equals(g.ToString(), name, StringComparison.OrdinalIgnoreCase)) ?? (RoutingGoal)(-1);
    }
}

/// <param name="PickupNodeId">Buy online, pick up in store: the customer's store.</param>
/// <param name="AllowSplitShip">For a pickup order: what the store lacks may ship to shipTo instead.</param>
/// <param name="Routing">The order's routing goal, ship-complete and parcel limit.</param>
public sealed record SubmitOrderBody(
    [property: Required] string? OrderId, [property: Required] string? CustomerId, [property: Required] string? Channel, [property: Required] LocationBody? ShipTo, [property: Required] List<OrderLineBody?>? Lines,
    string? PickupNodeId = null, bool? AllowSplitShip = null, RoutingBody? Routing = null)
{
    public OrderRequest ToRequest() => new(
        OrderId ?? "",
        CustomerId ?? "",
        Channel ?? "",
        ShipTo?.ToLocation() ?? new Location(double.NaN, double.NaN),
        (Lines ?? []).Select(l => l is null ? null! : new OrderLine(l.Sku ?? "", l.Quantity ?? 0, l.UnitPrice ?? 0m, l.KitId)).ToList(),
        PickupNodeId,
        AllowSplitShip ?? false,
        Routing?.ToPreferences());
}

public sealed record CancelOrderBody(string? Reason);

public sealed record StockLevelBody([property: Required] int? OnHand, int? SafetyStock);

/// <param name="CutoffUtc">"HH:mm", UTC: orders placed at or after it dispatch the next day.</param>
/// <param name="ClearCutoff">True removes the cutoff (do not send cutoffUtc with it).</param>
/// <param name="ClearServiceRadius">True lets the node ship anywhere again (do not send serviceRadiusKm with it).</param>
public sealed record NodeUpdateBody(
    NodeStatus? Status, int? DailyCapacity,
    string? CutoffUtc = null, int? Priority = null, double? ServiceRadiusKm = null,
    bool? ClearCutoff = null, bool? ClearServiceRadius = null)
{
    [JsonIgnore]
    public bool ChangesNothing =>
        Status is null && DailyCapacity is null && CutoffUtc is null && Priority is null && ServiceRadiusKm is null &&
        ClearCutoff != true && ClearServiceRadius != true;

    /// <summary>
    /// The cutoff as a time of day, "HH:mm" (00:00 to 23:59; "HH:mm:ss", as a node reads back, also
    /// works); null when absent or malformed.
    /// </summary>
    [JsonIgnore]
    public TimeOnly? ParsedCutoff =>
        TimeOnly.TryParseExact(CutoffUtc, ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? time : null;

    public NodeUpdate ToUpdate() => new(
        Status, DailyCapacity, ParsedCutoff, Priority, ServiceRadiusKm, ClearCutoff ?? false, ClearServiceRadius ?? false);
}

/// <summary>Units of a SKU at a node only the listed channels may take.</summary>
public sealed record ReserveBody([property: Required] int? Quantity, List<string?>? Channels)
{
    public ChannelReserve ToReserve() => new(Quantity ?? 0, Channels?.Select(c => c ?? "").ToList()!);
}

/// <summary>An expected delivery: how many, and the day it is due ("yyyy-MM-dd").</summary>
public sealed record ExpectedReceiptBody([property: Required] int? Quantity, [property: Required] string? ExpectedOn)
{
    /// <summary>The date, exactly "yyyy-MM-dd"; null when absent or malformed.</summary>
    [JsonIgnore]
    public DateOnly? ParsedExpectedOn =>
        DateOnly.TryParseExact(ExpectedOn, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;
}

/// <summary>Units that arrived under an expected receipt (or an unannounced delivery under that id).</summary>
public sealed record ReceiveBody([property: Required] int? Quantity);
