using OrleansOrders.Routing;

namespace OrleansOrders.LoadTest.RoutingQuality;

/// <summary>A way to route one order over its offers; the simulation applies what it returns.</summary>
internal abstract class QualityStrategy(string name)
{
    public string Name => name;

    /// <summary>True when its offers carry opportunity costs (refreshed through the run).</summary>
    public virtual bool UsesOpportunityCost => false;

    /// <summary>Most parcels per order; null: no limit (the exact optimum it is compared with then has none either).</summary>
    public virtual int? ParcelLimit(QualitySettings settings) => settings.MaxShipments;

    public abstract AllocationPlan Route(IReadOnlyList<DemandLine> demand, IReadOnlyList<NodeOffer> offers, SolverOptions options);

    /// <summary>The strategies every run compares, the myopic baseline first.</summary>
    public static IReadOnlyList<QualityStrategy> All { get; } =
    [
        new MyopicStrategy(),
        new SolverStrategy("LowestCost", RoutingObjective.LowestCost),
        new SolverStrategy("Fastest", RoutingObjective.Fastest),
        new SolverStrategy("StockBalance", RoutingObjective.StockBalance),
        new SolverStrategy("Weighted", RoutingObjective.Weighted),
        new SolverStrategy("LowestCost+OpportunityCost", RoutingObjective.LowestCost, opportunity: true),
        new SolverStrategy("CheapestSplit+OpportunityCost", RoutingObjective.Weighted, new ObjectiveWeights(1m, 0m, 0m, 0m), opportunity: true),
    ];
}

/// <summary>The router's solver under one objective (and, optionally, opportunity costs).</summary>
internal sealed class SolverStrategy(string name, RoutingObjective objective, ObjectiveWeights? weights = null, bool opportunity = false) : QualityStrategy(name)
{
    public override bool UsesOpportunityCost => opportunity;

    public override AllocationPlan Route(IReadOnlyList<DemandLine> demand, IReadOnlyList<NodeOffer> offers, SolverOptions options) =>
        AllocationSolver.Solve(demand, offers, options with { Objective = objective, Weights = weights ?? options.Weights });
}

/// <summary>
/// The myopic baseline: line by line, the node that ships that line alone the cheapest among those
/// that have all of it (failing that, the cheapest with any, then the next for the rest); lines
/// that land on the same node share its parcel. No parcel limit. Node rules (capacity, cutoff)
/// apply as for every strategy.
/// </summary>
internal sealed class MyopicStrategy() : QualityStrategy("Myopic")
{
    public override int? ParcelLimit(QualitySettings settings) => null;

    public override AllocationPlan Route(IReadOnlyList<DemandLine> demand, IReadOnlyList<NodeOffer> offers, SolverOptions options)
    {
        var (eligible, _) = OfferEligibility.ForShipping(offers, options);
        var left = eligible.ToDictionary(e => e.Offer.NodeId, e => e.Offer.Available.ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal), StringComparer.Ordinal);
        var lines = eligible.ToDictionary(e => e.Offer.NodeId, _ => new List<DemandLine>(), StringComparer.Ordinal);
        var unallocated = new List<DemandLine>();
        foreach (var line in demand)
        {
            var remaining = line.Quantity;
            while (remaining > 0)
            {
                var best = eligible
                    .Where(e => left[e.Offer.NodeId].GetValueOrDefault(line.Sku) > 0)
                    .OrderBy(e => left[e.Offer.NodeId][line.Sku] >= remaining ? 0 : 1)
                    .ThenBy(e => e.Offer.Quote.ShipmentCost + e.Offer.UnitCostOf(line.Sku) * Math.Min(remaining, left[e.Offer.NodeId][line.Sku]))
                    .ThenBy(e => e.Offer.NodeId, StringComparer.Ordinal)
                    .FirstOrDefault();
                if (best is null)
                {
                    unallocated.Add(line with { Quantity = remaining });
                    break;
                }
                var take = Math.Min(remaining, left[best.Offer.NodeId][line.Sku]);
                left[best.Offer.NodeId][line.Sku] -= take;
                lines[best.Offer.NodeId].Add(line with { Quantity = take });
                remaining -= take;
            }
        }
        var shipments = eligible
            .Where(e => lines[e.Offer.NodeId].Count > 0)
            .Select(e => new PlannedShipment(e.Offer.NodeId, lines[e.Offer.NodeId], e.Offer.CostOf(lines[e.Offer.NodeId]), e.Offer.PromisedBy)
            {
                DispatchOn = e.DispatchOn,
                Fulfilment = FulfilmentRule.ShippingTypeOf(e.Offer),
            })
            .OrderBy(s => s.NodeId, StringComparer.Ordinal)
            .ToList();
        return new AllocationPlan(shipments, unallocated);
    }
}
