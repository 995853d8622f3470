namespace OrleansOrders.Routing;

/// <summary>What "the best plan" means for an order. Chosen per order, defaulted per sales channel (<see cref="ChannelRoutingDefaults"/>).</summary>
public enum RoutingObjective
{
    /// <summary>
    /// The lowest cost (shipping plus weighted opportunity cost) over every plan within the parcel
    /// limit, found exactly (<see cref="ExactCover"/>): a split is taken when it is cheaper than one
    /// parcel, and on equal cost the fewer parcels, then the earliest promise. When nothing covers the
    /// order, the plan that ships the most units, the cheapest of those.
    /// </summary>
    LowestCost = 0,

    /// <summary>The earliest promised delivery (latest parcel's date), then fewer parcels, then the lowest cost; a faster split beats a slower single parcel.</summary>
    Fastest = 1,

    /// <summary>
    /// The fewest parcels, then the lowest cost plus <see cref="ObjectiveWeights.Depletion"/> times the
    /// share of each node's stock the plan takes: prefers nodes with more cover over nearly empty ones.
    /// </summary>
    StockBalance = 2,

    /// <summary>Any number of parcels up to the limit, scored by <see cref="ObjectiveWeights"/>: cost, days, depletion and a per-parcel charge.</summary>
    Weighted = 3,

    /// <summary>
    /// The v1 rule (the solver's default options): the fewest parcels that cover the order, and among
    /// those the lowest cost, then the earliest promise; a greedy partial plan when nothing covers.
    /// </summary>
    FewestParcels = 4,
}

/// <summary>
/// Weights of the <see cref="RoutingObjective.Weighted"/> score, lower is better:
/// <c>Cost * (shipping + opportunity cost) + PerDay * days to the latest promise + Depletion * sum(units / node stock) + PerShipment * parcels</c>.
/// </summary>
/// <param name="Cost">Per currency unit of shipping and opportunity cost.</param>
/// <param name="PerDay">Per day between the earliest promise any offer makes and the plan's latest promise.</param>
/// <param name="Depletion">Per whole node-SKU stock taken (taking 1 of 4 units counts 0.25).</param>
/// <param name="PerShipment">Per parcel, on top of its shipping cost (handling, customer annoyance of a split).</param>
public sealed record ObjectiveWeights(decimal Cost = 1m, decimal PerDay = 1m, decimal Depletion = 5m, decimal PerShipment = 0m)
{
    public static ObjectiveWeights Default { get; } = new();
}
