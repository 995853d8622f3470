using static OrleansOrders.Routing.Tests.TestData;

namespace OrleansOrders.Routing.Tests;

[Trait("Category", "fast")]
public class ObjectiveTests
{
    private static SolverOptions With(RoutingObjective objective, ObjectiveWeights? weights = null) =>
        new() { Objective = objective, Weights = weights ?? ObjectiveWeights.Default };

    // ---- Fastest ------------------------------------------------------------------------------

    [Fact]
    public void Fastest_takes_the_earlier_promise_over_the_cheaper_node()
    {
        var offers = new[]
        {
            OfferBy("Cheap", 3m, 0m, Day.AddDays(5), ("x", 5)),
            OfferBy("Quick", 9m, 0m, Day.AddDays(1), ("x", 5)),
        };

        Assert.Equal("Cheap[x:2]", Shape(AllocationSolver.Solve(Demand(("x", 2)), offers)));
        Assert.Equal("Quick[x:2]", Shape(AllocationSolver.Solve(Demand(("x", 2)), offers, With(RoutingObjective.Fastest))));
    }

    [Fact]
    public void Fastest_splits_when_two_quick_parcels_beat_one_slow_parcel()
    {
        var offers = new[]
        {
            OfferBy("Slow", 1m, 0m, Day.AddDays(6), ("x", 5), ("y", 5)),
            OfferBy("QuickX", 5m, 0m, Day.AddDays(1), ("x", 5)),
            OfferBy("QuickY", 5m, 0m, Day.AddDays(2), ("y", 5)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 1), ("y", 1)), offers, With(RoutingObjective.Fastest));

        Assert.Equal("QuickX[x:1] QuickY[y:1]", Shape(plan));
        Assert.Equal("Slow[x:1,y:1]", Shape(AllocationSolver.Solve(Demand(("x", 1), ("y", 1)), offers)));
    }

    [Fact]
    public void Fastest_prefers_fewer_parcels_then_cost_when_promises_tie()
    {
        var offers = new[]
        {
            OfferBy("Both", 9m, 0m, Day.AddDays(2), ("x", 5), ("y", 5)),
            OfferBy("X", 1m, 0m, Day.AddDays(2), ("x", 5)),
            OfferBy("Y", 1m, 0m, Day.AddDays(2), ("y", 5)),
        };

        Assert.Equal("Both[x:1,y:1]", Shape(AllocationSolver.Solve(Demand(("x", 1), ("y", 1)), offers, With(RoutingObjective.Fastest))));
    }

    // ---- StockBalance -------------------------------------------------------------------------

    [Fact]
    public void StockBalance_spares_a_nearly_empty_node_for_a_slightly_dearer_well_stocked_one()
    {
        var offers = new[]
        {
            Offer("Thin", 4m, 0.5m, ("x", 2)),
            Offer("Deep", 5m, 0.5m, ("x", 200)),
        };

        // Default depletion weight 5: Thin scores 4.5 + 5 * 1/2 = 7 against Deep's 5.5 + 5 * 1/200.
        Assert.Equal("Thin[x:1]", Shape(AllocationSolver.Solve(Demand(("x", 1)), offers)));
        Assert.Equal("Deep[x:1]", Shape(AllocationSolver.Solve(Demand(("x", 1)), offers, With(RoutingObjective.StockBalance))));
    }

    [Fact]
    public void StockBalance_still_takes_the_cheap_node_when_the_saving_outweighs_the_depletion()
    {
        var offers = new[]
        {
            Offer("Thin", 1m, 0m, ("x", 2)),
            Offer("Deep", 9m, 0m, ("x", 200)),
        };

        Assert.Equal("Thin[x:1]", Shape(AllocationSolver.Solve(Demand(("x", 1)), offers, With(RoutingObjective.StockBalance))));
    }

    [Fact]
    public void StockBalance_keeps_the_fewest_parcels_rule()
    {
        var offers = new[]
        {
            Offer("Thin", 1m, 0m, ("x", 2), ("y", 1)),
            Offer("DeepX", 1m, 0m, ("x", 500)),
            Offer("DeepY", 1m, 0m, ("y", 500)),
        };

        Assert.Equal("Thin[x:2,y:1]", Shape(AllocationSolver.Solve(Demand(("x", 2), ("y", 1)), offers, With(RoutingObjective.StockBalance))));
    }

    [Fact]
    public void StockBalance_splits_a_line_taking_units_from_the_deeper_node_first()
    {
        var offers = new[]
        {
            Offer("A", 1m, 0m, ("x", 3), ("y", 1)),
            Offer("B", 1m, 0m, ("x", 30)),
        };
        var demand = Demand(("x", 4), ("y", 1));

        // Both nodes are needed either way; the default (FewestParcels) fills x from A first (a tie, broken by id),
        // StockBalance from the deeper B.
        Assert.Equal("A[x:3,y:1] B[x:1]", Shape(AllocationSolver.Solve(demand, offers)));
        Assert.Equal("A[y:1] B[x:4]", Shape(AllocationSolver.Solve(demand, offers, With(RoutingObjective.StockBalance))));
    }

    // ---- Weighted -----------------------------------------------------------------------------

    [Fact]
    public void Weighted_trades_days_against_cost_at_the_given_rate()
    {
        var offers = new[]
        {
            OfferBy("Cheap", 3m, 0m, Day.AddDays(4), ("x", 5)),
            OfferBy("Quick", 6m, 0m, Day.AddDays(1), ("x", 5)),
        };

        // Three days faster for 3 more: PerDay 0.5 says no, PerDay 2 says yes.
        Assert.Equal("Cheap[x:1]", Shape(AllocationSolver.Solve(Demand(("x", 1)), offers, With(RoutingObjective.Weighted, new(1m, 0.5m, 0m, 0m)))));
        Assert.Equal("Quick[x:1]", Shape(AllocationSolver.Solve(Demand(("x", 1)), offers, With(RoutingObjective.Weighted, new(1m, 2m, 0m, 0m)))));
    }

    [Fact]
    public void Weighted_with_cost_only_takes_a_cheaper_split_over_a_single_parcel_unlike_FewestParcels()
    {
        var offers = new[]
        {
            Offer("Both", 10m, 1m, ("x", 5), ("y", 5)),
            Offer("X", 1m, 0.1m, ("x", 5)),
            Offer("Y", 1m, 0.1m, ("y", 5)),
        };
        var demand = Demand(("x", 2), ("y", 2));

        Assert.Equal("Both[x:2,y:2]", Shape(AllocationSolver.Solve(demand, offers)));
        Assert.Equal("X[x:2] Y[y:2]", Shape(AllocationSolver.Solve(demand, offers, With(RoutingObjective.Weighted, new(1m, 0m, 0m, 0m)))));
        Assert.Equal("X[x:2] Y[y:2]", Shape(AllocationSolver.Solve(demand, offers, With(RoutingObjective.LowestCost))));
        // A per-parcel charge of 12 makes the split (2.40 + 24) dearer than the single parcel (14 + 12) again.
        Assert.Equal("Both[x:2,y:2]", Shape(AllocationSolver.Solve(demand, offers, With(RoutingObjective.Weighted, new(1m, 0m, 0m, 12m)))));
    }

    // ---- opportunity cost ---------------------------------------------------------------------

    [Fact]
    public void Opportunity_cost_moves_the_order_off_the_node_the_network_depends_on()
    {
        var offers = new[]
        {
            Offer("Hub", 4m, 0.5m, ("x", 3)) with { OpportunityCost = new Dictionary<string, decimal> { ["x"] = 6m } },
            Offer("Edge", 7m, 0.5m, ("x", 3)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 1)), offers);

        Assert.Equal("Edge[x:1]", Shape(plan));
        Assert.Equal(7.5m, plan.TotalCost); // the parcel's price does not include the opportunity cost
        Assert.Equal(0m, plan.Shipments[0].OpportunityCost);
        Assert.Equal("Hub[x:1]", Shape(AllocationSolver.Solve(Demand(("x", 1)), offers, new SolverOptions { OpportunityCostWeight = 0m })));
    }

    [Fact]
    public void Opportunity_cost_steers_a_split_line_to_the_node_whose_units_matter_less()
    {
        var offers = new[]
        {
            Offer("A", 1m, 0.1m, ("x", 3)) with { OpportunityCost = new Dictionary<string, decimal> { ["x"] = 2m } },
            Offer("B", 1m, 0.5m, ("x", 3)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 4)), offers);

        Assert.Equal("A[x:1] B[x:3]", Shape(plan));
        Assert.Equal(2m, plan.Shipments.Single(s => s.NodeId == "A").OpportunityCost);
    }

    // ---- ties ---------------------------------------------------------------------------------

    [Fact]
    public void Priority_breaks_a_tie_the_objective_leaves()
    {
        var offers = new[]
        {
            Offer("A", 5m, 0m, ("x", 5)) with { Priority = 2 },
            Offer("B", 5m, 0m, ("x", 5)) with { Priority = 1 },
        };

        Assert.Equal("B[x:1]", Shape(AllocationSolver.Solve(Demand(("x", 1)), offers)));
    }

    [Fact]
    public void Per_sku_unit_costs_price_the_parcel_and_pick_the_node()
    {
        var offers = new[]
        {
            Offer("A", 5m, 0.1m, ("heavy", 5)) with { UnitCostBySku = new Dictionary<string, decimal> { ["heavy"] = 3m } },
            Offer("B", 6m, 0.1m, ("heavy", 5)),
        };

        var plan = AllocationSolver.Solve(Demand(("heavy", 2)), offers);

        Assert.Equal("B[heavy:2]", Shape(plan));
        Assert.Equal(6.2m, plan.TotalCost);
    }
}
