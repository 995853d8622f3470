using OrleansOrders.Routing;

namespace OrleansOrders.Benchmarks;

/// <summary>An order's lines and the offers of the nodes bidding for it.</summary>
public sealed record OrderCase(DemandLine[] Demand, NodeOffer[] Offers);

/// <summary>
/// Orders and offers drawn from a fixed seed, priced by the grid's own <see cref="ShippingModel"/>
/// as its nodes price their bids: nodes anywhere in the continental US, a customer in Denver.
/// </summary>
public static class SyntheticOrders
{
    /// <summary>A Monday, so promise dates a few days out never cross a weekend.</summary>
    public static readonly DateOnly Day = new(2025, 3, 10);

    public static readonly GeoPoint Customer = new(39.74, -104.99);

    // Each node stocks about two SKUs in three, so the larger orders need more than one parcel.
    private const double StockedShare = 0.65;

    public static OrderCase Make(int seed, int lines, int nodes)
    {
        var random = new Random(seed);
        var skus = Enumerable.Range(0, lines).Select(i => $"sku-{i:D3}").ToArray();
        var demand = skus.Select(sku => new DemandLine(sku, random.Next(1, 3))).ToArray();
        var offers = Enumerable.Range(0, nodes).Select(n => Offer(random, $"node-{n:D2}", skus)).ToArray();
        return new OrderCase(demand, offers);
    }

    public static GeoPoint RandomLocation(Random random) =>
        new(30 + random.NextDouble() * 17, -122 + random.NextDouble() * 47);

    private static NodeOffer Offer(Random random, string nodeId, string[] skus)
    {
        var shipper = (ShipperType)random.Next(Enum.GetValues<ShipperType>().Length);
        var quote = ShippingModel.Default.Quote(RandomLocation(random), Customer, shipper);
        var stock = skus
            .Where(_ => random.NextDouble() < StockedShare)
            .ToDictionary(sku => sku, _ => random.Next(1, 6), StringComparer.Ordinal);
        return new NodeOffer(nodeId, stock, quote, Day.AddDays(quote.TransitDays)) { Shipper = shipper };
    }
}
