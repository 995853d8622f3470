using static OrleansOrders.Routing.Tests.TestData;

namespace OrleansOrders.Routing.Tests;

/// <summary>Status, radius, fulfilment type and priority tiers.</summary>
[Trait("Category", "fast")]
public class NodeRuleTests
{
    [Theory]
    [InlineData(OfferStatus.Paused, "node is paused")]
    [InlineData(OfferStatus.Closed, "node is closed")]
    public void A_node_that_is_not_open_is_left_out(OfferStatus status, string reason)
    {
        var offers = new[] { Offer("Cheap", 1m, 0m, ("x", 5)) with { Status = status }, Offer("Dear", 9m, 0m, ("x", 5)) };

        var plan = AllocationSolver.Solve(Demand(("x", 1)), offers);

        Assert.Equal("Dear[x:1]", Shape(plan));
        Assert.Equal([new OfferExclusion("Cheap", reason)], plan.Excluded);
    }

    [Fact]
    public void All_nodes_paused_leaves_everything_backordered_with_every_reason()
    {
        var offers = new[] { Offer("A", 1m, 0m, ("x", 5)) with { Status = OfferStatus.Paused }, Offer("B", 1m, 0m, ("x", 5)) with { Status = OfferStatus.Paused } };

        var plan = AllocationSolver.Solve(Demand(("x", 2)), offers);

        Assert.Equal("| x:2", Shape(plan));
        Assert.Equal(["A", "B"], plan.Excluded.Select(e => e.NodeId));
        Assert.Equal([new BackorderPromise("x", 2, null, null)], plan.Backorders);
    }

    [Fact]
    public void Zero_stock_everywhere_leaves_everything_backordered_without_a_date()
    {
        var offers = new[] { Offer("A", 1m, 0m, ("x", 0), ("y", 0)), Offer("B", 1m, 0m) };

        var plan = AllocationSolver.Solve(Demand(("x", 2), ("y", 1)), offers, new SolverOptions { Objective = RoutingObjective.Weighted });

        Assert.Equal("| x:2,y:1", Shape(plan));
        Assert.Empty(plan.Excluded);
        Assert.All(plan.Backorders, b => Assert.Null(b.PromisedBy));
    }

    [Fact]
    public void A_node_ships_only_within_its_service_radius()
    {
        var offers = new[]
        {
            Offer("Store", 1m, 0m, ("x", 5)) with { DistanceKm = 80, ServiceRadiusKm = 50 },
            Offer("Dc", 9m, 0m, ("x", 5)) with { DistanceKm = 900 },
        };

        var plan = AllocationSolver.Solve(Demand(("x", 1)), offers);

        Assert.Equal("Dc[x:1]", Shape(plan));
        Assert.Contains("radius", plan.Excluded.Single().Reason);
        Assert.Equal("Store[x:1]", Shape(AllocationSolver.Solve(Demand(("x", 1)), [offers[0] with { DistanceKm = 50 }, offers[1]])));
    }

    [Fact]
    public void The_order_may_cap_the_distance_and_offers_without_a_distance_pass()
    {
        var offers = new[]
        {
            Offer("Far", 1m, 0m, ("x", 5)) with { DistanceKm = 2500 },
            Offer("Unknown", 5m, 0m, ("x", 5)),
            Offer("Near", 9m, 0m, ("x", 5)) with { DistanceKm = 100 },
        };

        var plan = AllocationSolver.Solve(Demand(("x", 1)), offers, new SolverOptions { MaxDistanceKm = 1000 });

        Assert.Equal("Unknown[x:1]", Shape(plan));
        Assert.Equal(["Far"], plan.Excluded.Select(e => e.NodeId));
    }

    [Fact]
    public void Fulfilment_type_follows_the_shipper_and_the_order_may_exclude_types()
    {
        var offers = new[]
        {
            Offer("Supplier", 1m, 0m, ("x", 5)) with { Shipper = ShipperType.DropShipSupplier },
            Offer("Store", 2m, 0m, ("x", 5)) with { Shipper = ShipperType.Store },
            Offer("Dc", 3m, 0m, ("x", 5)) with { Shipper = ShipperType.DistributionCentre },
        };

        Assert.Equal(FulfilmentType.DropShip, AllocationSolver.Solve(Demand(("x", 1)), offers).Shipments.Single().Fulfilment);
        var noDropShip = new SolverOptions { AllowedFulfilment = new HashSet<FulfilmentType> { FulfilmentType.ShipFromStore, FulfilmentType.ShipToHome } };
        Assert.Equal(FulfilmentType.ShipFromStore, AllocationSolver.Solve(Demand(("x", 1)), offers, noDropShip).Shipments.Single().Fulfilment);
        var dcOnly = new SolverOptions { AllowedFulfilment = new HashSet<FulfilmentType> { FulfilmentType.ShipToHome } };
        var plan = AllocationSolver.Solve(Demand(("x", 1)), offers, dcOnly);
        Assert.Equal("Dc[x:1]", Shape(plan));
        Assert.Equal(FulfilmentType.ShipToHome, plan.Shipments.Single().Fulfilment);
    }

    [Fact]
    public void Priority_tiers_use_a_lower_tier_only_when_the_better_one_cannot_cover()
    {
        var offers = new[]
        {
            Offer("Dc", 9m, 0m, ("x", 5), ("y", 1)) with { Priority = 0 },
            Offer("Store", 1m, 0m, ("x", 5), ("y", 5)) with { Priority = 1 },
        };
        var tiers = new SolverOptions { PriorityTiers = true };

        Assert.Equal("Dc[x:2,y:1]", Shape(AllocationSolver.Solve(Demand(("x", 2), ("y", 1)), offers, tiers)));
        Assert.Equal("Store[x:2,y:1]", Shape(AllocationSolver.Solve(Demand(("x", 2), ("y", 1)), offers)));
        Assert.Equal("Store[x:2,y:3]", Shape(AllocationSolver.Solve(Demand(("x", 2), ("y", 3)), offers, tiers)));
    }

    [Fact]
    public void Priority_tiers_fall_back_to_a_partial_plan_over_every_tier()
    {
        var offers = new[]
        {
            Offer("Dc", 1m, 0m, ("x", 1)) with { Priority = 0 },
            Offer("Store", 1m, 0m, ("x", 2)) with { Priority = 1 },
        };

        var plan = AllocationSolver.Solve(Demand(("x", 9)), offers, new SolverOptions { PriorityTiers = true, MaxShipments = 1 });

        Assert.Equal("Store[x:2] | x:7", Shape(plan));
    }
}
