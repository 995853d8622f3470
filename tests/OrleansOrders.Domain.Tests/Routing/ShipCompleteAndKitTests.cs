using static OrleansOrders.Routing.Tests.TestData;

namespace OrleansOrders.Routing.Tests;

[Trait("Category", "fast")]
public class ShipCompleteAndKitTests
{
    private static DemandLine KitLine(string sku, int quantity, string kit) => new(sku, quantity) { KitId = kit };

    // ---- ship complete ------------------------------------------------------------------------

    [Fact]
    public void Ship_complete_takes_the_single_node_that_has_everything()
    {
        var offers = new[] { Offer("X", 1m, 0m, ("x", 5)), Offer("Y", 1m, 0m, ("y", 5)), Offer("Both", 9m, 0m, ("x", 5), ("y", 5)) };

        var plan = AllocationSolver.Solve(Demand(("x", 1), ("y", 1)), offers, new SolverOptions { ShipComplete = true, Objective = RoutingObjective.Weighted, Weights = new(1m, 0m, 0m, 0m) });

        Assert.Equal("Both[x:1,y:1]", Shape(plan));
    }

    [Fact]
    public void Ship_complete_without_a_single_cover_ships_nothing_and_backorders_everything()
    {
        var offers = new[] { Offer("X", 1m, 0m, ("x", 5)), Offer("Y", 1m, 0m, ("y", 5)) };

        var plan = AllocationSolver.Solve(Demand(("x", 1), ("y", 1)), offers, new SolverOptions { ShipComplete = true });

        Assert.Equal("| x:1,y:1", Shape(plan));
        Assert.Equal(2, plan.Backorders.Count);
    }

    [Fact]
    public void Split_orders_are_capped_at_MaxShipments_and_the_rest_is_backordered()
    {
        var offers = new[] { Offer("X", 1m, 0m, ("x", 5)), Offer("Y", 1m, 0m, ("y", 5)), Offer("Z", 1m, 0m, ("z", 5)) };

        var plan = AllocationSolver.Solve(Demand(("x", 1), ("y", 2), ("z", 3)), offers, new SolverOptions { MaxShipments = 2 });

        Assert.Equal("Y[y:2] Z[z:3] | x:1", Shape(plan));
    }

    // ---- kits ---------------------------------------------------------------------------------

    [Fact]
    public void A_kit_goes_to_one_node_even_when_splitting_it_would_be_cheaper()
    {
        var offers = new[] { Offer("A", 1m, 0m, ("frame", 1)), Offer("B", 1m, 0m, ("wheel", 2)), Offer("C", 8m, 0m, ("frame", 1), ("wheel", 2)) };

        var plan = AllocationSolver.Solve([KitLine("frame", 1, "bike"), KitLine("wheel", 2, "bike")], offers);

        Assert.Equal("C[frame:1,wheel:2]", Shape(plan));
        Assert.All(plan.Shipments[0].Lines, l => Assert.Equal("bike", l.KitId));
    }

    [Fact]
    public void A_kit_larger_than_any_node_is_backordered_whole_while_loose_lines_ship()
    {
        var offers = new[] { Offer("A", 1m, 0m, ("frame", 1), ("bell", 3)), Offer("B", 1m, 0m, ("wheel", 2)) };
        DemandLine[] demand = [KitLine("frame", 1, "bike"), KitLine("wheel", 2, "bike"), new("bell", 1)];

        var plan = AllocationSolver.Solve(demand, offers);

        Assert.Equal("A[bell:1] | frame:1,wheel:2", Shape(plan));
        Assert.All(plan.Unallocated, l => Assert.Equal("bike", l.KitId));
        Assert.All(plan.Backorders, b => Assert.Equal("bike", b.KitId));
    }

    [Fact]
    public void Kit_lines_and_loose_lines_of_the_same_sku_are_kept_apart_and_compete_for_stock()
    {
        var offers = new[] { Offer("A", 1m, 0m, ("x", 3), ("y", 1)), Offer("B", 2m, 0m, ("x", 2)) };
        DemandLine[] demand = [KitLine("x", 2, "k"), KitLine("y", 1, "k"), new("x", 3)];

        var plan = AllocationSolver.Solve(demand, offers);

        // The kit needs A (only A has y); the loose x then takes A's last unit and B's two.
        Assert.True(plan.IsComplete);
        var a = plan.Shipments.Single(s => s.NodeId == "A");
        Assert.Equal(2, a.Lines.Where(l => l.KitId == "k" && l.Sku == "x").Sum(l => l.Quantity));
        Assert.Equal(1, a.Lines.Where(l => l.KitId is null).Sum(l => l.Quantity));
        Assert.Equal("x:2", Lines(plan.Shipments.Single(s => s.NodeId == "B").Lines));
    }

    [Fact]
    public void Two_kits_may_go_to_different_nodes()
    {
        var offers = new[] { Offer("A", 1m, 0m, ("x", 1), ("y", 1)), Offer("B", 1m, 0m, ("x", 1), ("y", 1)) };
        DemandLine[] demand = [KitLine("x", 1, "k1"), KitLine("y", 1, "k1"), KitLine("x", 1, "k2"), KitLine("y", 1, "k2")];

        var plan = AllocationSolver.Solve(demand, offers);

        Assert.True(plan.IsComplete);
        Assert.Equal(2, plan.Shipments.Count);
        Assert.All(plan.Shipments, s => Assert.Single(s.Lines.Select(l => l.KitId).Distinct()));
    }

    [Fact]
    public void Greedy_partial_places_a_kit_only_whole()
    {
        var offers = new[] { Offer("A", 1m, 0m, ("x", 1), ("y", 1)), Offer("B", 1m, 0m, ("x", 5)) };
        DemandLine[] demand = [KitLine("x", 1, "k"), KitLine("y", 2, "k"), new("x", 2)];

        var plan = AllocationSolver.Solve(demand, offers);

        Assert.Equal("B[x:2] | x:1,y:2", Shape(plan));
        Assert.All(plan.Unallocated, l => Assert.Equal("k", l.KitId));
    }

    [Fact]
    public void Consolidate_merges_lines_of_the_same_sku_within_a_kit_only()
    {
        var lines = AllocationSolver.Consolidate([new("x", 1), KitLine("x", 2, "k"), new("x", 3), KitLine("x", 1, "k"), KitLine("x", 5, "j")]);

        Assert.Equal(["x::4", "x:k:3", "x:j:5"], lines.Select(l => $"{l.Sku}:{l.KitId}:{l.Quantity}"));
    }
}
