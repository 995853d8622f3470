namespace OrleansOrders.Routing;

/// <summary>
/// How one order is to be routed. Every property defaults to the v1 behaviour
/// (<see cref="RoutingObjective.FewestParcels"/>): the cheapest single node, else the cheapest split
/// over the fewest nodes, else greedy partial plus backorder.
/// </summary>
public sealed record SolverOptions
{
    /// <summary>Most parcels one order may be split into (a store pickup counts as one).</summary>
    public int MaxShipments { get; init; } = 4;

    /// <summary>
    /// Offers considered in the exhaustive search for the fewest-node cover, best coverage first;
    /// bounds the work at C(n, MaxShipments) combinations. <see cref="RoutingObjective.LowestCost"/>
    /// searches every offer instead, bounded by <see cref="ExactCover.MaxNodeSets"/>.
    /// </summary>
    public int MaxSearchCandidates { get; init; } = 10;

    /// <summary>What a better plan means (<see cref="RoutingObjective"/>).</summary>
    public RoutingObjective Objective { get; init; } = RoutingObjective.FewestParcels;

    /// <summary>Weights of <see cref="RoutingObjective.Weighted"/>; <see cref="ObjectiveWeights.Depletion"/> also drives <see cref="RoutingObjective.StockBalance"/>.</summary>
    public ObjectiveWeights Weights { get; init; } = ObjectiveWeights.Default;

    /// <summary>Multiplies each offer's <see cref="NodeOffer.OpportunityCost"/> in the objective (0 ignores it).</summary>
    public decimal OpportunityCostWeight { get; init; } = 1m;

    /// <summary>
    /// Ship complete: the whole order in one parcel from one node, or nothing now (every line is
    /// backordered). False: split up to <see cref="MaxShipments"/> parcels (<see cref="ShipCompleteRule"/>).
    /// </summary>
    public bool ShipComplete { get; init; }

    /// <summary>The order's sales channel: decides which protected reserves it may take (<see cref="ReserveRule"/>).</summary>
    public string? Channel { get; init; }

    /// <summary>When the order was placed; with a node's cutoff and capacity it decides the dispatch day (<see cref="DispatchRule"/>).</summary>
    public DateTimeOffset? OrderedAt { get; init; }

    /// <summary>How many days past its first possible dispatch day a node may push a parcel when its capacity is used up (0: a full node is left out).</summary>
    public int MaxDispatchDelayDays { get; init; }

    /// <summary>Only nodes within this distance of the customer ship (needs <see cref="NodeOffer.DistanceKm"/>); null: any distance.</summary>
    public double? MaxDistanceKm { get; init; }

    /// <summary>Fulfilment types the order may ship by (e.g. a channel that excludes drop-ship); null: any.</summary>
    public IReadOnlySet<FulfilmentType>? AllowedFulfilment { get; init; }

    /// <summary>
    /// Buy online, pick up in store: the customer's store, the only node that serves pickup lines,
    /// never substituted (<see cref="PickupRule"/>). Null: a ship order.
    /// </summary>
    public string? PickupNodeId { get; init; }

    /// <summary>With <see cref="PickupNodeId"/>: what the store cannot give may ship from other nodes instead of waiting.</summary>
    public bool AllowSplitShip { get; init; }

    /// <summary>
    /// Ranked sourcing: try the best <see cref="NodeOffer.Priority"/> tier alone, widen tier by tier
    /// until a complete plan exists (<see cref="PriorityRule"/>). False: priority only breaks ties.
    /// </summary>
    public bool PriorityTiers { get; init; }

    /// <summary>Days between an inbound receipt and its dispatch, for backorder promise dates.</summary>
    public int ReceiptHandlingDays { get; init; } = 1;

    public static SolverOptions Default { get; } = new();
}
