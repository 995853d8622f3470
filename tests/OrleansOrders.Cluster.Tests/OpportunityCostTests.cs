using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains;
using OrleansOrders.Grains.Routing;
using OrleansOrders.Routing;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// The background opportunity-cost grain over a real cluster. The cluster is shared, so each test
/// first moves the fake clock on by the demand window: every earlier order falls out of the sample
/// and the demand is exactly what the test submits (its SKUs are its own, so is its stock).
/// </summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class OpportunityCostTests(GridClusterFixture fixture)
{
    private static readonly OpportunityCostSettings Defaults = new(); // the fixture keeps them but for the refresh interval

    private readonly IGrainFactory _grains = fixture.Grains;

    private IOpportunityCostGrain Costs => _grains.GetGrain<IOpportunityCostGrain>(0);

    [Fact]
    public async Task The_last_units_near_a_region_with_demand_cost_what_serving_it_from_afar_adds_while_spare_stock_costs_nothing()
    {
        var net = new TestNetwork(_grains, "oc-scarce");
        var sku = net.Sku("x");
        var near = await net.AddNode("near", TestNetwork.Newark);
        var far = await net.AddNode("far", TestNetwork.LosAngeles);
        await net.SetStock(near, sku, 10);
        await net.SetStock(far, sku, 1000);
        await net.WaitForAvailability(sku, 1010);
        StartFreshDemandWindow();

        // Four orders of 2 to Newark, all shipped from "near": 8 units of demand a day, 2 units left there.
        var orders = await SubmitAll(net, Enumerable.Range(1, 4).Select(i => net.Order($"oc-scarce-o{i}", TestNetwork.Newark, (sku, 2))).ToList());
        Assert.All(orders, o => Assert.Equal(near, Assert.Single(o.Shipments).NodeId));
        await net.WaitForAvailability(sku, 1002);

        var summary = await Costs.Refresh();
        var nearCosts = await Costs.ForNode(near);
        var farCosts = await Costs.ForNode(far);

        // Tomorrow's 8 units: 2 from near, 6 from LA. A unit taken at near now is one more from LA
        // later: the difference of their per-unit costs (parcel cost shared by the 2 units an order carries).
        var expected = PerUnit(TestNetwork.LosAngeles, TestNetwork.Newark, 2m) - PerUnit(TestNetwork.Newark, TestNetwork.Newark, 2m);
        Assert.Equal(5.85m, expected); // (14.50 / 2 + 1.25) - (4.50 / 2 + 0.40): zone 5 against zone 1
        Assert.Equal(expected, nearCosts.BySku[sku]);
        Assert.Empty(farCosts.BySku); // 1000 units, 6 needed: spare
        Assert.Equal(fixture.Time.GetUtcNow(), summary.ComputedAt);
        Assert.Equal(summary.ComputedAt, nearCosts.ComputedAt);
        Assert.Equal(1, summary.Skus);
        Assert.Equal(1, summary.PositiveValues);
        Assert.True(summary.Regions >= 2, $"regions {summary.Regions}: Newark and Los Angeles at least");

        // Nodes copy their values into their bids (the fixture has them fetch twice a second), so the
        // router weighs them: near's last units now carry what taking them costs the network.
        var bid = new BidRequest("oc-scarce-probe", TestNetwork.Philadelphia, [new OrderLine(sku, 1)], fixture.Time.GetUtcNow());
        await Eventually.True(async () => (await _grains.GetGrain<IFulfilmentNodeGrain>(near).Bid(bid)).Terms.Any(t => t.Sku == sku && t.OpportunityCost == expected),
            "the near node's bid to carry its opportunity cost");
        Assert.DoesNotContain((await _grains.GetGrain<IFulfilmentNodeGrain>(far).Bid(bid)).Terms, t => t.OpportunityCost > 0);
    }

    [Fact]
    public async Task When_no_other_node_stocks_the_sku_its_last_units_are_worth_the_lost_sale_less_their_shipping()
    {
        var net = new TestNetwork(_grains, "oc-alone");
        var (sku, idle) = (net.Sku("x"), net.Sku("idle"));
        var only = await net.AddNode("only", TestNetwork.Chicago);
        await net.SetStock(only, sku, 5);
        await net.SetStock(only, idle, 5); // stocked, never ordered
        await net.WaitForAvailability(sku, 5);
        await net.WaitForAvailability(idle, 5);
        StartFreshDemandWindow();

        await SubmitAll(net, Enumerable.Range(1, 3).Select(i => net.Order($"oc-alone-o{i}", TestNetwork.Chicago, (sku, 1))).ToList());
        await net.WaitForAvailability(sku, 2);

        await Costs.Refresh();
        var costs = await Costs.ForNode(only);

        // 3 units expected, 2 in stock: the network loses a sale per unit taken now.
        var expected = Defaults.UnmetDemandPenalty - PerUnit(TestNetwork.Chicago, TestNetwork.Chicago, 1m);
        Assert.Equal(20.10m, expected); // 25 - (4.50 + 0.40)
        Assert.Equal(expected, costs.BySku[sku]);
        Assert.False(costs.BySku.ContainsKey(idle), "a SKU nobody ordered has no cost");
    }

    [Fact]
    public async Task Without_recent_demand_nothing_has_a_cost_and_old_values_fade_with_their_orders()
    {
        var net = new TestNetwork(_grains, "oc-fade");
        var sku = net.Sku("x");
        var node = await net.AddNode("n", TestNetwork.Dallas);
        await net.SetStock(node, sku, 3);
        await net.WaitForAvailability(sku, 3);
        StartFreshDemandWindow();

        var quiet = await Costs.Refresh();
        Assert.Equal(0, quiet.Skus);
        Assert.Equal(0, quiet.PositiveValues);
        Assert.Empty((await Costs.ForNode(node)).BySku);

        await SubmitAll(net, [net.Order("oc-fade-o1", TestNetwork.Dallas, (sku, 2))]);
        await net.WaitForAvailability(sku, 1);
        await Costs.Refresh();
        Assert.True((await Costs.ForNode(node)).BySku.GetValueOrDefault(sku) > 0, "demand 2, stock 1: the last unit is worth something");

        StartFreshDemandWindow(); // the order is now older than the window
        var later = await Costs.Refresh();
        var costs = await Costs.ForNode(node);

        Assert.Equal(0, later.Skus);
        Assert.Empty(costs.BySku);
        Assert.Equal(fixture.Time.GetUtcNow(), costs.ComputedAt);
    }

    [Fact]
    public async Task An_unknown_node_has_no_costs()
    {
        var summary = await Costs.Refresh();

        var costs = await Costs.ForNode("oc-nowhere");

        Assert.Empty(costs.BySku);
        Assert.Equal(summary.ComputedAt, costs.ComputedAt);
    }

    /// <summary>Moves business time on by exactly the demand window (whole days keep the time of day other tests expect).</summary>
    private void StartFreshDemandWindow() => fixture.Time.Advance(Defaults.DemandWindow);

    /// <summary>Submits the orders one by one and waits until their demand (passed on by the event projections) reached the cost grain.</summary>
    private async Task<List<OrderView>> SubmitAll(TestNetwork net, IReadOnlyList<OrderRequest> orders)
    {
        var views = new List<OrderView>();
        foreach (var order in orders)
        {
            var result = await _grains.GetGrain<IOrderGrain>(order.OrderId).Submit(order);
            Assert.Equal(SubmitOutcome.Accepted, result.Outcome);
            Assert.Equal(OrderStatus.Allocated, result.Order!.Status);
            views.Add(result.Order);
        }
        await Eventually.True(async () => (await Costs.Refresh()).DemandOrders >= orders.Count, $"the demand of {net.Prefix}'s orders to reach the cost grain");
        return views;
    }

    private static decimal PerUnit(Location from, Location to, decimal unitsPerParcel)
    {
        var quote = ShippingModel.Default.Quote(new GeoPoint(from.Latitude, from.Longitude), new GeoPoint(to.Latitude, to.Longitude), ShipperType.DistributionCentre);
        return quote.UnitCost + quote.ShipmentCost / unitsPerParcel;
    }
}

/// <summary>The demand forecast alone: regions, the observed span, scaling to the horizon, caps.</summary>
[Trait("Category", "fast")]
public sealed class OpportunityCostDemandForecastTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
    private static readonly GeoPoint NewYork = new(40.7128, -74.0060);
    private static readonly GeoPoint Newark = new(40.7357, -74.1724);
    private static readonly GeoPoint Chicago = new(41.8781, -87.6298);

    private static DemandOrder Order(TimeSpan ago, GeoPoint to, params (string Sku, int Quantity)[] lines) =>
        new(Now - ago, to, lines.Select(l => new DemandLine(l.Sku, l.Quantity)).ToList());

    [Fact]
    public void Node_locations_within_the_radius_share_a_region_and_demand_goes_to_the_nearest()
    {
        var regions = DemandForecast.RegionsOf([Newark, NewYork, Chicago, Chicago], radiusKm: 50);

        Assert.Equal([Newark, Chicago], regions);
        Assert.Equal(0, DemandForecast.Nearest(regions, NewYork));
        Assert.Equal(1, DemandForecast.Nearest(regions, new GeoPoint(41.5, -87.5)));
        Assert.Equal([Newark, NewYork, Chicago], DemandForecast.RegionsOf([Newark, NewYork, Chicago], radiusKm: 0));
    }

    [Fact]
    public void Units_of_the_window_are_scaled_to_the_horizon_per_region_and_sku()
    {
        var orders = new[]
        {
            Order(TimeSpan.FromHours(1), NewYork, ("a", 2), ("b", 1)),
            Order(TimeSpan.FromHours(5), Chicago, ("a", 4)),
            Order(TimeSpan.FromHours(30), Chicago, ("a", 100)), // before the window
        };

        var forecast = DemandForecast.Build([NewYork, Chicago], orders, Now - TimeSpan.FromDays(1), Now, TimeSpan.FromDays(2), 10, _ => true);

        Assert.Equal([4.0, 8.0], forecast.BySku["a"]); // twice a day's units: the horizon is two days
        Assert.Equal([2.0, 0.0], forecast.BySku["b"]);
        Assert.Equal(2, forecast.Orders);
        Assert.Equal(3.5, forecast.UnitsPerOrder); // (3 + 4) / 2
        Assert.Equal(["a", "b"], forecast.Skus); // most demanded first
    }

    [Fact]
    public void Skus_nobody_stocks_are_left_out_and_the_cap_keeps_the_most_demanded()
    {
        var orders = new[] { Order(TimeSpan.FromHours(1), NewYork, ("a", 1), ("b", 5), ("c", 3), ("gone", 9)) };

        var forecast = DemandForecast.Build([NewYork], orders, Now - TimeSpan.FromDays(1), Now, TimeSpan.FromDays(1), 2, sku => sku != "gone");

        Assert.Equal(["b", "c"], forecast.Skus);
        Assert.Equal(18.0, forecast.UnitsPerOrder); // every unit shares the parcel, stocked or not
    }

    [Fact]
    public void The_sample_covers_only_the_span_since_observing_began_or_since_the_newest_order_dropped_for_room()
    {
        var windowStart = Now - TimeSpan.FromDays(1);
        var window = new DemandSampleWindow(capacity: 2, observingSince: Now - TimeSpan.FromHours(10));
        Assert.Equal(Now - TimeSpan.FromHours(10), window.ObservedFrom(windowStart)); // a grain started 10 hours ago saw no more

        window.Add([Sample(TimeSpan.FromHours(8)), Sample(TimeSpan.FromHours(6)), Sample(TimeSpan.FromHours(1))]);
        Assert.Equal(2, window.Count);
        Assert.Equal(Now - TimeSpan.FromHours(8), window.ObservedFrom(windowStart)); // the 8-hour-old order was dropped: complete only since

        window.DropBefore(Now - TimeSpan.FromHours(2));
        Assert.Equal([Now - TimeSpan.FromHours(1)], window.Samples.Select(s => s.At));
        Assert.Equal(Now - TimeSpan.FromHours(2), window.ObservedFrom(Now - TimeSpan.FromHours(2))); // a later window start wins

        // 6 hours seen, a day ahead: four times the units.
        var forecast = DemandForecast.Build([NewYork], [Order(TimeSpan.FromHours(2), NewYork, ("a", 3))], Now - TimeSpan.FromHours(6), Now, TimeSpan.FromDays(1), 10, _ => true);
        Assert.Equal([12.0], forecast.BySku["a"]);

        static DemandSample Sample(TimeSpan ago) => new(Now - ago, new Location(40.7, -74.0), [new OrderLine("a", 1)]);
    }

    [Fact]
    public void A_burst_is_not_extrapolated_from_less_than_the_minimum_span()
    {
        var forecast = DemandForecast.Build([NewYork], [Order(TimeSpan.FromSeconds(1), NewYork, ("a", 1))], Now - TimeSpan.FromSeconds(2), Now, TimeSpan.FromHours(1), 10, _ => true);

        Assert.Equal([60.0], forecast.BySku["a"]); // 1 unit per minute (the floor), not per 2 seconds
        Assert.Empty(DemandForecast.Build([NewYork], [], Now - TimeSpan.FromDays(1), Now, TimeSpan.FromDays(1), 10, _ => true).Skus);
    }
}
