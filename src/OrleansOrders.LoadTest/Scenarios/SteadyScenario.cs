using OrleansOrders.LoadTest.Network;

namespace OrleansOrders.LoadTest.Scenarios;

/// <summary>Everyday traffic: one-line orders (by default), SKUs by Zipf popularity, customers near metros.</summary>
public sealed class SteadyScenario(SyntheticNetwork network, int seed, int linesPerOrder = 1)
    : OrderScenario(network, seed, linesPerOrder)
{
    public override string Name => Scenarios.Steady;

    protected override string DrawSku(Random random, IReadOnlySet<string> alreadyOnOrder) => PopularSku(random);
}
