namespace OrleansOrders.Routing;

/// <summary>One SKU's position for the opportunity-cost calculation.</summary>
/// <param name="Sku">The SKU.</param>
/// <param name="Stock">Units on hand per node (same order as the calculator's nodes).</param>
/// <param name="ExpectedDemand">Units expected per region over the horizon (same order as its regions).</param>
/// <param name="UnmetDemandPenalty">What a unit of demand no node serves costs (lost margin, expedite); null: the calculator's default.</param>
public sealed record SkuOutlook(string Sku, IReadOnlyList<double> Stock, IReadOnlyList<double> ExpectedDemand, decimal? UnmetDemandPenalty = null);

/// <summary>Per node and SKU, what one unit is worth to the rest of the network.</summary>
public sealed class OpportunityCostTable
{
    private readonly Dictionary<string, Dictionary<string, decimal>> _byNode;

    internal OpportunityCostTable(Dictionary<string, Dictionary<string, decimal>> byNode) => _byNode = byNode;

    public static OpportunityCostTable Empty { get; } = new([]);

    public decimal Of(string nodeId, string sku) =>
        _byNode.TryGetValue(nodeId, out var skus) ? skus.GetValueOrDefault(sku) : 0m;

    /// <summary>The nodes the table was computed for.</summary>
    public IReadOnlyCollection<string> NodeIds => _byNode.Keys;

    /// <summary>The node's non-zero values, ready for <see cref="NodeOffer.OpportunityCost"/>.</summary>
    public IReadOnlyDictionary<string, decimal> ForNode(string nodeId) =>
        _byNode.TryGetValue(nodeId, out var skus) ? skus : new Dictionary<string, decimal>(StringComparer.Ordinal);
}

/// <summary>
/// Opportunity cost of stock: how much the network loses when one unit of a SKU leaves a node now.
/// <para>
/// Method (after Acimovic and Graves, "Making better fulfillment decisions on the fly in an online
/// retail environment"): per SKU, a transportation LP over the horizon ahead. Nodes supply their
/// stock, regions demand their expected units, shipping a unit from node i to region j costs
/// <c>c[i,j]</c>, and each unit of demand left unserved costs the penalty P:
/// <c>min sum c[i,j] x[i,j] + P sum u[j]</c> s.t. <c>sum_j x[i,j] &lt;= stock[i]</c>,
/// <c>sum_i x[i,j] + u[j] = demand[j]</c>, <c>x, u &gt;= 0</c>. It is solved exactly as a min-cost
/// flow (source to nodes to regions to sink; reaching the sink earns P) with
/// <see cref="MinCostFlow"/>. The opportunity cost of node i is the dual price of its supply row
/// as seen by a unit leaving: the increase of the LP optimum when <c>stock[i]</c> drops by one,
/// which is the shortest path from the source to i in the optimal flow's residual graph (the
/// cheapest way to re-serve, or give up, the demand that unit would have served). It is 0 when the
/// node has stock the plan does not need, at most <c>P - c[i,j]</c>, and large where many regions
/// depend on a node's last units: the router then stops emptying it.
/// </para>
/// Pure and deterministic; the grid refreshes it in the background from stock and a demand forecast.
/// </summary>
public static class OpportunityCostCalculator
{
    /// <param name="nodes">Node ids (columns of <see cref="SkuOutlook.Stock"/>).</param>
    /// <param name="regionCount">Number of demand regions (columns of <see cref="SkuOutlook.ExpectedDemand"/>).</param>
    /// <param name="unitCost">Per-unit cost of serving region r from node n with one unit of the SKU: (node, region, sku).</param>
    /// <param name="skus">Each SKU's stock and expected demand.</param>
    /// <param name="unmetDemandPenalty">Default per-unit cost of unserved demand.</param>
    public static OpportunityCostTable Compute(
        IReadOnlyList<string> nodes,
        int regionCount,
        Func<int, int, string, decimal> unitCost,
        IEnumerable<SkuOutlook> skus,
        decimal unmetDemandPenalty)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(regionCount);
        ArgumentOutOfRangeException.ThrowIfNegative(unmetDemandPenalty);
        var byNode = nodes.ToDictionary(n => n, _ => new Dictionary<string, decimal>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var outlook in skus)
        {
            if (outlook.Stock.Count != nodes.Count || outlook.ExpectedDemand.Count != regionCount)
            {
                throw new ArgumentException($"SKU {outlook.Sku}: {outlook.Stock.Count} stock values for {nodes.Count} nodes, {outlook.ExpectedDemand.Count} demand values for {regionCount} regions.");
            }
            var values = Duals(nodes.Count, regionCount, (n, r) => (double)unitCost(n, r, outlook.Sku), outlook, (double)(outlook.UnmetDemandPenalty ?? unmetDemandPenalty));
            for (var n = 0; n < nodes.Count; n++)
            {
                if (values[n] > 0.005)
                {
                    byNode[nodes[n]][outlook.Sku] = Math.Round((decimal)values[n], 2);
                }
            }
        }
        return new OpportunityCostTable(byNode);
    }

    /// <summary>The value of the last unit at each node for one SKU (0 where stock is spare or absent).</summary>
    internal static double[] Duals(int nodeCount, int regionCount, Func<int, int, double> cost, SkuOutlook outlook, double penalty)
    {
        var values = new double[nodeCount];
        var demand = Enumerable.Range(0, regionCount).Select(r => Math.Max(0, outlook.ExpectedDemand[r])).ToArray();
        var stock = Enumerable.Range(0, nodeCount).Select(n => Math.Max(0, outlook.Stock[n])).ToArray();
        if (demand.Sum() <= 0 || stock.Sum() <= 0)
        {
            return values;
        }

        // Vertices: source 0, nodes 1..N, regions N+1..N+R, sink N+R+1.
        var source = 0;
        var sink = nodeCount + regionCount + 1;
        var flow = new MinCostFlow(sink + 1);
        var supplyArcs = new int[nodeCount];
        for (var n = 0; n < nodeCount; n++)
        {
            supplyArcs[n] = flow.AddArc(source, 1 + n, stock[n], 0);
            if (stock[n] <= 0)
            {
                continue;
            }
            for (var r = 0; r < regionCount; r++)
            {
                if (demand[r] > 0)
                {
                    flow.AddArc(1 + n, 1 + nodeCount + r, double.PositiveInfinity, cost(n, r));
                }
            }
        }
        for (var r = 0; r < regionCount; r++)
        {
            flow.AddArc(1 + nodeCount + r, sink, demand[r], -penalty);
        }
        flow.MinimiseCost(source, sink);

        // Close the loop so the flow value may shrink or grow: the residual sink -> source arc lets a
        // unit of served demand be given up (at +P through the sink's reverse arcs).
        var served = Enumerable.Range(0, nodeCount).Sum(n => flow.FlowOn(supplyArcs[n]));
        flow.AddArc(sink, source, double.PositiveInfinity, 0);
        flow.AddArc(source, sink, served, 0);
        var distance = flow.DistancesFrom(source);
        for (var n = 0; n < nodeCount; n++)
        {
            var saturated = stock[n] > 0 && flow.FlowOn(supplyArcs[n]) >= stock[n] - 1e-9;
            values[n] = saturated && double.IsFinite(distance[1 + n]) ? Math.Max(0, distance[1 + n]) : 0;
        }
        return values;
    }
}
