using OrleansOrders.Contracts;
using OrleansOrders.LoadTest.Network;

namespace OrleansOrders.LoadTest.Scenarios;

/// <summary>
/// A kind of order traffic over a synthetic network. A scenario is immutable and shared by all
/// workers of a run; each worker draws from its own <see cref="OrderStream"/>, whose random
/// generator is seeded from the run seed and the stream number, so the same seed gives the same
/// orders. Every order it makes passes <see cref="OrderRequestValidator"/>: 1-100 distinct lines,
/// quantities 1-3, a ship-to in the US.
/// </summary>
public abstract class OrderScenario
{
    private readonly Zipf _popularity;

    protected OrderScenario(SyntheticNetwork network, int seed, int linesPerOrder)
    {
        if (linesPerOrder < 1 || linesPerOrder > Math.Min(OrderRequest.MaxLines, network.Skus.Count))
        {
            throw new ArgumentOutOfRangeException(nameof(linesPerOrder),
                $"lines per order must be between 1 and {Math.Min(OrderRequest.MaxLines, network.Skus.Count)} (the SKU count caps it).");
        }
        Network = network;
        Seed = seed;
        LinesPerOrder = linesPerOrder;
        _popularity = new Zipf(network.Skus.Count);
    }

    public abstract string Name { get; }

    public SyntheticNetwork Network { get; }

    public int Seed { get; }

    public int LinesPerOrder { get; }

    /// <summary>The orders of stream <paramref name="stream"/> (one per worker): deterministic by seed and stream.</summary>
    public OrderStream Stream(int stream) => new(this, new Random(MixSeed(Seed, stream)));

    /// <summary>One order with the given id, drawn with <paramref name="random"/>.</summary>
    public OrderRequest Next(Random random, string orderId)
    {
        var shipTo = ShipTo(random);
        var skus = DistinctSkus(random);
        var lines = skus.Select(sku => new OrderLine(sku, Quantity(random))).ToList();
        return new OrderRequest(orderId, $"cust-{random.Next(1, 200_001)}", Channel(random), shipTo, lines);
    }

    /// <summary>Where the customer is: by default near a large metro.</summary>
    protected virtual Location ShipTo(Random random) => UsMetros.Near(random, 40).Point;

    /// <summary>One SKU draw; <see cref="DistinctSkus"/> draws again on a repeat.</summary>
    protected abstract string DrawSku(Random random, IReadOnlySet<string> alreadyOnOrder);

    /// <summary>A SKU by Zipf popularity: the first SKU of the range sells most.</summary>
    protected string PopularSku(Random random) => Network.Skus[_popularity.Sample(random)];

    private List<string> DistinctSkus(Random random)
    {
        var chosen = new List<string>(LinesPerOrder);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var attempt = 0; chosen.Count < LinesPerOrder && attempt < 50 * LinesPerOrder; attempt++)
        {
            var sku = DrawSku(random, seen);
            if (seen.Add(sku))
            {
                chosen.Add(sku);
            }
        }
        // A long basket over a short range can exhaust the popular SKUs: fill up in rank order.
        for (var rank = 0; chosen.Count < LinesPerOrder; rank++)
        {
            if (seen.Add(Network.Skus[rank]))
            {
                chosen.Add(Network.Skus[rank]);
            }
        }
        return chosen;
    }

    private static int Quantity(Random random) => random.NextDouble() switch
    {
        < 0.80 => 1,
        < 0.95 => 2,
        _ => 3,
    };

    private static string Channel(Random random) => random.NextDouble() switch
    {
        < 0.70 => "web",
        < 0.95 => "app",
        _ => "phone",
    };

    /// <summary>SplitMix64 finaliser: independent-looking seeds for neighbouring streams.</summary>
    internal static int MixSeed(int seed, int stream)
    {
        var z = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)(uint)stream + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)(z ^ (z >> 31));
    }
}

/// <summary>One worker's sequence of orders: a scenario and a random generator of its own. Not thread-safe.</summary>
public sealed class OrderStream(OrderScenario scenario, Random random)
{
    public OrderScenario Scenario { get; } = scenario;

    public OrderRequest Next(string orderId) => Scenario.Next(random, orderId);
}
