using OrleansOrders.Contracts;
using OrleansOrders.Routing;

namespace OrleansOrders.Grains;

/// <summary>
/// Routing defaults ("Grid:Routing"): what every order gets unless its channel's entry under
/// <see cref="Channels"/> or the order's own <see cref="RoutingPreferences"/> says otherwise.
/// </summary>
public sealed class RoutingSettings
{
    public RoutingGoal Goal { get; set; } = RoutingGoal.LowestCost;

    public bool ShipComplete { get; set; }

    /// <summary>Most parcels an order may arrive in (the order may ask for fewer, never more than <see cref="RoutingPreferences.MaxShipmentsLimit"/>).</summary>
    public int MaxShipments { get; set; } = 4;

    /// <summary>Weights of <see cref="RoutingGoal.Weighted"/> (and the depletion weight of <see cref="RoutingGoal.StockBalance"/>).</summary>
    public decimal CostWeight { get; set; } = 1m;

    public decimal DayWeight { get; set; } = 1m;

    public decimal DepletionWeight { get; set; } = 5m;

    public decimal ShipmentWeight { get; set; }

    /// <summary>How much a node's opportunity cost counts against it (0 ignores it).</summary>
    public decimal OpportunityCostWeight { get; set; } = 1m;

    /// <summary>Days a parcel may wait past its first possible dispatch day for a full node's capacity (0: a full node is left out).</summary>
    public int MaxDispatchDelayDays { get; set; }

    /// <summary>The longest dispatch delay any channel allows: how many days of capacity a node's bid reports.</summary>
    public int LongestDispatchDelayDays => Math.Max(MaxDispatchDelayDays, Channels.Values.Select(c => c.MaxDispatchDelayDays ?? 0).DefaultIfEmpty(0).Max());

    /// <summary>The cutoff of nodes that declare none: orders placed at or after it (UTC) dispatch the next day.</summary>
    public TimeOnly DefaultCutoffUtc { get; set; } = new(16, 0);

    /// <summary>Days between an expected receipt's arrival and its dispatch, for backorder promise dates.</summary>
    public int ReceiptHandlingDays { get; set; } = 1;

    /// <summary>Ranked sourcing: use the best node priority tier alone when it can cover the order.</summary>
    public bool PriorityTiers { get; set; }

    /// <summary>Per sales channel (the order's <c>channel</c>), what differs from the defaults above.</summary>
    public Dictionary<string, ChannelRoutingSettings> Channels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>What is wrong with these settings (empty when they are usable).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxShipments is < 1 or > RoutingPreferences.MaxShipmentsLimit)
        {
            errors.Add($"MaxShipments must be between 1 and {RoutingPreferences.MaxShipmentsLimit}.");
        }
        if (MaxDispatchDelayDays is < 0 or > 14 || ReceiptHandlingDays is < 0 or > 30)
        {
            errors.Add("MaxDispatchDelayDays must be 0-14 and ReceiptHandlingDays 0-30.");
        }
        if (CostWeight < 0 || DayWeight < 0 || DepletionWeight < 0 || ShipmentWeight < 0 || OpportunityCostWeight < 0)
        {
            errors.Add("Weights must not be negative.");
        }
        foreach (var (channel, entry) in Channels)
        {
            if (entry.MaxShipments is < 1 or > RoutingPreferences.MaxShipmentsLimit || entry.MaxDispatchDelayDays is < 0 or > 14 || entry.MaxDistanceKm is <= 0)
            {
                errors.Add($"Channels:{channel}: MaxShipments 1-{RoutingPreferences.MaxShipmentsLimit}, MaxDispatchDelayDays 0-14, MaxDistanceKm above 0.");
            }
        }
        return errors;
    }

    private ChannelRoutingDefaults? _defaults;

    /// <summary>
    /// The solver options for one order: defaults, then its channel's entry, then the order's own
    /// preferences (merged by the domain's <see cref="ChannelRoutingDefaults"/>, the one place that
    /// rule is written). The templates are built on first use: settings are bound before the grid runs.
    /// </summary>
    public SolverOptions For(string? channel, RoutingPreferences? preferences, DateTimeOffset orderedAt)
    {
        var defaults = _defaults ??= new ChannelRoutingDefaults(
            Template(null),
            Channels.ToDictionary(c => c.Key, c => Template(c.Value), StringComparer.Ordinal));
        var options = defaults.For(
            channel,
            preferences?.Goal is { } goal ? ToObjective(goal) : null,
            preferences?.ShipComplete,
            preferences?.MaxShipments is { } max ? Math.Clamp(max, 1, RoutingPreferences.MaxShipmentsLimit) : null);
        return options with { OrderedAt = orderedAt };
    }

    /// <summary>A channel's options: its entry's fields where it sets them, the defaults elsewhere (null entry: the defaults).</summary>
    private SolverOptions Template(ChannelRoutingSettings? entry) => new()
    {
        Objective = ToObjective(entry?.Goal ?? Goal),
        ShipComplete = entry?.ShipComplete ?? ShipComplete,
        MaxShipments = Math.Clamp(entry?.MaxShipments ?? MaxShipments, 1, RoutingPreferences.MaxShipmentsLimit),
        Weights = new ObjectiveWeights(CostWeight, DayWeight, DepletionWeight, ShipmentWeight),
        OpportunityCostWeight = OpportunityCostWeight,
        MaxDispatchDelayDays = Math.Max(0, entry?.MaxDispatchDelayDays ?? MaxDispatchDelayDays),
        MaxDistanceKm = entry?.MaxDistanceKm,
        AllowedFulfilment = entry?.AllowedNodeKinds is { Count: > 0 } kinds
            ? kinds.Select(k => FulfilmentRule.ShippingTypeOf(ShipperTypeOf(k))).ToHashSet()
            : null,
        PriorityTiers = PriorityTiers,
        ReceiptHandlingDays = Math.Max(0, ReceiptHandlingDays),
    };

    public static RoutingObjective ToObjective(RoutingGoal goal) => goal switch
    {
        RoutingGoal.LowestCost => RoutingObjective.LowestCost,
        RoutingGoal.Fastest => RoutingObjective.Fastest,
        RoutingGoal.StockBalance => RoutingObjective.StockBalance,
        RoutingGoal.Weighted => RoutingObjective.Weighted,
        _ => throw new ArgumentOutOfRangeException(nameof(goal), goal, "unknown routing goal"),
    };

    public static RoutingGoal ToGoal(RoutingObjective objective) => objective switch
    {
        RoutingObjective.LowestCost => RoutingGoal.LowestCost,
        RoutingObjective.Fastest => RoutingGoal.Fastest,
        RoutingObjective.StockBalance => RoutingGoal.StockBalance,
        RoutingObjective.Weighted => RoutingGoal.Weighted,
        _ => throw new ArgumentOutOfRangeException(nameof(objective), objective, "unknown objective"),
    };

    public static ShipperType ShipperTypeOf(NodeKind kind) => kind switch
    {
        NodeKind.DistributionCentre => ShipperType.DistributionCentre,
        NodeKind.Store => ShipperType.Store,
        NodeKind.DropShipSupplier => ShipperType.DropShipSupplier,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown node kind"),
    };
}

/// <summary>One sales channel's routing: null fields take the defaults.</summary>
public sealed class ChannelRoutingSettings
{
    public RoutingGoal? Goal { get; set; }

    public bool? ShipComplete { get; set; }

    public int? MaxShipments { get; set; }

    /// <summary>Only nodes within this distance of the customer ship orders of this channel.</summary>
    public double? MaxDistanceKm { get; set; }

    /// <summary>Kinds of node that may ship this channel's orders (e.g. no drop-ship for marketplace orders); empty: any.</summary>
    public List<NodeKind>? AllowedNodeKinds { get; set; }

    /// <summary>Days this channel's parcels may wait for a full node (e.g. an economy channel); null: the default.</summary>
    public int? MaxDispatchDelayDays { get; set; }
}

/// <summary>The opportunity-cost refresh ("Grid:OpportunityCost").</summary>
public sealed class OpportunityCostSettings
{
    /// <summary>When false, bids carry no opportunity cost and nothing is computed.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the network's values are recomputed.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often each node copies its values into its bids; null: every <see cref="RefreshInterval"/>.</summary>
    public TimeSpan? NodeFetchInterval { get; set; }

    /// <summary>Orders accepted within this window (before each refresh) are the demand sample.</summary>
    public TimeSpan DemandWindow { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How far ahead stock must last (until it is typically replenished): expected demand is the sample's rate times this.</summary>
    public TimeSpan DemandHorizon { get; set; } = TimeSpan.FromDays(1);

    /// <summary>What a unit of expected demand that no node can serve costs (lost margin); above the dearest per-unit shipping, or far stock is never worth using.</summary>
    public decimal UnmetDemandPenalty { get; set; } = 25m;

    /// <summary>Most orders kept as the demand sample (the oldest go first): bounds the grain's memory and a refresh's work.</summary>
    public int MaxDemandSamples { get; set; } = 50_000;

    /// <summary>How often each order-event projection passes the demand it saw on to the opportunity-cost grain.</summary>
    public TimeSpan DemandFlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most SKUs solved per refresh: those with the most expected demand.</summary>
    public int MaxSkusPerRefresh { get; set; } = 500;

    /// <summary>Node locations closer than this form one demand region (a metro area), keeping the per-SKU problem small.</summary>
    public double RegionRadiusKm { get; set; } = 50;
}
