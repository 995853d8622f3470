using OrleansOrders.LoadTest.Network;

namespace OrleansOrders.LoadTest.Scenarios;

/// <summary>
/// Multi-line baskets (3 distinct lines by default) of Zipf-popular SKUs: orders that often split
/// over several nodes, so they exercise the solver, several holds and commits per order.
/// </summary>
public sealed class BasketsScenario(SyntheticNetwork network, int seed, int linesPerOrder = BasketsScenario.DefaultLines)
    : OrderScenario(network, seed, linesPerOrder)
{
    public const int DefaultLines = 3;

    public override string Name => Scenarios.Baskets;

    protected override string DrawSku(Random random, IReadOnlySet<string> alreadyOnOrder) => PopularSku(random);
}
