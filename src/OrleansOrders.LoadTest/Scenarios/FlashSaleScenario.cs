using OrleansOrders.LoadTest.Network;

namespace OrleansOrders.LoadTest.Scenarios;

/// <summary>
/// A flash sale: most lines (<see cref="HotShare"/>) are for a handful of hot SKUs, the rest is
/// everyday Zipf traffic. It concentrates contention on the hot SKUs' stock grains. The hot set is
/// chosen from the run seed, the same for every worker.
/// </summary>
public sealed class FlashSaleScenario : OrderScenario
{
    public const double HotShare = 0.8;
    public const int DefaultHotSkus = 5;

    private readonly string[] _hot;

    public FlashSaleScenario(SyntheticNetwork network, int seed, int linesPerOrder = 1, int hotSkus = DefaultHotSkus)
        : base(network, seed, linesPerOrder)
    {
        var count = Math.Clamp(hotSkus, 1, network.Skus.Count);
        var picker = new Random(MixSeed(seed, -1));
        _hot = network.Skus.OrderBy(_ => picker.Next()).Take(count).ToArray();
    }

    public override string Name => Scenarios.FlashSale;

    public IReadOnlyList<string> HotSkus => _hot;

    protected override string DrawSku(Random random, IReadOnlySet<string> alreadyOnOrder)
    {
        if (random.NextDouble() < HotShare)
        {
            var free = _hot.Where(h => !alreadyOnOrder.Contains(h)).ToList();
            if (free.Count > 0)
            {
                return free[random.Next(free.Count)];
            }
        }
        return PopularSku(random);
    }
}
