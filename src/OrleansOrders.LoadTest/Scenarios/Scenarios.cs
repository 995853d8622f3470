using OrleansOrders.LoadTest.Network;

namespace OrleansOrders.LoadTest.Scenarios;

/// <summary>The scenario presets of <c>--scenario</c>, by name.</summary>
public static class Scenarios
{
    public const string Steady = "steady";
    public const string FlashSale = "flash-sale";
    public const string Baskets = "baskets";
    public const string Pickup = "pickup";
    public const string RoutingMix = "routing-mix";
    public const string FlakyNode = "flaky-node";

    public static IReadOnlyList<string> Names { get; } = [Steady, FlashSale, Baskets, Pickup, RoutingMix, FlakyNode];

    public const string HelpText =
        "steady: 1-line orders, SKUs by Zipf popularity. " +
        "flash-sale: 80% of lines on 5 hot SKUs. " +
        "baskets: 3 distinct lines per order. " +
        "pickup: buy online, pick up in store: each customer orders for pickup at a store a few km away, mostly what it stocks; " +
        "30% of the orders let what it lacks ship from elsewhere. " +
        "routing-mix: 2-4 lines per order, each order with a routing choice of its own in equal shares: " +
        "none (channel defaults), goal Fastest, ship complete, at most 1 or 2 parcels, a 2-line kit. " +
        "flaky-node: steady orders, half of them near the first distribution centre, which rejects 30% of the parcels it is given " +
        "(they re-route); compare Grid__NodeReliability__Enabled=true and false.";

    public static int DefaultLines(string name) => name switch
    {
        Baskets => BasketsScenario.DefaultLines,
        RoutingMix => RoutingMixScenario.DefaultLines,
        _ => 1,
    };

    /// <summary>The least <c>--lines</c> a scenario takes (for routing-mix it is the most lines, and a kit needs two).</summary>
    public static int MinLines(string name) => name == RoutingMix ? RoutingMixScenario.MinLines : 1;

    /// <param name="lines">Lines per order; null for the scenario's default.</param>
    public static OrderScenario Create(string name, SyntheticNetwork network, int seed, int? lines = null)
    {
        var n = lines ?? DefaultLines(name);
        return name switch
        {
            Steady => new SteadyScenario(network, seed, n),
            FlashSale => new FlashSaleScenario(network, seed, n),
            Baskets => new BasketsScenario(network, seed, n),
            Pickup => new PickupScenario(network, seed, n),
            RoutingMix => new RoutingMixScenario(network, seed, n),
            FlakyNode => new FlakyNodeScenario(network, seed, n),
            _ => throw new ArgumentException($"unknown scenario '{name}': use one of {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}
