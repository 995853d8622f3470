using static OrleansOrders.Routing.Tests.TestData;

namespace OrleansOrders.Routing.Tests;

[Trait("Category", "fast")]
public class PickupRuleTests
{
    private static NodeOffer Store(string id, params (string Sku, int Quantity)[] stock) =>
        Offer(id, 0.5m, 0m, stock) with { Shipper = ShipperType.Store, DistanceKm = 8 };

    private static readonly NodeOffer Dc = Offer("dc", 6m, 0.5m, ("x", 50), ("y", 50)) with { Shipper = ShipperType.DistributionCentre, DistanceKm = 900 };

    private static SolverOptions Pickup(string store, bool split = false) => new() { PickupNodeId = store, AllowSplitShip = split };

    [Fact]
    public void A_pickup_order_is_readied_at_the_customers_store_even_when_another_node_is_cheaper()
    {
        var offers = new[] { Store("mine", ("x", 5)) with { Quote = new ShippingQuote(3m, 0m, 0, 1) }, Store("other", ("x", 5)), Dc };

        var plan = AllocationSolver.Solve(Demand(("x", 2)), offers, Pickup("mine"));

        Assert.Equal("mine[x:2]", Shape(plan));
        Assert.Equal(FulfilmentType.StorePickup, plan.Shipments[0].Fulfilment);
    }

    [Fact]
    public void Without_split_ship_what_the_store_lacks_is_backordered_never_substituted()
    {
        var offers = new[] { Store("mine", ("x", 1)), Store("other", ("x", 5), ("y", 5)), Dc };

        var plan = AllocationSolver.Solve(Demand(("x", 2), ("y", 1)), offers, Pickup("mine"));

        Assert.Equal("mine[x:1] | x:1,y:1", Shape(plan));
    }

    [Fact]
    public void With_split_ship_the_shortfall_ships_from_the_best_other_node()
    {
        var offers = new[] { Store("mine", ("x", 1)), Store("other", ("x", 5)), Dc };

        var plan = AllocationSolver.Solve(Demand(("x", 2), ("y", 1)), offers, Pickup("mine", split: true));

        Assert.Equal("dc[x:1,y:1] mine[x:1]", Shape(plan));
        Assert.Equal(FulfilmentType.ShipToHome, plan.Shipments.Single(s => s.NodeId == "dc").Fulfilment);
        Assert.Equal(FulfilmentType.StorePickup, plan.Shipments.Single(s => s.NodeId == "mine").Fulfilment);
    }

    [Fact]
    public void The_pickup_parcel_counts_against_the_parcel_limit()
    {
        var offers = new[] { Store("mine", ("x", 1)), Offer("X", 1m, 0m, ("x", 5)), Offer("Y", 1m, 0m, ("y", 5)) };

        var plan = AllocationSolver.Solve(Demand(("x", 2), ("y", 1)), offers, Pickup("mine", split: true) with { MaxShipments = 2 });

        Assert.Equal(2, plan.Shipments.Count);
        Assert.False(plan.IsComplete);
    }

    [Theory]
    [InlineData(OfferStatus.Closed)]
    [InlineData(OfferStatus.Paused)]
    public void A_closed_pickup_store_serves_nothing_and_says_why(OfferStatus status)
    {
        var offers = new[] { Store("mine", ("x", 5)) with { Status = status }, Store("other", ("x", 5)), Dc };

        var plan = AllocationSolver.Solve(Demand(("x", 2)), offers, Pickup("mine"));

        Assert.Equal("| x:2", Shape(plan));
        Assert.Equal([new OfferExclusion("mine", $"node is {status.ToString().ToLowerInvariant()}")], plan.Excluded);
    }

    [Fact]
    public void A_closed_pickup_store_with_split_ship_allowed_ships_the_whole_order()
    {
        var offers = new[] { Store("mine", ("x", 5)) with { Status = OfferStatus.Closed }, Dc };

        var plan = AllocationSolver.Solve(Demand(("x", 2)), offers, Pickup("mine", split: true));

        Assert.Equal("dc[x:2]", Shape(plan));
    }

    [Fact]
    public void A_pickup_store_that_made_no_offer_serves_nothing()
    {
        var plan = AllocationSolver.Solve(Demand(("x", 2)), [Dc], Pickup("mine"));

        Assert.Equal("| x:2", Shape(plan));
        Assert.Equal("pickup store made no offer", plan.Excluded.Single().Reason);
    }

    [Fact]
    public void Pickup_ignores_distance_and_fulfilment_restrictions_but_not_capacity()
    {
        var far = Store("mine", ("x", 5)) with { DistanceKm = 4000, ServiceRadiusKm = 10 };
        var options = Pickup("mine") with { MaxDistanceKm = 100, AllowedFulfilment = new HashSet<FulfilmentType> { FulfilmentType.ShipToHome } };

        Assert.Equal("mine[x:1]", Shape(AllocationSolver.Solve(Demand(("x", 1)), [far], options)));
        Assert.Equal("| x:1", Shape(AllocationSolver.Solve(Demand(("x", 1)), [far with { Capacity = new(10, promisedToday: 10) }], options)));
    }

    [Fact]
    public void Ship_complete_pickup_needs_the_whole_order_at_the_store()
    {
        var offers = new[] { Store("mine", ("x", 5)), Dc };

        Assert.Equal("mine[x:2]", Shape(AllocationSolver.Solve(Demand(("x", 2)), offers, Pickup("mine", split: true) with { ShipComplete = true })));
        Assert.Equal("| x:2,y:1", Shape(AllocationSolver.Solve(Demand(("x", 2), ("y", 1)), offers, Pickup("mine", split: true) with { ShipComplete = true })));
    }

    [Fact]
    public void A_pickup_kit_is_readied_only_whole()
    {
        var offers = new[] { Store("mine", ("x", 1), ("y", 0)) };
        DemandLine[] demand = [new("x", 1) { KitId = "k" }, new("y", 1) { KitId = "k" }];

        Assert.Equal("| x:1,y:1", Shape(AllocationSolver.Solve(demand, offers, Pickup("mine"))));
    }

    [Fact]
    public void A_pickup_backorder_is_promised_only_from_the_stores_inbound_unless_split_ship_is_allowed()
    {
        var store = Store("mine") with { Inbound = [new InboundReceipt("x", 5, Day.AddDays(6))] };
        var dc = Dc with { Available = new Dictionary<string, int>(), Inbound = [new InboundReceipt("x", 5, Day.AddDays(1))] };

        var pickup = AllocationSolver.Solve(Demand(("x", 2)), [store, dc], Pickup("mine"));
        var split = AllocationSolver.Solve(Demand(("x", 2)), [store, dc], Pickup("mine", split: true));

        Assert.Equal([new BackorderPromise("x", 2, "mine", Day.AddDays(9))], pickup.Backorders);
        Assert.Equal([new BackorderPromise("x", 2, "dc", Day.AddDays(4))], split.Backorders);
    }
}
