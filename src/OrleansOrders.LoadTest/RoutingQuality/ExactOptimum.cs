using OrleansOrders.Routing;

namespace OrleansOrders.LoadTest.RoutingQuality;

/// <summary>
/// The exact per-order optimum on the stock the strategy saw: the least
/// <c>sum of parcel costs + penalty * units not shipped</c> over every plan of at most
/// <c>maxParcels</c> parcels from the eligible offers. Exhaustive over node subsets, with branch
/// and bound: nodes in order of parcel cost, and a branch is cut once its parcel costs plus a lower
/// bound on the unit costs (each line at its cheapest unit anywhere) reach the best plan so far.
/// For a fixed node set the best assignment fills each line from the cheapest unit up (costs are
/// linear and lines independent), so the search is exact; a node that ends up empty is simply a
/// smaller subset, searched on its own. Integer cents throughout, so equality is exact.
/// </summary>
internal static class ExactOptimum
{
    public static decimal Cost(IReadOnlyList<DemandLine> demand, IReadOnlyList<NodeOffer> offers, int? maxParcels, decimal penalty)
    {
        var lines = demand.Count;
        var quantity = demand.Select(d => (long)d.Quantity).ToArray();
        var penaltyCents = Cents(penalty);
        var candidates = offers
            .Where(o => demand.Any(d => o.Available.GetValueOrDefault(d.Sku) > 0))
            .Select(o => new Candidate(
                Cents(o.Quote.ShipmentCost),
                demand.Select(d => Cents(o.UnitCostOf(d.Sku))).ToArray(),
                demand.Select(d => (long)Math.Max(0, o.Available.GetValueOrDefault(d.Sku))).ToArray()))
            .OrderBy(c => c.Parcel)
            .ToArray();
        var limit = Math.Min(maxParcels ?? candidates.Length, candidates.Length);

        var floor = 0L;
        for (var l = 0; l < lines; l++)
        {
            var cheapest = penaltyCents;
            foreach (var c in candidates)
            {
                if (c.Stock[l] > 0)
                {
                    cheapest = Math.Min(cheapest, c.Unit[l]);
                }
            }
            floor += quantity[l] * cheapest;
        }

        var best = penaltyCents * quantity.Sum();
        var chosen = new List<Candidate>(limit);
        void Search(int from, long parcels)
        {
            if (chosen.Count > 0)
            {
                best = Math.Min(best, parcels + Assign(chosen, quantity, penaltyCents));
            }
            if (chosen.Count == limit)
            {
                return;
            }
            for (var i = from; i < candidates.Length; i++)
            {
                if (parcels + candidates[i].Parcel + floor >= best)
                {
                    break; // candidates are in parcel-cost order: every later one is cut as well
                }
                chosen.Add(candidates[i]);
                Search(i + 1, parcels + candidates[i].Parcel);
                chosen.RemoveAt(chosen.Count - 1);
            }
        }
        Search(0, 0);
        return best / 100m;
    }

    /// <summary>Unit and penalty cost of the best assignment to a fixed node set.</summary>
    private static long Assign(List<Candidate> nodes, long[] quantity, long penalty)
    {
        var total = 0L;
        Span<int> order = stackalloc int[nodes.Count];
        for (var l = 0; l < quantity.Length; l++)
        {
            for (var i = 0; i < nodes.Count; i++)
            {
                order[i] = i;
            }
            for (var i = 1; i < nodes.Count; i++)
            {
                for (var j = i; j > 0 && nodes[order[j]].Unit[l] < nodes[order[j - 1]].Unit[l]; j--)
                {
                    (order[j], order[j - 1]) = (order[j - 1], order[j]);
                }
            }
            var left = quantity[l];
            for (var i = 0; i < nodes.Count && left > 0; i++)
            {
                var node = nodes[order[i]];
                if (node.Unit[l] >= penalty)
                {
                    break;
                }
                var take = Math.Min(left, node.Stock[l]);
                total += take * node.Unit[l];
                left -= take;
            }
            total += left * penalty;
        }
        return total;
    }

    private static long Cents(decimal amount)
    {
        var cents = amount * 100m;
        if (cents != decimal.Truncate(cents))
        {
            throw new ArgumentException($"{amount} is not a whole number of cents.");
        }
        return (long)cents;
    }

    private sealed record Candidate(long Parcel, long[] Unit, long[] Stock);
}
