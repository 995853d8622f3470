using OrleansOrders.Contracts;

namespace OrleansOrders.Http.Ops;

/// <summary>
/// A node as the operator page lists it: status, today's capacity use, and how its bids fared in
/// the recent orders (asked, declined, won; the reject rate is declined bids over asked, with the reasons),
/// and its reliability record with the breakers on it (parcels rejected, short picks, late shipments, bid timeouts).
/// </summary>
public sealed record NodeSummary(
    string NodeId,
    string Name,
    NodeKind Kind,
    string City,
    NodeStatus Status,
    int DailyCapacity,
    int CapacityUsed,
    double CapacityUsedShare,
    DateOnly CapacityDate,
    int BidsAsked,
    int BidsDeclined,
    int BidsWon,
    double? RejectRate,
    IReadOnlyDictionary<string, int> DeclineReasons)
{
    /// <summary>Capacity used per day from <see cref="CapacityDate"/> on: parcels after the cutoff count on the next day.</summary>
    public IReadOnlyList<int> CapacityUsedByDay { get; init; } = [];

    /// <summary>The node's reliability record (score, facts, expected reject cost) and the routers' breakers on it.</summary>
    public NodeReliabilityView? Reliability { get; init; }

    public static IReadOnlyList<NodeSummary> Of(IEnumerable<NodeView> nodes, IReadOnlyList<OrderExplained> recent)
    {
        var bids = recent.SelectMany(o => o.Bids)
            .GroupBy(b => b.NodeId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        return nodes.Select(v =>
        {
            var p = v.Profile;
            var mine = bids.GetValueOrDefault(p.NodeId) ?? [];
            var declined = mine.Count(b => !b.Accepts);
            return new NodeSummary(
                p.NodeId, p.Name, p.Kind, p.City, p.Status, p.DailyCapacity, v.CapacityUsed,
                p.DailyCapacity <= 0 ? 1.0 : Math.Round((double)v.CapacityUsed / p.DailyCapacity, 4),
                v.CapacityDate, mine.Count, declined, mine.Count(b => b.Chosen),
                mine.Count == 0 ? null : Math.Round((double)declined / mine.Count, 4),
                mine.Where(b => !b.Accepts).GroupBy(b => b.DeclineReason ?? "unknown", StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal))
            {
                CapacityUsedByDay = v.CapacityUsedByDay,
                Reliability = v.Reliability,
            };
        }).OrderBy(n => n.NodeId, StringComparer.Ordinal).ToList();
    }
}
