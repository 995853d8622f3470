namespace OrleansOrders.Routing;

/// <summary>Supply a node expects and has not promised to anyone yet.</summary>
public sealed record InboundReceipt(string Sku, int Quantity, DateOnly ExpectedOn);

/// <summary>
/// Backordered units: from which node and by when they are promised, when inbound supply covers
/// them; <see cref="NodeId"/> and <see cref="PromisedBy"/> are null when nothing known covers them.
/// </summary>
public sealed record BackorderPromise(string Sku, int Quantity, string? NodeId, DateOnly? PromisedBy)
{
    public string? KitId { get; init; }
}

/// <summary>
/// Backorder promise dates from declared inbound supply. A receipt can ship
/// <see cref="SolverOptions.ReceiptHandlingDays"/> after it arrives, then takes the node's transit
/// days. Per unallocated loose line (in order): the node whose receipts cover the whole line
/// earliest; failing that, receipts from any nodes in order of the promise they give, one promise
/// per node, and what no receipt covers stays undated. A kit is promised only whole from one node
/// (the latest of its lines' dates there). Receipts are consumed as they are promised, so two lines
/// never count on the same unit.
/// </summary>
public static class BackorderRule
{
    public static IReadOnlyList<BackorderPromise> Promise(IReadOnlyList<DemandLine> unallocated, IEnumerable<NodeOffer> sources, int receiptHandlingDays)
    {
        if (unallocated.Count == 0)
        {
            return [];
        }
        var nodes = sources
            .Where(s => s.Inbound.Count > 0)
            .OrderBy(s => s.NodeId, StringComparer.Ordinal)
            .Select(s => new Supply(s, receiptHandlingDays))
            .ToList();
        var promises = new List<BackorderPromise>();
        var kits = KitRule.Kits(unallocated).ToDictionary(k => k.KitId, StringComparer.Ordinal);
        foreach (var line in unallocated)
        {
            if (line.KitId is { } kitId)
            {
                if (kits.Remove(kitId, out var kit))
                {
                    promises.AddRange(PromiseKit(kit.Lines, nodes));
                }
                continue;
            }
            promises.AddRange(PromiseLine(line, nodes));
        }
        return promises;
    }

    private static IEnumerable<BackorderPromise> PromiseLine(DemandLine line, List<Supply> nodes)
    {
        var whole = nodes
            .Select(n => (Node: n, Date: n.CoverDate(line.Sku, line.Quantity)))
            .Where(x => x.Date is not null)
            .OrderBy(x => x.Date)
            .FirstOrDefault();
        if (whole.Node is not null)
        {
            whole.Node.Consume(line.Sku, line.Quantity);
            yield return new BackorderPromise(line.Sku, line.Quantity, whole.Node.Offer.NodeId, whole.Date);
            yield break;
        }

        var left = line.Quantity;
        var pieces = nodes
            .SelectMany(n => n.Receipts(line.Sku).Select(r => (Node: n, Receipt: r)))
            .OrderBy(x => x.Node.PromiseFor(x.Receipt.ExpectedOn))
            .ThenBy(x => x.Node.Offer.NodeId, StringComparer.Ordinal)
            .ToList();
        var perNode = new Dictionary<Supply, (int Quantity, DateOnly Date)>();
        foreach (var (node, receipt) in pieces)
        {
            var take = Math.Min(left, receipt.Left);
            if (take <= 0)
            {
                continue;
            }
            receipt.Left -= take;
            left -= take;
            var date = node.PromiseFor(receipt.ExpectedOn);
            perNode[node] = perNode.TryGetValue(node, out var sofar) ? (sofar.Quantity + take, date) : (take, date);
            if (left == 0)
            {
                break;
            }
        }
        foreach (var (node, (quantity, date)) in perNode.OrderBy(p => p.Value.Date).ThenBy(p => p.Key.Offer.NodeId, StringComparer.Ordinal))
        {
            yield return new BackorderPromise(line.Sku, quantity, node.Offer.NodeId, date) { KitId = line.KitId };
        }
        if (left > 0)
        {
            yield return new BackorderPromise(line.Sku, left, null, null);
        }
    }

    private static IEnumerable<BackorderPromise> PromiseKit(IReadOnlyList<DemandLine> kit, List<Supply> nodes)
    {
        var needs = kit.GroupBy(l => l.Sku, StringComparer.Ordinal).Select(g => (Sku: g.Key, Quantity: g.Sum(l => l.Quantity))).ToList();
        (Supply Node, DateOnly Date)? best = null;
        foreach (var node in nodes)
        {
            var dates = needs.Select(n => node.CoverDate(n.Sku, n.Quantity)).ToList();
            if (dates.Any(d => d is null))
            {
                continue;
            }
            var date = dates.Max()!.Value;
            if (best is null || date < best.Value.Date)
            {
                best = (node, date);
            }
        }
        if (best is { } chosen)
        {
            foreach (var need in needs)
            {
                chosen.Node.Consume(need.Sku, need.Quantity);
            }
        }
        return kit.Select(l => new BackorderPromise(l.Sku, l.Quantity, best?.Node.Offer.NodeId, best?.Date) { KitId = l.KitId });
    }

    /// <summary>One node's receipts not yet promised, earliest first.</summary>
    private sealed class Supply(NodeOffer offer, int handlingDays)
    {
        private readonly Dictionary<string, List<Receipt>> _bySku = offer.Inbound
            .Where(r => r.Quantity > 0)
            .GroupBy(r => r.Sku, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.ExpectedOn).Select(r => new Receipt(r.ExpectedOn) { Left = r.Quantity }).ToList(), StringComparer.Ordinal);

        public NodeOffer Offer => offer;

        public IReadOnlyList<Receipt> Receipts(string sku) => _bySku.TryGetValue(sku, out var list) ? list : [];

        public DateOnly PromiseFor(DateOnly received) => received.AddDays(Math.Max(0, handlingDays) + Math.Max(0, offer.Quote.TransitDays));

        /// <summary>The promise by which this node's receipts cover <paramref name="quantity"/>, or null if they never do.</summary>
        public DateOnly? CoverDate(string sku, int quantity)
        {
            var total = 0L;
            foreach (var receipt in Receipts(sku))
            {
                total += receipt.Left;
                if (total >= quantity)
                {
                    return PromiseFor(receipt.ExpectedOn);
                }
            }
            return null;
        }

        public void Consume(string sku, int quantity)
        {
            foreach (var receipt in Receipts(sku))
            {
                var take = Math.Min(quantity, receipt.Left);
                receipt.Left -= take;
                quantity -= take;
                if (quantity == 0)
                {
                    return;
                }
            }
        }
    }

    private sealed class Receipt(DateOnly expectedOn)
    {
        public DateOnly ExpectedOn => expectedOn;

        public int Left { get; set; }
    }
}
