using OrleansOrders.Contracts;

namespace OrleansOrders.Silo.Demo;

/// <summary>
/// A small US network for the first run: distribution centres, stores that ship and offer pickup,
/// and drop-ship suppliers, in real cities. Stock is deterministic (fixed seed), so the README's
/// curl lines give the same answers on every machine.
/// </summary>
public static class DemoNetwork
{
    private const NodeCapabilities StoreCapabilities = NodeCapabilities.PickupInStore | NodeCapabilities.ShipFromStore;

    public static IReadOnlyList<NodeProfile> Nodes { get; } =
    [
        new("dc-newark", "Newark DC", NodeKind.DistributionCentre, "Newark", new(40.7357, -74.1724), NodeCapabilities.ShipToHome, 5000),
        new("dc-atlanta", "Atlanta DC", NodeKind.DistributionCentre, "Atlanta", new(33.7490, -84.3880), NodeCapabilities.ShipToHome, 5000),
        new("dc-chicago", "Chicago DC", NodeKind.DistributionCentre, "Chicago", new(41.8781, -87.6298), NodeCapabilities.ShipToHome, 5000),
        new("dc-dallas", "Dallas DC", NodeKind.DistributionCentre, "Dallas", new(32.7767, -96.7970), NodeCapabilities.ShipToHome, 5000),
        new("dc-reno", "Reno DC", NodeKind.DistributionCentre, "Reno", new(39.5296, -119.8138), NodeCapabilities.ShipToHome, 5000),
        new("store-nyc-5th", "New York Fifth Avenue", NodeKind.Store, "New York", new(40.7580, -73.9855), StoreCapabilities, 400),
        new("store-boston", "Boston Back Bay", NodeKind.Store, "Boston", new(42.3503, -71.0810), StoreCapabilities, 300),
        new("store-miami", "Miami Brickell", NodeKind.Store, "Miami", new(25.7617, -80.1918), StoreCapabilities, 300),
        new("store-denver", "Denver Cherry Creek", NodeKind.Store, "Denver", new(39.7392, -104.9903), StoreCapabilities, 300),
        new("store-seattle", "Seattle Downtown", NodeKind.Store, "Seattle", new(47.6062, -122.3321), StoreCapabilities, 300),
        new("store-sf", "San Francisco Union Square", NodeKind.Store, "San Francisco", new(37.7880, -122.4075), StoreCapabilities, 300),
        new("ds-memphis", "Memphis Drop-Ship Supplier", NodeKind.DropShipSupplier, "Memphis", new(35.1495, -90.0490), NodeCapabilities.ShipToHome, 2000),
        new("ds-phoenix", "Phoenix Drop-Ship Supplier", NodeKind.DropShipSupplier, "Phoenix", new(33.4484, -112.0740), NodeCapabilities.ShipToHome, 2000),
    ];

    public static string Sku(int index) => $"SKU-{index:D4}";

    /// <summary>
    /// Stock of every SKU at every node: DCs carry the whole range in depth, stores a shallower
    /// share of it, suppliers the upper half of the range in bulk. SKU-0001 is stocked everywhere.
    /// </summary>
    public static IEnumerable<(string NodeId, string Sku, StockLevel Level)> Stock(int skuCount)
    {
        var random = new Random(20261127);
        for (var i = 1; i <= skuCount; i++)
        {
            var sku = Sku(i);
            foreach (var node in Nodes)
            {
                var onHand = node.Kind switch
                {
                    NodeKind.DistributionCentre => random.Next(100, 600),
                    NodeKind.Store => i == 1 || random.NextDouble() < 0.6 ? random.Next(5, 40) : 0,
                    _ => i > skuCount / 2 ? random.Next(500, 2000) : 0,
                };
                var safety = node.Kind == NodeKind.Store && onHand > 0 ? 2 : 0;
                if (onHand > 0)
                {
                    yield return (node.NodeId, sku, new StockLevel(onHand, safety));
                }
            }
        }
    }
}
