namespace OrleansOrders.Routing;

/// <summary>A quantity of one SKU wanted (or planned, or left over).</summary>
public sealed record DemandLine(string Sku, int Quantity);

/// <summary>
/// One node's answer to a bid request, in solver terms: how much of each SKU it can ship and
/// what a parcel from it costs and when it arrives.
/// </summary>
public sealed record NodeOffer(
    string NodeId,
    IReadOnlyDictionary<string, int> Available,
    ShippingQuote Quote,
    DateOnly PromisedBy);

/// <summary>One parcel in a plan: which node ships which quantities.</summary>
public sealed record PlannedShipment(string NodeId, IReadOnlyList<DemandLine> Lines, decimal Cost, DateOnly PromisedBy)
{
    public int Units => Lines.Sum(l => l.Quantity);
}

/// <summary>What the solver proposes: parcels, and what no offer could cover (backordered).</summary>
public sealed record AllocationPlan(IReadOnlyList<PlannedShipment> Shipments, IReadOnlyList<DemandLine> Unallocated)
{
    public static AllocationPlan Nothing(IReadOnlyList<DemandLine> demand) => new([], demand);

    public decimal TotalCost => Shipments.Sum(s => s.Cost);

    public bool IsComplete => Unallocated.Count == 0;
}

public sealed record SolverOptions
{
    /// <summary>Most parcels one order may be split into.</summary>
    public int MaxShipments { get; init; } = 4;

    /// <summary>
    /// Offers considered in the exhaustive search for the fewest-node cover, best coverage first;
    /// bounds the work at C(n, MaxShipments) combinations.
    /// </summary>
    public int MaxSearchCandidates { get; init; } = 10;

    public static SolverOptions Default { get; } = new();
}
