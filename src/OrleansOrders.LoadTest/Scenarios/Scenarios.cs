using OrleansOrders.LoadTest.Network;

namespace OrleansOrders.LoadTest.Scenarios;

/// <summary>The scenario presets of <c>--scenario</c>, by name.</summary>
public static class Scenarios
{
    public const string Steady = "steady";
    public const string FlashSale = "flash-sale";
    public const string Baskets = "baskets";
    public const string Pickup = "pickup";

    public static IReadOnlyList<string> Names { get; } = [Steady, FlashSale, Baskets, Pickup];

    public const string HelpText =
        "steady: 1-line orders, SKUs by Zipf popularity. " +
        "flash-sale: 80% of lines on 5 hot SKUs. " +
        "baskets: 3 distinct lines per order. " +
        "pickup: customers next to stores (pickup-in-store routing does not exist yet, so these orders ship like any other).";

    public static int DefaultLines(string name) => name == Baskets ? BasketsScenario.DefaultLines : 1;

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
            _ => throw new ArgumentException($"unknown scenario '{name}': use one of {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}
