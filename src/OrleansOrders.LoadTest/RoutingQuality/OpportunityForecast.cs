using OrleansOrders.Routing;

namespace OrleansOrders.LoadTest.RoutingQuality;

/// <summary>
/// Feeds <see cref="OpportunityCostCalculator"/> from a run's state, as the grid's background
/// refresh would: each node's stock now, each region's expected demand for the rest of the stream
/// (orders left * region share * expected units of the SKU per order), and the cost of serving a
/// region's centre from a node per unit (the parcel spread over the mean units of an order, plus
/// the SKU's unit cost).
/// </summary>
internal sealed class OpportunityForecast
{
    private readonly BenchNetwork _network;
    private readonly decimal[,] _parcelPerUnit;
    private readonly (decimal PerUnit, decimal PerKg)[,] _unit;
    private readonly Dictionary<string, int> _skuIndex;

    public OpportunityForecast(BenchNetwork network)
    {
        _network = network;
        var nodes = network.Nodes.Count;
        var regions = network.Regions.Count;
        _parcelPerUnit = new decimal[nodes, regions];
        _unit = new (decimal, decimal)[nodes, regions];
        for (var n = 0; n < nodes; n++)
        {
            for (var r = 0; r < regions; r++)
            {
                var (parcel, perUnit, perKg, _, _) = RateCard.Quote(network.Nodes[n].Kind, network.Nodes[n].Location, network.Regions[r].Centre);
                _parcelPerUnit[n, r] = parcel / (decimal)Math.Max(1.0, network.MeanUnitsPerOrder);
                _unit[n, r] = (perUnit, perKg);
            }
        }
        _skuIndex = network.Skus.Select((s, i) => (s.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
    }

    public OpportunityCostTable Compute(NetworkState state, int ordersLeft, decimal penalty)
    {
        var outlooks = new List<SkuOutlook>();
        for (var s = 0; s < _network.Skus.Count; s++)
        {
            var stock = Enumerable.Range(0, _network.Nodes.Count).Select(n => (double)state.Stock(n, s)).ToArray();
            if (stock.All(q => q <= 0))
            {
                continue;
            }
            var perOrder = _network.UnitsPerOrder(s);
            var demand = _network.Regions.Select(r => ordersLeft * r.Weight * perOrder).ToArray();
            outlooks.Add(new SkuOutlook(_network.Skus[s].Id, stock, demand));
        }
        return OpportunityCostCalculator.Compute(
            _network.Nodes.Select(n => n.Id).ToList(),
            _network.Regions.Count,
            (n, r, sku) => _parcelPerUnit[n, r] + RateCard.UnitCost(_unit[n, r].PerUnit, _unit[n, r].PerKg, _network.Skus[_skuIndex[sku]].WeightKg),
            outlooks,
            penalty);
    }
}
