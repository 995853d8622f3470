using OrleansOrders.Client;
using OrleansOrders.Contracts;

namespace OrleansOrders.LoadTest.Tests.Support;

/// <summary>A distribution centre and a store in Chicago with two SKUs, under ids starting with a test's prefix.</summary>
public sealed record TinyNetwork(string Prefix)
{
    public string Dc => $"{Prefix}-dc";
    public string Store => $"{Prefix}-st";
    public string SkuA => $"{Prefix}-A";
    public string SkuB => $"{Prefix}-B";

    public IReadOnlyList<(string NodeId, string Sku)> StockKeys => [(Dc, SkuA), (Dc, SkuB), (Store, SkuA), (Store, SkuB)];

    public static async Task<TinyNetwork> SeedAsync(IOrderGridClient client, string prefix)
    {
        var network = new TinyNetwork(prefix);
        await client.RegisterNodeAsync(new NodeProfile(network.Dc, "Test DC", NodeKind.DistributionCentre, "Chicago",
            new Location(41.88, -87.63), NodeCapabilities.ShipToHome, 10_000));
        await client.RegisterNodeAsync(new NodeProfile(network.Store, "Test store", NodeKind.Store, "Chicago",
            new Location(41.90, -87.65), NodeCapabilities.ShipFromStore | NodeCapabilities.PickupInStore, 10_000));
        foreach (var (node, sku) in network.StockKeys)
        {
            var onHand = node == network.Dc ? 50 : 10;
            await client.SetStockAsync(node, sku, new StockLevel(onHand, 0), $"{prefix}-seed-{node}-{sku}");
        }
        return network;
    }

    public OrderRequest Order(string orderId, params (string Sku, int Quantity)[] lines) =>
        new(orderId, "cust-1", "web", new Location(41.80, -87.70), lines.Select(l => new OrderLine(l.Sku, l.Quantity)).ToList());
}
