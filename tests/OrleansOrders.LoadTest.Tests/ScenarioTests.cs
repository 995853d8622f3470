using OrleansOrders.Contracts;
using OrleansOrders.LoadTest.Network;
using OrleansOrders.LoadTest.Scenarios;

namespace OrleansOrders.LoadTest.Tests;

[Trait("Category", "fast")]
public class ScenarioTests
{
    private static readonly SyntheticNetwork Network = SyntheticNetwork.Generate(new NetworkSpec(3, 24, 500));

    public static TheoryData<string> AllScenarios => new(Scenarios.Scenarios.Names);

    private static List<OrderRequest> Draw(OrderScenario scenario, int count, int stream = 0)
    {
        var orders = scenario.Stream(stream);
        return Enumerable.Range(1, count).Select(i => orders.Next($"t-{stream}-{i}")).ToList();
    }

    [Theory]
    [MemberData(nameof(AllScenarios))]
    public void Same_seed_and_stream_give_the_same_orders(string name)
    {
        var first = Draw(Scenarios.Scenarios.Create(name, Network, seed: 42), 300);
        var again = Draw(Scenarios.Scenarios.Create(name, Network, seed: 42), 300);
        var otherSeed = Draw(Scenarios.Scenarios.Create(name, Network, seed: 43), 300);
        var otherStream = Draw(Scenarios.Scenarios.Create(name, Network, seed: 42), 300, stream: 1);

        Assert.All(first.Zip(again), p => Assert.True(p.First.IsSamePayloadAs(p.Second), p.First.OrderId));
        Assert.True(first.Zip(otherSeed).Count(p => p.First.IsSamePayloadAs(p.Second)) < 30);
        Assert.NotEqual(first.Select(o => o.ShipTo), otherStream.Select(o => o.ShipTo));
    }

    [Theory]
    [MemberData(nameof(AllScenarios))]
    public void Every_order_is_valid_and_names_network_skus(string name)
    {
        var skus = Network.Skus.ToHashSet();
        var scenario = Scenarios.Scenarios.Create(name, Network, seed: 5);
        var orders = Draw(scenario, 1_000);

        Assert.All(orders, o => Assert.Empty(OrderRequestValidator.Validate(o)));
        Assert.All(orders, o => Assert.All(o.Lines, l => Assert.Contains(l.Sku, skus)));
        Assert.Equal(Scenarios.Scenarios.DefaultLines(name), scenario.LinesPerOrder);
        Assert.All(orders, o => Assert.InRange(o.Lines.Count, scenario.MinLinesPerOrder, scenario.LinesPerOrder));
    }

    [Fact]
    public void Flash_sale_puts_most_lines_on_a_few_hot_skus()
    {
        var flash = (FlashSaleScenario)Scenarios.Scenarios.Create(Scenarios.Scenarios.FlashSale, Network, seed: 9);
        var hot = flash.HotSkus.ToHashSet();
        double HotShare(IEnumerable<OrderRequest> orders)
        {
            var lines = orders.SelectMany(o => o.Lines).ToList();
            return (double)lines.Count(l => hot.Contains(l.Sku)) / lines.Count;
        }

        var flashShare = HotShare(Draw(flash, 5_000));
        var steadyShare = HotShare(Draw(Scenarios.Scenarios.Create(Scenarios.Scenarios.Steady, Network, seed: 9), 5_000));

        Assert.Equal(FlashSaleScenario.DefaultHotSkus, hot.Count);
        Assert.InRange(flashShare, 0.77, 0.90);
        Assert.True(steadyShare < 0.2, $"steady traffic put {steadyShare:P1} on the flash-sale SKUs");
    }

    [Theory]
    [InlineData(Scenarios.Scenarios.Baskets, null, 3)]
    [InlineData(Scenarios.Scenarios.Baskets, 7, 7)]
    [InlineData(Scenarios.Scenarios.Steady, 3, 3)]
    [InlineData(Scenarios.Scenarios.FlashSale, 6, 6)]
    [InlineData(Scenarios.Scenarios.Pickup, 2, 2)]
    [InlineData(Scenarios.Scenarios.Pickup, 5, 5)]
    public void Baskets_have_the_requested_number_of_distinct_lines(string name, int? lines, int expected)
    {
        var orders = Draw(Scenarios.Scenarios.Create(name, Network, seed: 11, lines), 1_000);

        Assert.All(orders, o => Assert.Equal(expected, o.Lines.Select(l => l.Sku).Distinct().Count()));
        Assert.All(orders, o => Assert.Equal(expected, o.Lines.Count));
    }

    [Fact]
    public void A_basket_as_long_as_the_range_still_has_distinct_lines()
    {
        var small = SyntheticNetwork.Generate(new NetworkSpec(1, 5, 8));
        var orders = Draw(Scenarios.Scenarios.Create(Scenarios.Scenarios.Baskets, small, seed: 1, lines: 8), 200);

        Assert.All(orders, o => Assert.Equal(8, o.Lines.Select(l => l.Sku).Distinct().Count()));
        Assert.Throws<ArgumentOutOfRangeException>(() => Scenarios.Scenarios.Create(Scenarios.Scenarios.Baskets, small, seed: 1, lines: 9));
    }

    [Fact]
    public void Pickup_orders_name_a_pickup_store_next_to_the_customer()
    {
        var orders = Draw(Scenarios.Scenarios.Create(Scenarios.Scenarios.Pickup, Network, seed: 2), 2_000);
        var nodes = Network.Nodes.ToDictionary(n => n.NodeId);

        Assert.All(orders, o =>
        {
            Assert.NotNull(o.PickupNodeId);
            var store = nodes[o.PickupNodeId];
            Assert.Equal(NodeKind.Store, store.Kind);
            Assert.True(store.Capabilities.HasFlag(NodeCapabilities.PickupInStore), store.NodeId);
            Assert.InRange(DistanceKm(store.Location, o.ShipTo), 0, 6);
            Assert.Null(o.Routing);
        });
        // Every store gets customers, about evenly.
        Assert.All(orders.CountBy(o => o.PickupNodeId!), c => Assert.InRange(c.Value, 2_000 / Network.Stores.Count / 2, 2_000 * 2 / Network.Stores.Count));
        Assert.Equal(Network.Stores.Count, orders.Select(o => o.PickupNodeId).Distinct().Count());
        var steady = Draw(Scenarios.Scenarios.Create(Scenarios.Scenarios.Steady, Network, seed: 2), 500);
        Assert.True(steady.Count(o => Network.Stores.Any(s => DistanceKm(s.Location, o.ShipTo) < 6)) < 250);
        Assert.All(steady, o => Assert.Null(o.PickupNodeId));
    }

    [Fact]
    public void Pickup_orders_mostly_buy_what_the_store_stocks_and_some_allow_split_ship()
    {
        var pickup = (PickupScenario)Scenarios.Scenarios.Create(Scenarios.Scenarios.Pickup, Network, seed: 8, lines: 2);
        var orders = Draw(pickup, 5_000);
        var stockedAt = Network.Stock.Where(s => s.Level.OnHand > s.Level.SafetyStock).Select(s => (s.NodeId, s.Sku)).ToHashSet();

        var lines = orders.SelectMany(o => o.Lines.Select(l => (Store: o.PickupNodeId!, l.Sku))).ToList();
        var onShelf = lines.Count(l => stockedAt.Contains((l.Store, l.Sku))) / (double)lines.Count;
        var splitShip = orders.Count(o => o.AllowSplitShip) / (double)orders.Count;

        // Off-shelf lines are by network popularity, and the store carries about half of those.
        Assert.InRange(onShelf, 0.92, 0.98);
        Assert.InRange(splitShip, PickupScenario.SplitShipShare - 0.03, PickupScenario.SplitShipShare + 0.03);
        Assert.All(Network.Stores, s => Assert.Equal(
            Network.Stock.Where(e => e.NodeId == s.NodeId && e.Level.OnHand > e.Level.SafetyStock).Select(e => e.Sku).Order(),
            pickup.ShelfOf(s.NodeId).Order()));
    }

    [Fact]
    public void Routing_mix_orders_make_each_routing_choice_in_equal_shares()
    {
        const int Count = 10_000;
        var orders = Draw(Scenarios.Scenarios.Create(Scenarios.Scenarios.RoutingMix, Network, seed: 6), Count);
        var byChoice = orders.GroupBy(o => RoutingMixScenario.ChoiceOf(o)).ToDictionary(g => g.Key, g => g.ToList());
        var share = 1.0 / RoutingMixScenario.Choices.Count;

        Assert.Equal(5, RoutingMixScenario.Choices.Count);
        Assert.All(RoutingMixScenario.Choices, c => Assert.InRange(byChoice[c].Count / (double)Count, share - 0.025, share + 0.025));
        Assert.All(byChoice[RoutingChoice.ChannelDefaults], o => Assert.Null(o.Routing));
        Assert.All(byChoice[RoutingChoice.Fastest], o => Assert.Equal(new RoutingPreferences(Goal: RoutingGoal.Fastest), o.Routing));
        Assert.All(byChoice[RoutingChoice.ShipComplete], o => Assert.Equal(new RoutingPreferences(ShipComplete: true), o.Routing));
        Assert.All(byChoice[RoutingChoice.ParcelLimit], o => Assert.Equal(new RoutingPreferences(MaxShipments: o.Routing!.MaxShipments), o.Routing));
        var oneParcel = byChoice[RoutingChoice.ParcelLimit].Count(o => o.Routing!.MaxShipments == 1) / (double)byChoice[RoutingChoice.ParcelLimit].Count;
        Assert.InRange(oneParcel, 0.45, 0.55);
        Assert.Equal([1, 2], byChoice[RoutingChoice.ParcelLimit].Select(o => o.Routing!.MaxShipments!.Value).Distinct().Order());
        // A kit is exactly two lines of the order; every other order has loose lines only.
        Assert.All(byChoice[RoutingChoice.Kit], o =>
        {
            Assert.Null(o.Routing);
            Assert.Equal(2, o.Lines.Count(l => l.KitId == RoutingMixScenario.KitId));
            Assert.Equal(o.Lines.Count - 2, o.Lines.Count(l => l.KitId is null));
        });
        Assert.All(orders.Where(o => RoutingMixScenario.ChoiceOf(o) != RoutingChoice.Kit), o => Assert.All(o.Lines, l => Assert.Null(l.KitId)));
        Assert.All(orders, o => Assert.Null(o.PickupNodeId));
    }

    [Theory]
    [InlineData(null, 4)]
    [InlineData(2, 2)]
    [InlineData(6, 6)]
    public void Routing_mix_orders_have_two_to_the_given_lines(int? lines, int most)
    {
        var orders = Draw(Scenarios.Scenarios.Create(Scenarios.Scenarios.RoutingMix, Network, seed: 12, lines), 3_000);

        Assert.All(orders, o => Assert.Equal(o.Lines.Count, o.Lines.Select(l => l.Sku).Distinct().Count()));
        Assert.Equal(Enumerable.Range(2, most - 1), orders.Select(o => o.Lines.Count).Distinct().Order());
        Assert.Throws<ArgumentOutOfRangeException>(() => Scenarios.Scenarios.Create(Scenarios.Scenarios.RoutingMix, Network, seed: 12, lines: 1));
        Assert.Equal(2, Scenarios.Scenarios.MinLines(Scenarios.Scenarios.RoutingMix));
    }

    [Fact]
    public void Zipf_popularity_is_skewed()
    {
        var counts = new int[Network.Skus.Count];
        var rank = Network.Skus.Select((sku, i) => (sku, i)).ToDictionary(x => x.sku, x => x.i);
        foreach (var order in Draw(Scenarios.Scenarios.Create(Scenarios.Scenarios.Steady, Network, seed: 4), 40_000))
        {
            counts[rank[order.Lines[0].Sku]]++;
        }
        var median = counts.OrderBy(c => c).ElementAt(counts.Length / 2);
        var topShare = counts[0] / 40_000.0;

        Assert.InRange(topShare, 0.12, 0.18); // 1/H(500) = 14.7%
        Assert.True(counts[0] > 50 * Math.Max(1, median), $"top {counts[0]}, median {median}");
        Assert.True(counts[0] > counts[9] && counts[9] > counts[99]);
    }

    [Fact]
    public void Zipf_probabilities_sum_to_one_and_fall_with_rank()
    {
        var zipf = new Zipf(100, 1.0);
        Assert.Equal(1.0, Enumerable.Range(0, 100).Sum(zipf.Probability), 9);
        Assert.All(Enumerable.Range(1, 99), k => Assert.True(zipf.Probability(k) < zipf.Probability(k - 1)));
        Assert.Equal(2.0, zipf.Probability(0) / zipf.Probability(1), 9);
    }

    private static double DistanceKm(Location a, Location b)
    {
        const double R = 6371;
        var dLat = (b.Latitude - a.Latitude) * Math.PI / 180;
        var dLon = (b.Longitude - a.Longitude) * Math.PI / 180;
        var h = Math.Sin(dLat / 2) * Math.Sin(dLat / 2) +
                Math.Cos(a.Latitude * Math.PI / 180) * Math.Cos(b.Latitude * Math.PI / 180) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * R * Math.Asin(Math.Sqrt(h));
    }
}
