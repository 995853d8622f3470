namespace OrleansOrders.Routing;

/// <summary>
/// Optional terms of an offer. Every default is neutral, so an offer built with the four
/// positional values alone is routed exactly as in v1.
/// </summary>
public sealed partial record NodeOffer
{
    private static readonly IReadOnlyDictionary<string, int> NoQuantities = new Dictionary<string, int>(StringComparer.Ordinal);
    private static readonly IReadOnlyDictionary<string, decimal> NoAmounts = new Dictionary<string, decimal>(StringComparer.Ordinal);
    private static readonly IReadOnlyDictionary<string, ProtectedReserve> NoReserves = new Dictionary<string, ProtectedReserve>(StringComparer.Ordinal);

    /// <summary>Only open nodes take part; a paused or closed node is left out (and a closed pickup store serves nobody).</summary>
    public OfferStatus Status { get; init; } = OfferStatus.Open;

    /// <summary>Lower is preferred: a tie-breaker, or ranked tiers with <see cref="SolverOptions.PriorityTiers"/>.</summary>
    public int Priority { get; init; }

    /// <summary>Distance from the node to the customer; needed by the radius rules.</summary>
    public double? DistanceKm { get; init; }

    /// <summary>The node ships only to customers within this distance; null: any.</summary>
    public double? ServiceRadiusKm { get; init; }

    /// <summary>Parcels per day and what is already promised on each day; null: unlimited.</summary>
    public DispatchCapacity? Capacity { get; init; }

    /// <summary>Orders placed at or after this UTC time of day dispatch the next day; null: no cutoff known (the offer's own promise stands).</summary>
    public TimeOnly? CutoffUtc { get; init; }

    /// <summary>What the node is; maps to a <see cref="FulfilmentType"/>. Null: treated as a distribution centre.</summary>
    public ShipperType? Shipper { get; init; }

    /// <summary>Units per SKU the node keeps back from every order. Subtracted from <see cref="Available"/>.</summary>
    public IReadOnlyDictionary<string, int> SafetyStock { get; init; } = NoQuantities;

    /// <summary>Units per SKU that only some channels may take (<see cref="ReserveRule"/>).</summary>
    public IReadOnlyDictionary<string, ProtectedReserve> Reserves { get; init; } = NoReserves;

    /// <summary>
    /// Per SKU, what one unit taken here costs the rest of the network (e.g. from
    /// <see cref="OpportunityCostCalculator"/>); added per unit to the objective, never to the parcel's price.
    /// </summary>
    public IReadOnlyDictionary<string, decimal> OpportunityCost { get; init; } = NoAmounts;

    /// <summary>Per SKU unit cost overriding <see cref="ShippingQuote.UnitCost"/> (e.g. a rate card by weight).</summary>
    public IReadOnlyDictionary<string, decimal> UnitCostBySku { get; init; } = NoAmounts;

    /// <summary>Expected receipts not yet promised to anyone: dates for backordered lines (<see cref="BackorderRule"/>).</summary>
    public IReadOnlyList<InboundReceipt> Inbound { get; init; } = [];

    /// <summary>The cost of one more unit of <paramref name="sku"/> in this node's parcel.</summary>
    public decimal UnitCostOf(string sku) => UnitCostBySku.TryGetValue(sku, out var cost) ? cost : Quote.UnitCost;

    /// <summary>What a parcel of these lines from this node costs.</summary>
    public decimal CostOf(IEnumerable<DemandLine> lines) =>
        UnitCostBySku.Count == 0
            ? Quote.CostFor(lines.Sum(l => l.Quantity))
            : Quote.ShipmentCost + lines.Sum(l => UnitCostOf(l.Sku) * l.Quantity);

    /// <summary>The opportunity cost of one unit of <paramref name="sku"/> taken here.</summary>
    public decimal OpportunityCostOf(string sku) => OpportunityCost.GetValueOrDefault(sku);
}
