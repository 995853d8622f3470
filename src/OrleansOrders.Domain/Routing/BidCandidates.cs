namespace OrleansOrders.Routing;

/// <summary>What network availability reports of one SKU at one node: units it can promise now, and units it expects.</summary>
public readonly record struct CandidateStock(string NodeId, string Sku, int Available, int Inbound);

/// <summary>
/// Which nodes the router asks for bids: those that report stock (or expected receipts, for backorder
/// dates) of a wanted SKU, unless excluded; with <c>askEmpty</c> (a later round, whose reports may be
/// stale) also those that report none. Ranked by units of the order they cover, then nearest the
/// customer (distance drives both the cost and the speed of a parcel, so the winner is almost always
/// among the nearest that cover the order), then more expected receipts, then node id; the first
/// <c>max</c> are asked. The router grain and the routing-quality benchmark both rank with this.
/// </summary>
public static class BidCandidates
{
    public static List<string> Rank(IEnumerable<CandidateStock> stock, IEnumerable<DemandLine> remaining, IReadOnlySet<string> excluded, bool askEmpty, Func<string, double> distanceKm, int max)
    {
        var wanted = remaining.ToDictionary(r => r.Sku, r => r.Quantity, StringComparer.Ordinal);
        return stock
            .Where(s => wanted.ContainsKey(s.Sku))
            .Select(s => (s.NodeId, Covered: Math.Min(s.Available, wanted[s.Sku]), Inbound: Math.Min(s.Inbound, wanted[s.Sku])))
            .Where(n => !excluded.Contains(n.NodeId) && (n.Covered > 0 || n.Inbound > 0 || askEmpty))
            .GroupBy(n => n.NodeId, StringComparer.Ordinal)
            .Select(g => (NodeId: g.Key, Covered: g.Sum(n => n.Covered), Inbound: g.Sum(n => n.Inbound)))
            .OrderByDescending(n => n.Covered).ThenBy(n => distanceKm(n.NodeId)).ThenByDescending(n => n.Inbound).ThenBy(n => n.NodeId, StringComparer.Ordinal)
            .Take(max)
            .Select(n => n.NodeId)
            .ToList();
    }
}
