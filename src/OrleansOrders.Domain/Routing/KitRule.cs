namespace OrleansOrders.Routing;

/// <summary>
/// Kits: lines that share a <see cref="DemandLine.KitId"/> go to one node, whole, or are not
/// allocated at all (a kit larger than any node's stock is backordered whole, never split).
/// Loose lines of the same SKU are separate from kit lines and may split across nodes.
/// </summary>
public static class KitRule
{
    /// <summary>The order's kits, in the order their first line appears.</summary>
    public static IReadOnlyList<Kit> Kits(IEnumerable<DemandLine> lines) =>
        lines.Where(l => l.KitId is not null)
            .GroupBy(l => l.KitId!, StringComparer.Ordinal)
            .Select(g => new Kit(g.Key, g.ToList()))
            .ToList();
}

/// <summary>One kit of an order: its lines, which travel together.</summary>
public sealed record Kit(string KitId, IReadOnlyList<DemandLine> Lines);

/// <summary>An order's consolidated lines, with the kits among them picked out (indices into <see cref="Lines"/>).</summary>
internal sealed class OrderDemand
{
    public OrderDemand(IReadOnlyList<DemandLine> lines)
    {
        Lines = lines;
        Kits = lines
            .Select((line, index) => (line, index))
            .Where(x => x.line.KitId is not null)
            .GroupBy(x => x.line.KitId!, StringComparer.Ordinal)
            .Select(g => g.Select(x => x.index).ToArray())
            .ToList();
        TotalBySku = lines.GroupBy(l => l.Sku, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(l => l.Quantity), StringComparer.Ordinal);
    }

    /// <summary>Consolidated lines in demand order; loose lines have no kit id.</summary>
    public IReadOnlyList<DemandLine> Lines { get; }

    /// <summary>Each kit as the indices of its lines.</summary>
    public IReadOnlyList<int[]> Kits { get; }

    public IReadOnlyDictionary<string, int> TotalBySku { get; }

    public bool HasKits => Kits.Count > 0;

    public bool IsLoose(int index) => Lines[index].KitId is null;

    /// <summary>True when the node's stock covers every line on its own.</summary>
    public bool FitsIn(NodeOffer offer) => TotalBySku.All(t => offer.Available.GetValueOrDefault(t.Key) >= t.Value);

    /// <summary>Units of the order the node could ship on its own (per SKU, capped by demand).</summary>
    public int CoverableUnits(NodeOffer offer) => TotalBySku.Sum(t => Math.Min(t.Value, offer.Available.GetValueOrDefault(t.Key)));

    public bool WantsAnyOf(NodeOffer offer) => TotalBySku.Keys.Any(sku => offer.Available.GetValueOrDefault(sku) > 0);
}
