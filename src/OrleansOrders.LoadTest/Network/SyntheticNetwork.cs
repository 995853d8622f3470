using OrleansOrders.Contracts;

namespace OrleansOrders.LoadTest.Network;

/// <summary>What the synthetic network looks like: the same spec always yields the same network.</summary>
public sealed record NetworkSpec(int Seed = NetworkSpec.DefaultSeed, int Nodes = NetworkSpec.DefaultNodes, int Skus = NetworkSpec.DefaultSkus)
{
    public const int DefaultSeed = 1;
    public const int DefaultNodes = 24;
    public const int DefaultSkus = 500;
    public const int MaxNodes = 2_000;
    public const int MaxSkus = 100_000;

    /// <summary>Problems with the spec, as messages naming the option.</summary>
    public IEnumerable<string> Validate()
    {
        if (Nodes is < 3 or > MaxNodes)
        {
            yield return $"--nodes must be between 3 (one of each kind) and {MaxNodes}, not {Nodes}.";
        }
        if (Skus is < 1 or > MaxSkus)
        {
            yield return $"--skus must be between 1 and {MaxSkus}, not {Skus}.";
        }
        if ((long)Nodes * Skus > 2_000_000)
        {
            yield return $"--nodes x --skus must be at most 2,000,000 stock records, not {(long)Nodes * Skus:N0}.";
        }
    }
}

public sealed record StockEntry(string NodeId, string Sku, StockLevel Level);

/// <summary>
/// A synthetic fulfilment network: distribution centres (a quarter of the nodes), drop-ship
/// suppliers (about 15%) and stores (the rest) around large US metros, and a SKU range whose
/// index is its popularity rank (<see cref="Skus"/>[0] sells most). Stock follows demand:
/// DCs carry about 85% of the range, deeper for popular SKUs; stores half of it, shallow, with a
/// safety stock; each supplier a contiguous 40% slice in bulk. Every SKU is stocked somewhere.
/// Node capacity is large enough not to be what a load test measures.
/// Ids live in their own namespace (<c>lt-…</c> nodes, <c>LT-…</c> SKUs), apart from the demo network.
/// </summary>
public sealed class SyntheticNetwork
{
    private SyntheticNetwork(NetworkSpec spec, IReadOnlyList<NodeProfile> nodes, IReadOnlyList<string> skus, IReadOnlyList<StockEntry> stock)
    {
        Spec = spec;
        Nodes = nodes;
        Skus = skus;
        Stock = stock;
        Stores = nodes.Where(n => n.Kind == NodeKind.Store).ToList();
        StockKeys = stock.Select(s => (s.NodeId, s.Sku)).ToList();
    }

    public NetworkSpec Spec { get; }

    public IReadOnlyList<NodeProfile> Nodes { get; }

    public IReadOnlyList<NodeProfile> Stores { get; }

    /// <summary>The SKU range, most popular first.</summary>
    public IReadOnlyList<string> Skus { get; }

    public IReadOnlyList<StockEntry> Stock { get; }

    /// <summary>Every stock grain the network seeds: what an audit reads back.</summary>
    public IReadOnlyList<(string NodeId, string Sku)> StockKeys { get; }

    public static string SkuId(int rank) => $"LT-{rank + 1:D5}";

    public static SyntheticNetwork Generate(NetworkSpec spec)
    {
        var problems = spec.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(spec));
        }
        var random = new Random(spec.Seed);
        var dcCount = Math.Max(1, (int)Math.Round(spec.Nodes * 0.25));
        var supplierCount = Math.Max(1, (int)Math.Round(spec.Nodes * 0.15));
        var storeCount = spec.Nodes - dcCount - supplierCount;

        var nodes = new List<NodeProfile>(spec.Nodes);
        for (var i = 1; i <= dcCount; i++)
        {
            var (city, point) = UsMetros.Near(random, 60);
            nodes.Add(new NodeProfile($"lt-dc-{i:D3}", $"{city} DC {i}", NodeKind.DistributionCentre, city, point,
                NodeCapabilities.ShipToHome, DailyCapacity: 10_000_000));
        }
        for (var i = 1; i <= storeCount; i++)
        {
            var (city, point) = UsMetros.Near(random, 25);
            nodes.Add(new NodeProfile($"lt-st-{i:D3}", $"{city} store {i}", NodeKind.Store, city, point,
                NodeCapabilities.PickupInStore | NodeCapabilities.ShipFromStore, DailyCapacity: 1_000_000));
        }
        for (var i = 1; i <= supplierCount; i++)
        {
            var (city, point) = UsMetros.Near(random, 80);
            nodes.Add(new NodeProfile($"lt-ds-{i:D3}", $"{city} drop-ship supplier {i}", NodeKind.DropShipSupplier, city, point,
                NodeCapabilities.ShipToHome, DailyCapacity: 5_000_000));
        }

        var skus = Enumerable.Range(0, spec.Skus).Select(SkuId).ToList();
        var stock = new List<StockEntry>();
        var stocked = new bool[spec.Skus];
        var supplierSlice = Math.Max(1, (int)Math.Ceiling(spec.Skus * 0.4));
        for (var rank = 0; rank < spec.Skus; rank++)
        {
            var popularity = 1 + 10.0 / (rank + 1); // 11x for the top SKU, ~1x for the tail
            var supplierIndex = 0;
            foreach (var node in nodes)
            {
                var level = node.Kind switch
                {
                    NodeKind.DistributionCentre => random.NextDouble() < 0.85
                        ? new StockLevel((int)(random.Next(1_000, 3_000) * popularity), 5)
                        : null,
                    NodeKind.Store => random.NextDouble() < 0.5
                        ? new StockLevel((int)(random.Next(10, 80) * Math.Min(3, popularity)), 2)
                        : null,
                    _ => InSupplierSlice(rank, supplierIndex++, supplierCount, supplierSlice, spec.Skus)
                        ? new StockLevel(random.Next(5_000, 20_000), 0)
                        : null,
                };
                if (level is not null)
                {
                    stock.Add(new StockEntry(node.NodeId, skus[rank], level));
                    stocked[rank] = true;
                }
            }
            if (!stocked[rank])
            {
                var dc = nodes[rank % dcCount];
                stock.Add(new StockEntry(dc.NodeId, skus[rank], new StockLevel((int)(random.Next(1_000, 3_000) * popularity), 5)));
            }
        }
        return new SyntheticNetwork(spec, nodes, skus, stock);
    }

    /// <summary>Supplier i carries a contiguous slice of the range starting at i/count of the way along it.</summary>
    private static bool InSupplierSlice(int rank, int supplierIndex, int supplierCount, int slice, int skuCount)
    {
        var start = (int)((long)supplierIndex * skuCount / supplierCount);
        var offset = (rank - start + skuCount) % skuCount;
        return offset < slice;
    }
}
