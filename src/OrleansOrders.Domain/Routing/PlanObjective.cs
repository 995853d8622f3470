namespace OrleansOrders.Routing;

/// <summary>How one candidate plan scores under an objective; lower is better field by field.</summary>
internal readonly record struct PlanScore(decimal Value, DateOnly LatestPromise, int Shipments, long PrioritySum, string NodeKey);

/// <summary>
/// The order's objective, as the search uses it: the per-unit marginal that orders nodes when a
/// fixed node set shares a line, the score of a whole plan, and which plan is better.
/// <list type="bullet">
/// <item>FewestParcels (v1): fewest parcels first; then cost = shipping + w * opportunity cost.</item>
/// <item>LowestCost: cost = shipping + w * opportunity cost over any parcel count; on equal cost the fewer parcels.</item>
/// <item>Fastest: any parcel count; latest promise, then parcels, then cost.</item>
/// <item>StockBalance: fewest parcels first; then cost + Depletion * sum(units / node stock).</item>
/// <item>Weighted: any parcel count; Cost * cost + PerDay * days + Depletion * depletion + PerShipment * parcels.</item>
/// </list>
/// Ties go to the earlier latest promise, the lower priority sum, then node ids (ordinal), so plans are deterministic.
/// </summary>
internal sealed class PlanObjective(SolverOptions options, DateOnly referenceDay, IReadOnlyDictionary<string, NodeOffer> offers)
{
    private readonly ObjectiveWeights _weights = options.Weights;

    /// <summary>FewestParcels and StockBalance take the fewest parcels that cover; the others weigh every parcel count.</summary>
    public bool FewestShipmentsFirst => options.Objective is RoutingObjective.FewestParcels or RoutingObjective.StockBalance;

    /// <summary>What one more unit of <paramref name="sku"/> from <paramref name="offer"/> adds to the score, the parcel aside.</summary>
    public decimal UnitMarginal(NodeOffer offer, string sku)
    {
        var cost = offer.UnitCostOf(sku) + options.OpportunityCostWeight * offer.OpportunityCostOf(sku);
        return options.Objective switch
        {
            RoutingObjective.StockBalance => cost + _weights.Depletion / Math.Max(1, offer.Available.GetValueOrDefault(sku)),
            RoutingObjective.Weighted => _weights.Cost * cost + _weights.Depletion / Math.Max(1, offer.Available.GetValueOrDefault(sku)),
            _ => cost,
        };
    }

    public PlanScore Score(AllocationPlan plan)
    {
        decimal opportunity = 0m, depletion = 0m;
        long priority = 0;
        foreach (var shipment in plan.Shipments)
        {
            var offer = offers[shipment.NodeId];
            priority += offer.Priority;
            foreach (var line in shipment.Lines)
            {
                opportunity += line.Quantity * offer.OpportunityCostOf(line.Sku);
                if (_weights.Depletion != 0m && options.Objective is RoutingObjective.StockBalance or RoutingObjective.Weighted)
                {
                    depletion += (decimal)line.Quantity / Math.Max(1, offer.Available.GetValueOrDefault(line.Sku));
                }
            }
        }
        var latest = plan.Shipments.Count == 0 ? DateOnly.MaxValue : plan.Shipments.Max(s => s.PromisedBy);
        var cost = plan.TotalCost + options.OpportunityCostWeight * opportunity;
        var value = options.Objective switch
        {
            RoutingObjective.StockBalance => cost + _weights.Depletion * depletion,
            RoutingObjective.Weighted => _weights.Cost * cost
                + _weights.PerDay * (plan.Shipments.Count == 0 ? 0 : latest.DayNumber - referenceDay.DayNumber)
                + _weights.Depletion * depletion
                + _weights.PerShipment * plan.Shipments.Count,
            _ => cost,
        };
        return new PlanScore(value, latest, plan.Shipments.Count, priority, string.Join(',', plan.Shipments.Select(s => s.NodeId)));
    }

    public bool IsBetter(PlanScore candidate, PlanScore incumbent)
    {
        if (options.Objective == RoutingObjective.Fastest)
        {
            var byPromise = candidate.LatestPromise.CompareTo(incumbent.LatestPromise);
            if (byPromise != 0)
            {
                return byPromise < 0;
            }
            if (candidate.Shipments != incumbent.Shipments)
            {
                return candidate.Shipments < incumbent.Shipments;
            }
        }
        var byValue = candidate.Value.CompareTo(incumbent.Value);
        if (byValue != 0)
        {
            return byValue < 0;
        }
        if (options.Objective == RoutingObjective.LowestCost && candidate.Shipments != incumbent.Shipments)
        {
            return candidate.Shipments < incumbent.Shipments;
        }
        var byLatest = candidate.LatestPromise.CompareTo(incumbent.LatestPromise);
        if (byLatest != 0)
        {
            return byLatest < 0;
        }
        if (candidate.PrioritySum != incumbent.PrioritySum)
        {
            return candidate.PrioritySum < incumbent.PrioritySum;
        }
        return string.CompareOrdinal(candidate.NodeKey, incumbent.NodeKey) < 0;
    }
}
