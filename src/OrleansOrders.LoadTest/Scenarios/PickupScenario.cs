using OrleansOrders.Contracts;
using OrleansOrders.LoadTest.Network;

namespace OrleansOrders.LoadTest.Scenarios;

/// <summary>
/// Customers a few kilometres from a store, buying Zipf-popular SKUs. Pickup-in-store routing does
/// not exist in the grid yet, so these orders are shipped like any other: the mix measures routing
/// when the nearest node is a shallow-stocked store.
/// </summary>
public sealed class PickupScenario(SyntheticNetwork network, int seed, int linesPerOrder = 1)
    : OrderScenario(network, seed, linesPerOrder)
{
    public override string Name => Scenarios.Pickup;

    protected override Location ShipTo(Random random)
    {
        var store = Network.Stores[random.Next(Network.Stores.Count)];
        return UsMetros.Jitter(random, store.Location, 3);
    }

    protected override string DrawSku(Random random, IReadOnlySet<string> alreadyOnOrder) => PopularSku(random);
}
