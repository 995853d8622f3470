using static OrleansOrders.Routing.Tests.TestData;

namespace OrleansOrders.Routing.Tests;

/// <summary>
/// The router's fast path must give the plan the full path gives. On seeded random networks priced
/// by the shipping model (nodes of every kind at metros near and far from the customer, stock that
/// may or may not cover, opportunity costs, tight capacity), whenever <see cref="SingleNodeShortcut.Settles"/>
/// says the first candidate's plan stands, the solver over every candidate's offer makes that plan.
/// </summary>
[Trait("Category", "fast")]
public class SingleNodeShortcutPropertyTests
{
    private const int Cases = 3000;

    private static readonly GeoPoint[] Metros =
    [
        new(40.71, -74.01), new(40.74, -74.17), new(39.95, -75.17), new(42.36, -71.06), new(38.90, -77.04),
        new(41.88, -87.63), new(33.75, -84.39), new(29.76, -95.37), new(34.05, -118.24), new(47.61, -122.33),
    ];

    private static readonly DateTimeOffset OrderedAt = new(Day.ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero);

    private static GeoPoint Near(GeoPoint at, Random rng) => new(at.Latitude + (rng.NextDouble() - 0.5) * 0.6, at.Longitude + (rng.NextDouble() - 0.5) * 0.6);

    private static NodeOffer Node(string id, GeoPoint location, GeoPoint customer, ShipperType shipper, Dictionary<string, int> stock,
        Dictionary<string, decimal> opportunity, DispatchCapacity? capacity)
    {
        var quote = ShippingModel.Default.Quote(location, customer, shipper);
        return new NodeOffer(id, stock, quote, DispatchRule.PromiseDate(OrderedAt, new TimeOnly(16, 0), quote.TransitDays))
        {
            Shipper = shipper,
            DistanceKm = location.DistanceKmTo(customer),
            OpportunityCost = opportunity,
            Capacity = capacity,
            CutoffUtc = new TimeOnly(16, 0),
        };
    }

    [Theory]
    [InlineData(RoutingObjective.FewestParcels)]
    [InlineData(RoutingObjective.LowestCost)]
    public void Whenever_the_first_candidates_plan_settles_it_the_full_solve_makes_the_same_plan(RoutingObjective objective)
    {
        var rng = new Random(20261202);
        string[] skus = ["A", "B", "C"];
        var settled = 0;
        for (var i = 0; i < Cases; i++)
        {
            var customer = Near(Metros[rng.Next(Metros.Length)], rng);
            var demand = skus.Take(rng.Next(1, skus.Length + 1)).Select(s => new DemandLine(s, rng.Next(1, 4))).ToList();
            var units = demand.Sum(d => d.Quantity);
            var offers = new List<(NodeOffer Offer, CandidateSite Site)>();
            for (var n = 0; n < rng.Next(2, 6); n++)
            {
                // The first candidate is often in the customer's own metro, the others anywhere.
                var at = n == 0 && rng.Next(3) > 0 ? Near(customer, rng) : Near(Metros[rng.Next(Metros.Length)], rng);
                var stock = skus.ToDictionary(s => s, _ => rng.Next(4) == 0 ? 0 : rng.Next(1, 6), StringComparer.Ordinal);
                var opportunity = rng.Next(3) == 0 ? skus.ToDictionary(s => s, _ => Math.Round((decimal)rng.NextDouble() * 3, 2), StringComparer.Ordinal) : [];
                var capacity = rng.Next(4) == 0 ? new DispatchCapacity(3, [rng.Next(0, 4)]) : null;
                var shipper = Enum.GetValues<ShipperType>()[rng.Next(3)];
                // The router's directory may not know a node's kind: then it bounds by the cheapest kind.
                offers.Add((Node($"n{n}", at, customer, shipper, stock, opportunity, capacity), new CandidateSite(at, rng.Next(4) == 0 ? null : shipper)));
            }
            var options = new SolverOptions { Objective = objective, OrderedAt = OrderedAt, MaxDispatchDelayDays = rng.Next(0, 2), MaxShipments = rng.Next(1, 4) };
            Assert.True(SingleNodeShortcut.Applies(options, offers.Count));

            var alone = AllocationSolver.Solve(demand, [offers[0].Offer], options);
            if (SingleNodeShortcut.Bound(offers.Select(o => o.Site).ToList(), customer, units, options) is not { } bound
                || !SingleNodeShortcut.Settles(alone, options, bound))
            {
                continue;
            }
            settled++;
            var full = AllocationSolver.Solve(demand, offers.Select(o => o.Offer).ToList(), options);
            Assert.True(Shape(full) == Shape(alone), $"case {i}: the fast path planned {Shape(alone)}, the full path {Shape(full)}");
            Assert.Equal(alone.Shipments.Select(s => (s.NodeId, s.Cost, s.PromisedBy, s.DispatchOn, s.OpportunityCost)),
                full.Shipments.Select(s => (s.NodeId, s.Cost, s.PromisedBy, s.DispatchOn, s.OpportunityCost)));
        }
        // Not vacuous: the shortcut settles a fair share of the cases (and the full path agreed on each).
        Assert.InRange(settled, Cases / 10, Cases);
    }

    [Fact]
    public void A_cheaper_or_equal_node_elsewhere_or_a_rule_beyond_cost_takes_the_full_path()
    {
        var customer = Metros[0];
        var here = Node("here", Metros[0], customer, ShipperType.DistributionCentre, new() { ["A"] = 5 }, [], null);
        var alone = AllocationSolver.Solve(Demand(("A", 2)), [here], new SolverOptions());
        var cost = alone.Shipments[0].Cost;

        Assert.True(SingleNodeShortcut.Settles(alone, new SolverOptions(), new FastPathBound(cost + 0.01m, decimal.MaxValue)));
        Assert.False(SingleNodeShortcut.Settles(alone, new SolverOptions(), new FastPathBound(cost, decimal.MaxValue))); // a tie could go to the other node
        Assert.False(SingleNodeShortcut.Settles(alone, new SolverOptions { Objective = RoutingObjective.LowestCost }, new FastPathBound(decimal.MaxValue, cost))); // a split could be as cheap
        Assert.True(SingleNodeShortcut.Settles(alone, new SolverOptions { Objective = RoutingObjective.FewestParcels }, new FastPathBound(cost + 0.01m, cost))); // fewest parcels: a split never wins
        Assert.False(SingleNodeShortcut.Settles(AllocationSolver.Solve(Demand(("A", 9)), [here], new SolverOptions()), new SolverOptions(), new FastPathBound(decimal.MaxValue, decimal.MaxValue))); // does not cover
        Assert.False(SingleNodeShortcut.Applies(new SolverOptions { Objective = RoutingObjective.Fastest }, 4));
        Assert.False(SingleNodeShortcut.Applies(new SolverOptions { PriorityTiers = true }, 4));
        Assert.False(SingleNodeShortcut.Applies(new SolverOptions { PickupNodeId = "store" }, 4));
        Assert.False(SingleNodeShortcut.Applies(new SolverOptions(), 1));
        Assert.False(SingleNodeShortcut.Applies(new SolverOptions { MaxSearchCandidates = 3 }, 4));
        // The least cost from a place is the cheapest kind of node's quote there; a known kind's is its own.
        Assert.Equal(ShippingModel.Default.Quote(Metros[5], customer, ShipperType.Store).CostFor(2),
            SingleNodeShortcut.LeastParcelCost(new CandidateSite(Metros[5], ShipperType.Store), customer, 2));
        Assert.Equal(ShippingModel.Default.Quote(Metros[5], customer, ShipperType.DistributionCentre).CostFor(2),
            SingleNodeShortcut.LeastParcelCost(Metros[5], customer, 2));
    }

    [Fact]
    public void A_known_kind_bounds_by_its_own_quote_and_a_split_is_bounded_only_where_one_can_be_made()
    {
        var customer = Metros[0];
        var lowestCost = new SolverOptions { Objective = RoutingObjective.LowestCost };
        var dc = new CandidateSite(Metros[1], ShipperType.DistributionCentre);
        var store = new CandidateSite(Metros[1], ShipperType.Store); // the same place, a dearer kind of node

        // By place alone the store could be a distribution centre there: a tie, so no fast path.
        Assert.Null(SingleNodeShortcut.Bound([dc, store with { Kind = null }], customer, 2, lowestCost));
        var bound = SingleNodeShortcut.Bound([dc, store], customer, 2, lowestCost);
        Assert.NotNull(bound);
        Assert.Equal(ShippingModel.Default.Quote(Metros[1], customer, ShipperType.Store).CostFor(2), bound.Value.OthersLeast);
        var dcQuote = ShippingModel.Default.Quote(Metros[1], customer, ShipperType.DistributionCentre);
        var storeQuote = ShippingModel.Default.Quote(Metros[1], customer, ShipperType.Store);
        Assert.Equal(dcQuote.ShipmentCost + storeQuote.ShipmentCost + 2 * dcQuote.UnitCost, bound.Value.SplitFloor); // one parcel per node

        // One unit, or one parcel allowed: no split can be made.
        Assert.Equal(decimal.MaxValue, SingleNodeShortcut.Bound([dc, store], customer, 1, lowestCost)!.Value.SplitFloor);
        Assert.Equal(decimal.MaxValue, SingleNodeShortcut.Bound([dc, store], customer, 3, lowestCost with { MaxShipments = 1 })!.Value.SplitFloor);
    }
}
