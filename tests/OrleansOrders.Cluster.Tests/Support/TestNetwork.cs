using OrleansOrders.Contracts;

namespace OrleansOrders.Cluster.Tests.Support;

/// <summary>
/// Builds a small network with ids unique to one test, so tests share a cluster without sharing
/// stock. Records what it seeded, for the auditor.
/// </summary>
public sealed class TestNetwork(IGrainFactory grains, string prefix)
{
    public static readonly Location NewYork = new(40.7128, -74.0060);
    public static readonly Location Newark = new(40.7357, -74.1724);
    public static readonly Location Philadelphia = new(39.9526, -75.1652);
    public static readonly Location Chicago = new(41.8781, -87.6298);
    public static readonly Location Dallas = new(32.7767, -96.7970);
    public static readonly Location LosAngeles = new(34.0522, -118.2437);
    public static readonly Location Boston = new(42.3601, -71.0589);

    private readonly List<string> _nodes = [];
    private readonly List<(string NodeId, string Sku)> _stock = [];

    public string Prefix { get; } = prefix;

    public IReadOnlyList<string> NodeIds => _nodes;

    public IReadOnlyList<(string NodeId, string Sku)> StockKeys => _stock;

    public string Node(string name) => $"{Prefix}-{name}";

    public string Sku(string name) => $"{Prefix}-{name}";

    public async Task<string> AddNode(string name, Location location, NodeKind kind = NodeKind.DistributionCentre, int dailyCapacity = 100_000,
        Func<NodeProfile, NodeProfile>? shape = null)
    {
        var nodeId = Node(name);
        var capabilities = kind == NodeKind.Store
            ? NodeCapabilities.ShipFromStore | NodeCapabilities.PickupInStore
            : NodeCapabilities.ShipToHome;
        var profile = new NodeProfile(nodeId, name, kind, name, location, capabilities, dailyCapacity);
        await grains.GetGrain<IFulfilmentNodeGrain>(nodeId).Register(shape is null ? profile : shape(profile));
        _nodes.Add(nodeId);
        return nodeId;
    }

    public async Task SetStock(string nodeId, string sku, int onHand, int safetyStock = 0)
    {
        var snapshot = await grains.GetGrain<IFulfilmentNodeGrain>(nodeId)
            .SetStock(sku, new StockLevel(onHand, safetyStock), $"seed:{nodeId}:{sku}:{Guid.NewGuid():N}");
        Assert.NotNull(snapshot);
        if (!_stock.Contains((nodeId, sku)))
        {
            _stock.Add((nodeId, sku));
        }
    }

    /// <summary>Waits until network availability reflects what was seeded (it is fed asynchronously).</summary>
    public async Task WaitForAvailability(string sku, int expectedTotal)
    {
        await Eventually.True(async () => (await grains.GetGrain<ISkuAvailabilityGrain>(sku).Get()).TotalAvailable == expectedTotal,
            $"network availability of {sku} to reach {expectedTotal}");
    }

    /// <summary>
    /// One farther node (Boston, the next distance zone: 2 days) has both SKUs; two near ones (Newark,
    /// Philadelphia: 1 day) have one each. For a New York order of both, the cheapest plan is the one
    /// farther parcel (7.70 against 2 x 4.90) and the fastest the near split.
    /// </summary>
    public static async Task<(TestNetwork Net, string A, string B, string Far, string NearA, string NearB)> FarSingleOrNearSplit(IGrainFactory grains, string prefix, int units)
    {
        var net = new TestNetwork(grains, prefix);
        var (a, b) = (net.Sku("a"), net.Sku("b"));
        var far = await net.AddNode("far", Boston);
        var nearA = await net.AddNode("near-a", Newark);
        var nearB = await net.AddNode("near-b", Philadelphia);
        await net.SetStock(far, a, units); await net.SetStock(far, b, units);
        await net.SetStock(nearA, a, units);
        await net.SetStock(nearB, b, units);
        await net.WaitForAvailability(a, 2 * units);
        await net.WaitForAvailability(b, 2 * units);
        return (net, a, b, far, nearA, nearB);
    }

    public OrderRequest Order(string orderId, Location shipTo, params (string Sku, int Quantity)[] lines) =>
        new(orderId, "customer-1", "web", shipTo, lines.Select(l => new OrderLine(l.Sku, l.Quantity)).ToList());
}

public static class Eventually
{
    /// <summary>
    /// Polls an eventually consistent condition (network availability is fed asynchronously).
    /// This waits for a state, it asserts no timing: the limit only bounds a hung test.
    /// </summary>
    public static async Task True(Func<Task<bool>> condition, string what, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}.");
            }
            await Task.Delay(50);
        }
    }
}
