namespace OrleansOrders.Routing;

/// <summary>
/// The search for a plan over a set of offers (the v1 algorithm, generalised to objectives and kits):
/// every single node that covers the order; then every combination of 2..maxParcels of the
/// <see cref="SolverOptions.MaxSearchCandidates"/> offers covering the most units; objectives that
/// take the fewest parcels stop at the first size with a cover. When nothing covers, a greedy
/// partial plan: repeatedly the node covering the most of what is left (cheaper parcel, then node id,
/// on a tie), kits only whole.
/// </summary>
internal static class CoverSearch
{
    /// <summary>The best complete plan of at most <paramref name="maxParcels"/> parcels, or null.</summary>
    public static AllocationPlan? BestCover(OrderDemand demand, IReadOnlyList<NodeOffer> useful, int maxParcels, int maxCandidates, PlanObjective objective)
    {
        if (maxParcels <= 0)
        {
            return null;
        }
        AllocationPlan? best = null;
        PlanScore bestScore = default;
        foreach (var offer in useful)
        {
            if (!demand.FitsIn(offer))
            {
                continue;
            }
            Consider(UnitAssignment.Assign(demand, [offer], objective), objective, ref best, ref bestScore);
        }
        if (best is not null && objective.FewestShipmentsFirst)
        {
            return best;
        }

        var searchable = ByCoverage(demand, useful).Take(maxCandidates).ToList();
        for (var k = 2; k <= Math.Min(maxParcels, searchable.Count); k++)
        {
            AllocationPlan? bestOfSize = null;
            PlanScore bestOfSizeScore = default;
            foreach (var combination in Combinations(searchable, k))
            {
                if (!MayCover(demand, combination))
                {
                    continue;
                }
                Consider(UnitAssignment.Assign(demand, combination, objective), objective, ref bestOfSize, ref bestOfSizeScore);
            }
            if (bestOfSize is null)
            {
                continue;
            }
            if (objective.FewestShipmentsFirst)
            {
                return bestOfSize;
            }
            Consider(bestOfSize, objective, ref best, ref bestScore);
        }
        return best;
    }

    /// <summary>The offers covering the most units of the order first, then the cheaper parcel, then by node id: who a bounded search keeps.</summary>
    public static IEnumerable<NodeOffer> ByCoverage(OrderDemand demand, IEnumerable<NodeOffer> offers) =>
        offers
            .OrderByDescending(demand.CoverableUnits)
            .ThenBy(o => o.Quote.ShipmentCost)
            .ThenBy(o => o.NodeId, StringComparer.Ordinal);

    /// <summary>
    /// Covers what it can: up to <paramref name="maxParcels"/> times, the node that covers the most
    /// units of what is left (kits only whole), the cheaper parcel then the lower node id on a tie.
    /// </summary>
    public static AllocationPlan GreedyPartial(OrderDemand demand, IReadOnlyList<NodeOffer> offers, int maxParcels)
    {
        var remaining = demand.Lines.Select(l => l.Quantity).ToArray();
        var kitPlaced = new bool[demand.Kits.Count];
        var shipments = new List<PlannedShipment>();
        var pool = offers.ToList();
        while (shipments.Count < maxParcels && pool.Count > 0 && remaining.Any(q => q > 0))
        {
            (NodeOffer Offer, int[] Take, List<DemandLine> Lines, int Units, decimal Cost)? next = null;
            foreach (var offer in pool)
            {
                var (take, units) = TakeFrom(demand, offer, remaining, kitPlaced);
                if (units == 0)
                {
                    continue;
                }
                var lines = LinesOf(demand, take);
                var cost = offer.CostOf(lines);
                if (next is null || units > next.Value.Units ||
                    (units == next.Value.Units && (cost < next.Value.Cost ||
                        (cost == next.Value.Cost && string.CompareOrdinal(offer.NodeId, next.Value.Offer.NodeId) < 0))))
                {
                    next = (offer, take, lines, units, cost);
                }
            }
            if (next is not { } chosen)
            {
                break;
            }
            pool.Remove(chosen.Offer);
            for (var i = 0; i < remaining.Length; i++)
            {
                remaining[i] -= chosen.Take[i];
            }
            for (var k = 0; k < demand.Kits.Count; k++)
            {
                kitPlaced[k] |= chosen.Take[demand.Kits[k][0]] > 0;
            }
            shipments.Add(new PlannedShipment(chosen.Offer.NodeId, chosen.Lines, chosen.Cost, chosen.Offer.PromisedBy));
        }

        var unallocated = new List<DemandLine>();
        for (var i = 0; i < remaining.Length; i++)
        {
            if (remaining[i] > 0)
            {
                unallocated.Add(demand.Lines[i] with { Quantity = remaining[i] });
            }
        }
        shipments.Sort((a, b) => string.CompareOrdinal(a.NodeId, b.NodeId));
        return new AllocationPlan(shipments, unallocated);
    }

    /// <summary>What one node would take of what is left: unplaced kits that fit whole first, then loose lines.</summary>
    private static (int[] Take, int Units) TakeFrom(OrderDemand demand, NodeOffer offer, int[] remaining, bool[] kitPlaced)
    {
        var take = new int[remaining.Length];
        var units = 0;
        Dictionary<string, int>? left = null;
        if (demand.HasKits)
        {
            left = new Dictionary<string, int>(offer.Available, StringComparer.Ordinal);
            for (var k = 0; k < demand.Kits.Count; k++)
            {
                var kit = demand.Kits[k];
                if (kitPlaced[k] || !UnitAssignment.Fits(demand, kit, left))
                {
                    continue;
                }
                UnitAssignment.Move(demand, kit, left, -1);
                foreach (var i in kit)
                {
                    take[i] = demand.Lines[i].Quantity;
                    units += take[i];
                }
            }
        }
        for (var i = 0; i < remaining.Length; i++)
        {
            if (!demand.IsLoose(i) || remaining[i] <= 0)
            {
                continue;
            }
            var sku = demand.Lines[i].Sku;
            var has = left is null ? offer.Available.GetValueOrDefault(sku) : left.GetValueOrDefault(sku);
            take[i] = Math.Min(remaining[i], Math.Max(0, has));
            units += take[i];
        }
        return (take, units);
    }

    private static List<DemandLine> LinesOf(OrderDemand demand, int[] take)
    {
        var lines = new List<DemandLine>();
        for (var i = 0; i < take.Length; i++)
        {
            if (take[i] > 0)
            {
                lines.Add(demand.Lines[i] with { Quantity = take[i] });
            }
        }
        return lines;
    }

    private static void Consider(AllocationPlan plan, PlanObjective objective, ref AllocationPlan? best, ref PlanScore bestScore)
    {
        if (!plan.IsComplete)
        {
            return;
        }
        var score = objective.Score(plan);
        if (best is null || objective.IsBetter(score, bestScore))
        {
            (best, bestScore) = (plan, score);
        }
    }

    /// <summary>Necessary for a cover: enough units of every SKU together, and every kit fits whole on some node.</summary>
    private static bool MayCover(OrderDemand demand, IReadOnlyList<NodeOffer> nodes)
    {
        foreach (var (sku, quantity) in demand.TotalBySku)
        {
            long total = 0;
            foreach (var node in nodes)
            {
                total += node.Available.GetValueOrDefault(sku);
            }
            if (total < quantity)
            {
                return false;
            }
        }
        return demand.Kits.All(kit => nodes.Any(n => UnitAssignment.Fits(demand, kit, n.Available)));
    }

    private static IEnumerable<IReadOnlyList<T>> Combinations<T>(IReadOnlyList<T> items, int k)
    {
        var indices = Enumerable.Range(0, k).ToArray();
        while (true)
        {
            yield return indices.Select(i => items[i]).ToArray();
            var pos = k - 1;
            while (pos >= 0 && indices[pos] == items.Count - k + pos)
            {
                pos--;
            }
            if (pos < 0)
            {
                yield break;
            }
            indices[pos]++;
            for (var j = pos + 1; j < k; j++)
            {
                indices[j] = indices[j - 1] + 1;
            }
        }
    }
}
