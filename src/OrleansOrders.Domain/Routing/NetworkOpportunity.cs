namespace OrleansOrders.Routing;

/// <summary>A node that supplies stock to the network's opportunity-cost problem: where it is and what kind of node it is.</summary>
public sealed record SupplyNode(string NodeId, GeoPoint Location, ShipperType Shipper);

/// <summary>
/// The grid's opportunity cost of stock, from a demand forecast: each supplying node's stock of each
/// forecast SKU, each region's expected demand, and the cost of serving a region from a node per unit
/// (its share of a typical parcel under <see cref="ShippingModel"/>, the fixed cost spread over the
/// forecast's units per order, plus the per-unit rate; the same for every SKU), priced by
/// <see cref="OpportunityCostCalculator"/>. What the opportunity-cost grain computes on each refresh
/// and the routing-quality benchmark computes on its own runs.
/// </summary>
public static class NetworkOpportunity
{
    /// <summary>The table, and how many SKUs had stock somewhere and so were solved.</summary>
    public readonly record struct Result(OpportunityCostTable Table, int Skus);

    /// <param name="supply">The supplying nodes, columns of <paramref name="stockOf"/>.</param>
    /// <param name="forecast">Demand per SKU and region (<see cref="DemandForecast"/>).</param>
    /// <param name="stockOf">Units each supplying node can promise of a SKU now (same order as <paramref name="supply"/>).</param>
    /// <param name="unmetDemandPenalty">What a unit of expected demand no node serves costs.</param>
    public static Result Compute(IReadOnlyList<SupplyNode> supply, DemandForecast forecast, Func<string, double[]> stockOf, decimal unmetDemandPenalty)
    {
        var outlooks = new List<SkuOutlook>(forecast.Skus.Count);
        foreach (var sku in forecast.Skus)
        {
            var stock = stockOf(sku);
            if (stock.Length != supply.Count)
            {
                throw new ArgumentException($"SKU {sku}: {stock.Length} stock values for {supply.Count} nodes.", nameof(stockOf));
            }
            if (stock.Any(u => u > 0))
            {
                outlooks.Add(new SkuOutlook(sku, stock, forecast.BySku[sku]));
            }
        }

        var regions = forecast.Regions;
        var unitsPerParcel = (decimal)forecast.UnitsPerOrder;
        var unitCost = new decimal[supply.Count, regions.Count];
        for (var n = 0; n < supply.Count; n++)
        {
            for (var r = 0; r < regions.Count; r++)
            {
                var quote = ShippingModel.Default.Quote(supply[n].Location, regions[r], supply[n].Shipper);
                unitCost[n, r] = quote.UnitCost + quote.ShipmentCost / unitsPerParcel;
            }
        }
        var table = OpportunityCostCalculator.Compute(supply.Select(s => s.NodeId).ToList(), regions.Count, (n, r, _) => unitCost[n, r], outlooks, Math.Max(0, unmetDemandPenalty));
        return new Result(table, outlooks.Count);
    }
}
