using OrleansOrders.Contracts;
using OrleansOrders.LoadTest.Network;

namespace OrleansOrders.LoadTest.Scenarios;

/// <summary>
/// A kind of order traffic over a synthetic network. A scenario is immutable and shared by all
/// workers of a run; each worker draws from its own <see cref="OrderStream"/>, whose random
/// generator is seeded from the run seed and the stream number, so the same seed gives the same
/// orders. Every order it makes passes <see cref="OrderRequestValidator"/>: 1-100 distinct lines,
/// quantities 1-3, a ship-to in the US. A scenario shapes its orders by overriding <see cref="Draw"/>
/// (the whole order) or the smaller hooks <see cref="ShipTo"/> and <see cref="DrawSku"/>.
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

    /// <summary>Lines per order: every order has this many, unless <see cref="MinLinesPerOrder"/> is lower.</summary>
    public int LinesPerOrder { get; }

    /// <summary>The fewest lines an order has; scenarios whose orders vary in length lower it.</summary>
    public virtual int MinLinesPerOrder => LinesPerOrder;

    /// <summary>"3 line(s)" or "2-4 lines", for the console and the report.</summary>
    public string LinesText => DescribeLines(MinLinesPerOrder, LinesPerOrder);

    public static string DescribeLines(int min, int max) => min == max ? $"{max} line(s)" : $"{min}-{max} lines";

    /// <summary>The orders of stream <paramref name="stream"/> (one per worker): deterministic by seed and stream.</summary>
    public OrderStream Stream(int stream) => new(this, new Random(MixSeed(Seed, stream)));

    /// <summary>One order with the given id, drawn with <paramref name="random"/>.</summary>
    public OrderRequest Next(Random random, string orderId) => Draw(random, orderId);

    /// <summary>
    /// The whole order: by default a customer from <see cref="ShipTo"/> and <see cref="LinesPerOrder"/>
    /// lines of <see cref="DrawSku"/>. An override draws from <paramref name="random"/> alone (the
    /// scenario is shared by every worker), so the same seed still gives the same orders.
    /// </summary>
    protected virtual OrderRequest Draw(Random random, string orderId)
    {
        var shipTo = ShipTo(random);
        var lines = Lines(random, LinesPerOrder, DrawSku);
        return new OrderRequest(orderId, CustomerId(random), Channel(random), shipTo, lines);
    }

    /// <summary>Where the customer is: by default near a large metro.</summary>
    protected virtual Location ShipTo(Random random) => UsMetros.Near(random, 40).Point;

    /// <summary>One SKU draw; <see cref="Lines"/> draws again on a repeat.</summary>
    protected abstract string DrawSku(Random random, IReadOnlySet<string> alreadyOnOrder);

    /// <summary>A SKU by Zipf popularity: the first SKU of the range sells most.</summary>
    protected string PopularSku(Random random) => Network.Skus[_popularity.Sample(random)];

    /// <summary><paramref name="count"/> lines of distinct SKUs from <paramref name="drawSku"/>, quantities 1-3 (mostly 1).</summary>
    protected List<OrderLine> Lines(Random random, int count, Func<Random, IReadOnlySet<string>, string> drawSku) =>
        DistinctSkus(random, count, drawSku).Select(sku => new OrderLine(sku, Quantity(random))).ToList();

    protected static string CustomerId(Random random) => $"cust-{random.Next(1, 200_001)}";

    private List<string> DistinctSkus(Random random, int count, Func<Random, IReadOnlySet<string>, string> drawSku)
    {
        var chosen = new List<string>(count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var attempt = 0; chosen.Count < count && attempt < 50 * count; attempt++)
        {
            var sku = drawSku(random, seen);
            if (seen.Add(sku))
            {
                chosen.Add(sku);
            }
        }
        // A long basket over a short range can exhaust the popular SKUs: fill up in rank order.
        for (var rank = 0; chosen.Count < count; rank++)
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

    protected static string Channel(Random random) => random.NextDouble() switch
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
