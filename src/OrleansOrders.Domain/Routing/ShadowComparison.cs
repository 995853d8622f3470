namespace OrleansOrders.Routing;

/// <summary>What one plan of an order comes to, for comparing two routing policies on the same bids.</summary>
/// <param name="PromisedDays">Days from the order to its last parcel's promised delivery (0 when nothing ships).</param>
/// <param name="UnitsByNode">Units each node ships, by node id.</param>
public sealed record PlanOutcome(decimal Cost, int Parcels, int PromisedDays, int UnitsShipped, int UnitsUnallocated, IReadOnlyDictionary<string, int> UnitsByNode)
{
    public bool Split => Parcels > 1;

    public static PlanOutcome Of(AllocationPlan plan, DateOnly orderedOn)
    {
        var byNode = new Dictionary<string, int>(StringComparer.Ordinal);
        var latest = orderedOn;
        var shipped = 0;
        foreach (var parcel in plan.Shipments)
        {
            var units = parcel.Units;
            byNode[parcel.NodeId] = byNode.GetValueOrDefault(parcel.NodeId) + units;
            shipped += units;
            latest = parcel.PromisedBy > latest ? parcel.PromisedBy : latest;
        }
        var unallocated = plan.Unallocated.Sum(l => l.Quantity);
        return new PlanOutcome(plan.TotalCost, plan.Shipments.Count, latest.DayNumber - orderedOn.DayNumber, shipped, unallocated, byNode);
    }

    /// <summary>
    /// Whether two plans route the order differently: another node ships some SKU, in other
    /// quantities, or other units stay backordered. (Cost alone can differ with the same parcels
    /// only when the offers differ, which they do not here: both plans are made on the same bids.)
    /// </summary>
    public static bool Differ(AllocationPlan a, AllocationPlan b) => !Key(a).SetEquals(Key(b));

    private static HashSet<(string Node, string Sku, int Units)> Key(AllocationPlan plan)
    {
        var key = new HashSet<(string, string, int)>();
        foreach (var parcel in plan.Shipments)
        {
            foreach (var line in parcel.Lines)
            {
                key.Add((parcel.NodeId, line.Sku, line.Quantity));
            }
        }
        foreach (var line in plan.Unallocated)
        {
            key.Add(("", line.Sku, line.Quantity));
        }
        return key;
    }

    /// <summary>A one-line description of the plan, for examples an operator reads ("n1: 2 x A; n3: 1 x B; backordered 1 x C").</summary>
    public static string Describe(AllocationPlan plan)
    {
        var parts = plan.Shipments.OrderBy(s => s.NodeId, StringComparer.Ordinal)
            .Select(s => $"{s.NodeId}: {string.Join(", ", s.Lines.Select(l => $"{l.Quantity} x {l.Sku}"))}")
            .ToList();
        if (plan.Unallocated.Count > 0)
        {
            parts.Add($"backordered {string.Join(", ", plan.Unallocated.Select(l => $"{l.Quantity} x {l.Sku}"))}");
        }
        return parts.Count == 0 ? "nothing" : string.Join("; ", parts);
    }
}

/// <summary>
/// A candidate routing policy, as an operator states it: each field set replaces the live policy's
/// (null keeps it). Applied to the options the live policy gives an order, so channel rules the
/// candidate does not change (reserves, radius, pickup) stay as they are.
/// </summary>
public sealed record PolicyOverride(
    RoutingObjective? Objective = null,
    ObjectiveWeights? Weights = null,
    bool? ShipComplete = null,
    int? MaxShipments = null,
    bool? UseOpportunityCost = null,
    int? CandidateCount = null,
    IReadOnlySet<string>? ExcludedNodes = null)
{
    public SolverOptions Apply(SolverOptions live) => live with
    {
        Objective = Objective ?? live.Objective,
        Weights = Weights ?? live.Weights,
        ShipComplete = ShipComplete ?? live.ShipComplete,
        MaxShipments = MaxShipments ?? live.MaxShipments,
        OpportunityCostWeight = UseOpportunityCost switch { true => live.OpportunityCostWeight > 0 ? live.OpportunityCostWeight : 1m, false => 0m, null => live.OpportunityCostWeight },
    };

    /// <summary>
    /// The bids the candidate sees: the live bids, in the order the router ranked their nodes, less
    /// the nodes it excludes, and only its first <see cref="CandidateCount"/> (a policy that asks fewer
    /// nodes). It cannot see bids the live policy never asked for.
    /// </summary>
    public IReadOnlyList<NodeOffer> Select(IReadOnlyList<NodeOffer> liveOffers)
    {
        var offers = ExcludedNodes is { Count: > 0 } excluded ? liveOffers.Where(o => !excluded.Contains(o.NodeId)).ToList() : liveOffers;
        return CandidateCount is { } count && count < offers.Count ? offers.Take(Math.Max(0, count)).ToList() : offers;
    }

    /// <summary>The candidate's plan for the order on the live bids.</summary>
    public AllocationPlan Plan(IReadOnlyList<DemandLine> demand, IReadOnlyList<NodeOffer> liveOffers, SolverOptions live) =>
        AllocationSolver.Solve(demand, Select(liveOffers), Apply(live));
}
