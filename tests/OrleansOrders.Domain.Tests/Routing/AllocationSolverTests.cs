using static OrleansOrders.Routing.Tests.TestData;

namespace OrleansOrders.Routing.Tests;

[Trait("Category", "fast")]
public class AllocationSolverTests
{
    // ---- degenerate inputs -------------------------------------------------------------------

    [Fact]
    public void Empty_demand_gives_an_empty_complete_plan()
    {
        var plan = AllocationSolver.Solve([], [Offer("A", 1m, 0m, ("x", 5))]);

        Assert.Empty(plan.Shipments);
        Assert.Empty(plan.Unallocated);
        Assert.True(plan.IsComplete);
        Assert.Equal(0m, plan.TotalCost);
    }

    [Fact]
    public void Demand_of_only_non_positive_lines_gives_an_empty_plan()
    {
        var plan = AllocationSolver.Solve(Demand(("x", 0), ("y", -2)), [Offer("A", 1m, 0m, ("x", 5), ("y", 5))]);

        Assert.Empty(plan.Shipments);
        Assert.Empty(plan.Unallocated);
    }

    [Fact]
    public void No_offers_leaves_the_consolidated_demand_unallocated()
    {
        var plan = AllocationSolver.Solve(Demand(("x", 2), ("y", 3), ("x", 1)), []);

        Assert.Empty(plan.Shipments);
        Assert.Equal("x:3,y:3", Lines(plan.Unallocated));
        Assert.False(plan.IsComplete);
        Assert.Equal(0m, plan.TotalCost);
    }

    [Fact]
    public void Offers_without_any_wanted_stock_leave_everything_unallocated()
    {
        var offers = new[]
        {
            Offer("A", 1m, 0m, ("z", 100)),
            Offer("B", 1m, 0m, ("x", 0), ("y", 0)),
            Offer("C", 1m, 0m),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 2), ("y", 1)), offers);

        Assert.Equal("| x:2,y:1", Shape(plan));
    }

    [Fact]
    public void Zero_max_shipments_allocates_nothing()
    {
        var plan = AllocationSolver.Solve(
            Demand(("x", 2)),
            [Offer("A", 1m, 0m, ("x", 5))],
            new SolverOptions { MaxShipments = 0 });

        Assert.Equal("| x:2", Shape(plan));
    }

    // ---- single-node cover -------------------------------------------------------------------

    [Fact]
    public void Single_node_covering_the_whole_order_beats_a_cheaper_pair_of_nodes()
    {
        var offers = new[]
        {
            Offer("P", 1m, 0.10m, ("x", 5)),
            Offer("Q", 1m, 0.10m, ("y", 5)),
            Offer("S", 10m, 1m, ("x", 5), ("y", 5)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 2), ("y", 2)), offers);

        // P + Q would cost 2.40; the whole order from S costs 10 + 4 x 1.
        Assert.Equal("S[x:2,y:2]", Shape(plan));
        Assert.Equal(14m, plan.TotalCost);
        Assert.True(plan.IsComplete);
        var shipment = Assert.Single(plan.Shipments);
        Assert.Equal(4, shipment.Units);
        Assert.Equal(Day, shipment.PromisedBy);
    }

    [Fact]
    public void Cheapest_single_cover_wins_by_total_cost_not_parcel_cost()
    {
        var offers = new[]
        {
            Offer("S1", 10m, 1.00m, ("x", 9), ("y", 9)),  // 10 + 4 x 1.00 = 14.00
            Offer("S2", 8m, 1.40m, ("x", 9), ("y", 9)),   //  8 + 4 x 1.40 = 13.60
            Offer("S3", 5m, 3.00m, ("x", 9), ("y", 9)),   //  5 + 4 x 3.00 = 17.00
            Offer("S4", 0.5m, 0m, ("x", 9), ("y", 1)),    // cheap but does not cover y
        };

        var plan = AllocationSolver.Solve(Demand(("x", 2), ("y", 2)), offers);

        Assert.Equal("S2[x:2,y:2]", Shape(plan));
        Assert.Equal(13.60m, plan.TotalCost);
    }

    [Fact]
    public void Cheaper_single_cover_wins_even_with_a_later_promise()
    {
        var offers = new[]
        {
            OfferBy("fast", 5m, 0m, Day, ("x", 3)),
            OfferBy("slow", 4.99m, 0m, Day.AddDays(5), ("x", 3)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 3)), offers);

        Assert.Equal("slow[x:3]", Shape(plan));
        Assert.Equal(Day.AddDays(5), plan.Shipments[0].PromisedBy);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Equal_cost_single_covers_prefer_the_earlier_promise(bool reversed)
    {
        var offers = new[]
        {
            OfferBy("a", 5m, 1m, Day.AddDays(2), ("x", 3)),
            OfferBy("b", 5m, 1m, Day.AddDays(1), ("x", 3)),
            OfferBy("c", 5m, 1m, Day.AddDays(3), ("x", 3)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 3)), reversed ? offers.Reverse().ToArray() : offers);

        Assert.Equal("b[x:3]", Shape(plan));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Equal_cost_and_promise_single_covers_prefer_the_ordinally_smaller_node_id(bool reversed)
    {
        // Ordinal order puts "Zeta" (Z = 0x5A) before "alpha" (a = 0x61); a culture-aware sort would not.
        var offers = new[]
        {
            Offer("alpha", 5m, 1m, ("x", 3)),
            Offer("Zeta", 5m, 1m, ("x", 3)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 3)), reversed ? offers.Reverse().ToArray() : offers);

        Assert.Equal("Zeta[x:3]", Shape(plan));
    }

    // ---- multi-node covers ---------------------------------------------------------------------

    [Fact]
    public void Without_a_single_cover_the_fewest_nodes_win_even_if_more_nodes_are_cheaper()
    {
        var offers = new[]
        {
            Offer("P", 1m, 0m, ("a", 1), ("c", 1)),
            Offer("Q", 1m, 0m, ("b", 1)),
            Offer("R", 1m, 0m, ("d", 1)),
            Offer("X", 10m, 0m, ("a", 1), ("b", 1)),
            Offer("Y", 10m, 0m, ("c", 1), ("d", 1)),
        };

        var plan = AllocationSolver.Solve(Demand(("a", 1), ("b", 1), ("c", 1), ("d", 1)), offers);

        // P + Q + R covers for 3; X + Y is the only two-node cover and costs 20.
        Assert.Equal("X[a:1,b:1] Y[c:1,d:1]", Shape(plan));
        Assert.Equal(20m, plan.TotalCost);
    }

    [Fact]
    public void Three_nodes_are_used_when_no_two_cover()
    {
        var offers = new[]
        {
            Offer("A", 3m, 0m, ("x", 1)),
            Offer("B", 1m, 0m, ("y", 1)),
            Offer("C", 2m, 0m, ("z", 1)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 1), ("y", 1), ("z", 1)), offers);

        Assert.Equal("A[x:1] B[y:1] C[z:1]", Shape(plan));
        Assert.Equal(6m, plan.TotalCost);
    }

    [Fact]
    public void Among_two_node_covers_the_cheapest_wins()
    {
        var offers = new[]
        {
            Offer("xa", 1m, 2.00m, ("x", 3)),   // 1 + 3 x 2.00 = 7.00
            Offer("xb", 3m, 0.50m, ("x", 3)),   // 3 + 3 x 0.50 = 4.50
            Offer("ya", 2m, 1.00m, ("y", 3)),   // 2 + 3 x 1.00 = 5.00
            Offer("yb", 4m, 0.10m, ("y", 3)),   // 4 + 3 x 0.10 = 4.30
        };

        var plan = AllocationSolver.Solve(Demand(("x", 3), ("y", 3)), offers);

        Assert.Equal("xb[x:3] yb[y:3]", Shape(plan));
        Assert.Equal(8.80m, plan.TotalCost);
        Assert.Equal([4.50m, 4.30m], plan.Shipments.Select(s => s.Cost));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Equal_cost_two_node_covers_prefer_the_earlier_latest_promise(bool reversed)
    {
        var offers = new[]
        {
            OfferBy("a", 1m, 0m, Day.AddDays(3), ("x", 1)),
            OfferBy("b", 1m, 0m, Day, ("x", 1)),
            OfferBy("c", 1m, 0m, Day.AddDays(1), ("y", 1)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 1), ("y", 1)), reversed ? offers.Reverse().ToArray() : offers);

        // a + c arrives by day 3, b + c by day 1.
        Assert.Equal("b[x:1] c[y:1]", Shape(plan));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Equal_cost_and_promise_two_node_covers_prefer_the_ordinally_smaller_node_ids(bool reversed)
    {
        var offers = new[]
        {
            Offer("n2", 1m, 0m, ("x", 1)),
            Offer("n1", 1m, 0m, ("x", 1)),
            Offer("n3", 1m, 0m, ("y", 1)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 1), ("y", 1)), reversed ? offers.Reverse().ToArray() : offers);

        Assert.Equal("n1[x:1] n3[y:1]", Shape(plan));
    }

    [Fact]
    public void A_line_is_split_across_two_nodes_filling_the_lower_unit_cost_first()
    {
        var offers = new[]
        {
            OfferBy("N1", 2m, 0.50m, Day.AddDays(1), ("x", 6)),
            OfferBy("N2", 1m, 1.00m, Day.AddDays(2), ("x", 7)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 10)), offers);

        Assert.Equal("N1[x:6] N2[x:4]", Shape(plan));
        Assert.Equal([5.00m, 5.00m], plan.Shipments.Select(s => s.Cost)); // 2 + 6 x 0.5, 1 + 4 x 1
        Assert.Equal([Day.AddDays(1), Day.AddDays(2)], plan.Shipments.Select(s => s.PromisedBy));
        Assert.True(plan.IsComplete);
    }

    [Fact]
    public void A_line_split_puts_as_much_as_possible_on_the_cheaper_unit_node()
    {
        var offers = new[]
        {
            Offer("N1", 2m, 1.00m, ("x", 6)),
            Offer("N2", 1m, 0.50m, ("x", 7)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 10)), offers);

        Assert.Equal("N1[x:3] N2[x:7]", Shape(plan));
        Assert.Equal(9.50m, plan.TotalCost); // (2 + 3) + (1 + 3.5)
    }

    [Fact]
    public void MaxSearchCandidates_limits_the_exhaustive_search_to_the_best_covering_offers()
    {
        var offers = new[]
        {
            Offer("A", 9m, 0m, ("x", 2), ("y", 1)),
            Offer("B", 9m, 0m, ("x", 1), ("y", 2)),
            Offer("C", 1m, 0m, ("x", 2)),
            Offer("D", 1m, 0m, ("y", 2)),
        };
        var demand = Demand(("x", 2), ("y", 2));

        var full = AllocationSolver.Solve(demand, offers);
        var narrow = AllocationSolver.Solve(demand, offers, new SolverOptions { MaxSearchCandidates = 2 });

        Assert.Equal("C[x:2] D[y:2]", Shape(full));
        Assert.Equal(2m, full.TotalCost);
        // Only the two offers covering the most units (A and B) are searched.
        Assert.Equal("A[x:2,y:1] B[y:1]", Shape(narrow));
        Assert.True(narrow.IsComplete);
    }

    // ---- partial coverage (greedy) --------------------------------------------------------------

    [Fact]
    public void Partial_coverage_takes_what_it_can_and_backorders_the_exact_remainder()
    {
        var offers = new[]
        {
            Offer("N1", 5m, 0.10m, ("x", 6), ("y", 5)),
            Offer("N2", 2m, 0.10m, ("x", 2)),
            Offer("N3", 1m, 0m, ("q", 9)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 10), ("y", 5), ("z", 3)), offers);

        Assert.Equal("N1[x:6,y:5] N2[x:2] | x:2,z:3", Shape(plan));
        Assert.Equal([6.10m, 2.20m], plan.Shipments.Select(s => s.Cost));
        Assert.Equal(8.30m, plan.TotalCost);
        Assert.False(plan.IsComplete);
    }

    [Fact]
    public void Greedy_takes_the_node_covering_the_most_first()
    {
        var offers = new[]
        {
            Offer("N1", 5m, 0m, ("x", 4), ("y", 1)),
            Offer("N2", 1m, 0m, ("y", 4)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 4), ("y", 4)), offers, new SolverOptions { MaxShipments = 1 });

        Assert.Equal("N1[x:4,y:1] | y:3", Shape(plan));
    }

    [Fact]
    public void Greedy_prefers_the_cheaper_parcel_when_coverage_ties()
    {
        var offers = new[]
        {
            Offer("N1", 5m, 0m, ("x", 4)),
            Offer("N2", 3m, 0m, ("y", 4)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 4), ("y", 4)), offers, new SolverOptions { MaxShipments = 1 });

        Assert.Equal("N2[y:4] | x:4", Shape(plan));
        Assert.Equal(3m, plan.TotalCost);
    }

    [Fact]
    public void MaxShipments_of_one_without_a_single_cover_gives_one_shipment_and_the_rest_unallocated()
    {
        var offers = new[]
        {
            Offer("A", 1m, 0m, ("x", 3)),
            Offer("B", 1m, 0m, ("y", 2)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 3), ("y", 2)), offers, new SolverOptions { MaxShipments = 1 });

        Assert.Single(plan.Shipments);
        Assert.Equal("A[x:3] | y:2", Shape(plan));
    }

    [Fact]
    public void MaxShipments_of_one_still_ships_a_single_cover_whole()
    {
        var offers = new[]
        {
            Offer("A", 1m, 0m, ("x", 3)),
            Offer("B", 1m, 0m, ("y", 2)),
            Offer("C", 9m, 0m, ("x", 3), ("y", 2)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 3), ("y", 2)), offers, new SolverOptions { MaxShipments = 1 });

        Assert.Equal("C[x:3,y:2]", Shape(plan));
    }

    [Fact]
    public void MaxShipments_caps_the_parcels_when_the_order_needs_more_nodes()
    {
        var offers = new[]
        {
            Offer("A", 3m, 0m, ("x", 1)),
            Offer("B", 1m, 0m, ("y", 1)),
            Offer("C", 2m, 0m, ("z", 1)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 1), ("y", 1), ("z", 1)), offers, new SolverOptions { MaxShipments = 2 });

        Assert.Equal("B[y:1] C[z:1] | x:1", Shape(plan));
        Assert.Equal(3m, plan.TotalCost);
    }

    // ---- input hygiene -----------------------------------------------------------------------

    [Fact]
    public void Duplicate_sku_lines_are_consolidated_into_one_shipment_line()
    {
        var plan = AllocationSolver.Solve(
            Demand(("x", 2), ("y", 1), ("x", 3)),
            [Offer("S", 1m, 1m, ("x", 5), ("y", 1))]);

        Assert.Equal("S[x:5,y:1]", Shape(plan));
        Assert.Equal(7m, plan.TotalCost);
    }

    [Fact]
    public void Duplicate_sku_lines_are_covered_as_their_sum()
    {
        // Each line alone fits in one node, but the 5 units together do not.
        var offers = new[]
        {
            Offer("N1", 1m, 0m, ("x", 4)),
            Offer("N2", 1m, 0m, ("x", 4)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 2), ("x", 3)), offers);

        Assert.Equal("N1[x:4] N2[x:1]", Shape(plan));
    }

    [Fact]
    public void Duplicate_sku_lines_are_backordered_as_their_sum()
    {
        var plan = AllocationSolver.Solve(Demand(("x", 2), ("x", 3), ("y", 0)), [Offer("N1", 1m, 0m, ("x", 4))]);

        Assert.Equal("N1[x:4] | x:1", Shape(plan));
    }

    [Fact]
    public void Offers_with_zero_availability_are_ignored()
    {
        var offers = new[]
        {
            Offer("Z", 0.01m, 0m, ("x", 0), ("y", 0)),
            Offer("A", 5m, 1m, ("x", 2)),
            Offer("B", 5m, 1m, ("y", 2)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 2), ("y", 2)), offers);

        Assert.Equal("A[x:2] B[y:2]", Shape(plan));
    }

    [Fact]
    public void Offers_with_zero_availability_do_not_use_up_a_parcel_in_a_partial_plan()
    {
        var offers = new[]
        {
            Offer("Z", 0m, 0m, ("x", 0), ("y", 0)),
            Offer("A", 5m, 0m, ("x", 1)),
        };

        var plan = AllocationSolver.Solve(Demand(("x", 2), ("y", 2)), offers, new SolverOptions { MaxShipments = 1 });

        Assert.Equal("A[x:1] | x:1,y:2", Shape(plan));
    }

    [Fact]
    public void Consolidate_merges_same_sku_lines_and_drops_non_positive_quantities()
    {
        var lines = Demand(("x", 2), ("y", 0), ("x", 3), ("z", -1), ("y", 1), ("X", 4), ("w", -5), ("w", 6));

        var consolidated = AllocationSolver.Consolidate(lines);

        // SKUs are case-sensitive; order is first appearance; non-positive lines are dropped before summing.
        Assert.Equal("x:5,y:1,X:4,w:6", Lines(consolidated));
    }

    [Fact]
    public void Consolidate_of_nothing_positive_is_empty()
    {
        Assert.Empty(AllocationSolver.Consolidate([]));
        Assert.Empty(AllocationSolver.Consolidate(Demand(("x", 0), ("y", -3))));
    }
}
