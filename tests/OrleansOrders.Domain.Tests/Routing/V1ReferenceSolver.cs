namespace OrleansOrders.Routing.Tests;

/// <summary>
/// A frozen copy of the v1 solver (before issue 3), kept only as the reference that proves the
/// extended <see cref="AllocationSolver"/> routes exactly as v1 did under default options.
/// The v1 routing strategy: ship the whole order from one node at the lowest cost if any node can;
/// otherwise split across the fewest nodes (the cheapest such split); when no set of nodes covers
/// the order, cover as much as possible greedily and backorder the rest.
/// </summary>
internal static class V1ReferenceSolver
{
    public static AllocationPlan Solve(IReadOnlyList<DemandLine> demand, IReadOnlyList<NodeOffer> offers, SolverOptions? options = null)
    {
        options ??= SolverOptions.Default;
        var wanted = Consolidate(demand);
        if (wanted.Count == 0)
        {
            return AllocationPlan.Nothing([]);
        }

        var duplicate = offers.GroupBy(o => o.NodeId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Node '{duplicate.Key}' made more than one offer; merge them first.", nameof(offers));
        }

        // Only offers that can ship something of this order take part; negative stock counts as none.
        var useful = offers
            .Select(o => o.Available.Values.Any(q => q < 0)
                ? o with { Available = o.Available.Where(kv => kv.Value > 0).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal) }
                : o)
            .Where(o => wanted.Any(w => o.Available.GetValueOrDefault(w.Sku) > 0))
            .ToList();
        if (useful.Count == 0 || options.MaxShipments <= 0)
        {
            return AllocationPlan.Nothing(wanted);
        }

        var single = useful
            .Where(o => wanted.All(w => o.Available.GetValueOrDefault(w.Sku) >= w.Quantity))
            .Select(o => Assign(wanted, [o]))
            .OrderBy(p => p.TotalCost).ThenBy(LatestPromise).ThenBy(p => p.Shipments[0].NodeId, StringComparer.Ordinal)
            .FirstOrDefault();
        if (single is not null)
        {
            return single;
        }

        var searchable = useful
            .OrderByDescending(o => CoveredUnits(wanted, o))
            .ThenBy(o => o.Quote.ShipmentCost)
            .ThenBy(o => o.NodeId, StringComparer.Ordinal)
            .Take(options.MaxSearchCandidates)
            .ToList();
        for (var k = 2; k <= Math.Min(options.MaxShipments, searchable.Count); k++)
        {
            AllocationPlan? best = null;
            foreach (var combination in Combinations(searchable, k))
            {
                if (!Covers(wanted, combination))
                {
                    continue;
                }
                var plan = Assign(wanted, combination);
                if (best is null || IsBetter(plan, best))
                {
                    best = plan;
                }
            }
            if (best is not null)
            {
                return best;
            }
        }

        return GreedyPartial(wanted, useful, options.MaxShipments);
    }

    /// <summary>Merges lines of the same SKU and drops non-positive quantities.</summary>
    public static IReadOnlyList<DemandLine> Consolidate(IEnumerable<DemandLine> lines) =>
        lines.Where(l => l.Quantity > 0)
            .GroupBy(l => l.Sku, StringComparer.Ordinal)
            .Select(g => new DemandLine(g.Key, g.Sum(l => l.Quantity)))
            .ToList();

    private static bool IsBetter(AllocationPlan candidate, AllocationPlan incumbent)
    {
        var byCost = candidate.TotalCost.CompareTo(incumbent.TotalCost);
        if (byCost != 0)
        {
            return byCost < 0;
        }
        var byPromise = LatestPromise(candidate).CompareTo(LatestPromise(incumbent));
        if (byPromise != 0)
        {
            return byPromise < 0;
        }
        return string.CompareOrdinal(NodeKey(candidate), NodeKey(incumbent)) < 0;
    }

    private static string NodeKey(AllocationPlan plan) => string.Join(',', plan.Shipments.Select(s => s.NodeId));

    private static DateOnly LatestPromise(AllocationPlan plan) =>
        plan.Shipments.Count == 0 ? DateOnly.MaxValue : plan.Shipments.Max(s => s.PromisedBy);

    private static int CoveredUnits(IReadOnlyList<DemandLine> wanted, NodeOffer offer) =>
        wanted.Sum(w => Math.Min(w.Quantity, offer.Available.GetValueOrDefault(w.Sku)));

    private static bool Covers(IReadOnlyList<DemandLine> wanted, IReadOnlyList<NodeOffer> nodes) =>
        wanted.All(w => nodes.Sum(n => (long)n.Available.GetValueOrDefault(w.Sku)) >= w.Quantity);

    /// <summary>
    /// Given a set of nodes that together cover the order, puts each unit on the node with the lowest
    /// unit cost that still has it. With a fixed node set the parcel costs are fixed, so this is the
    /// cheapest assignment; nodes that end up with nothing are dropped.
    /// </summary>
    private static AllocationPlan Assign(IReadOnlyList<DemandLine> wanted, IReadOnlyList<NodeOffer> nodes)
    {
        var perNode = nodes.ToDictionary(n => n.NodeId, _ => new List<DemandLine>(), StringComparer.Ordinal);
        var unallocated = new List<DemandLine>();
        var byUnitCost = nodes.OrderBy(n => n.Quote.UnitCost).ThenBy(n => n.NodeId, StringComparer.Ordinal).ToList();
        foreach (var line in wanted)
        {
            var remaining = line.Quantity;
            foreach (var node in byUnitCost)
            {
                var take = Math.Min(remaining, node.Available.GetValueOrDefault(line.Sku));
                if (take > 0)
                {
                    perNode[node.NodeId].Add(new DemandLine(line.Sku, take));
                    remaining -= take;
                }
                if (remaining == 0)
                {
                    break;
                }
            }
            if (remaining > 0)
            {
                unallocated.Add(new DemandLine(line.Sku, remaining));
            }
        }

        var shipments = nodes
            .Where(n => perNode[n.NodeId].Count > 0)
            .Select(n => new PlannedShipment(n.NodeId, perNode[n.NodeId], n.Quote.CostFor(perNode[n.NodeId].Sum(l => l.Quantity)), n.PromisedBy))
            .OrderBy(s => s.NodeId, StringComparer.Ordinal)
            .ToList();
        return new AllocationPlan(shipments, unallocated);
    }

    /// <summary>
    /// No set of nodes covers the order: repeatedly take the node that covers the most of what is
    /// left (cheaper parcel on a tie), up to the parcel limit; the rest is backordered.
    /// </summary>
    private static AllocationPlan GreedyPartial(IReadOnlyList<DemandLine> wanted, IReadOnlyList<NodeOffer> offers, int maxShipments)
    {
        var remaining = wanted.ToDictionary(w => w.Sku, w => w.Quantity, StringComparer.Ordinal);
        var shipments = new List<PlannedShipment>();
        var pool = offers.ToList();
        while (shipments.Count < maxShipments && pool.Count > 0 && remaining.Values.Any(q => q > 0))
        {
            var next = pool
                .Select(o => (Offer: o, Units: remaining.Sum(r => Math.Min(r.Value, o.Available.GetValueOrDefault(r.Key)))))
                .Where(x => x.Units > 0)
                .OrderByDescending(x => x.Units)
                .ThenBy(x => x.Offer.Quote.CostFor(x.Units))
                .ThenBy(x => x.Offer.NodeId, StringComparer.Ordinal)
                .FirstOrDefault();
            if (next.Offer is null)
            {
                break;
            }
            pool.Remove(next.Offer);
            var lines = new List<DemandLine>();
            foreach (var sku in remaining.Keys.ToList())
            {
                var take = Math.Min(remaining[sku], next.Offer.Available.GetValueOrDefault(sku));
                if (take > 0)
                {
                    lines.Add(new DemandLine(sku, take));
                    remaining[sku] -= take;
                }
            }
            shipments.Add(new PlannedShipment(next.Offer.NodeId, lines, next.Offer.Quote.CostFor(next.Units), next.Offer.PromisedBy));
        }

        var unallocated = wanted
            .Where(w => remaining[w.Sku] > 0)
            .Select(w => new DemandLine(w.Sku, remaining[w.Sku]))
            .ToList();
        return new AllocationPlan(shipments.OrderBy(s => s.NodeId, StringComparer.Ordinal).ToList(), unallocated);
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
