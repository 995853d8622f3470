using static OrleansOrders.Routing.Tests.TestData;

namespace OrleansOrders.Routing.Tests;

[Trait("Category", "fast")]
public class BackorderRuleTests
{
    // TestData quotes take 2 transit days; a receipt ships the day after it arrives (default).
    private static NodeOffer Node(string id, params InboundReceipt[] inbound) => Offer(id, 1m, 0m) with { Inbound = inbound };

    private static InboundReceipt In(string sku, int quantity, int day) => new(sku, quantity, Day.AddDays(day));

    [Fact]
    public void A_line_nobody_has_gets_the_date_of_the_earliest_node_whose_receipts_cover_it()
    {
        var offers = new[] { Node("A", In("x", 1, 2), In("x", 5, 9)), Node("B", In("x", 3, 4)) };

        var plan = AllocationSolver.Solve(Demand(("x", 3)), offers);

        Assert.Equal("| x:3", Shape(plan));
        Assert.Equal([new BackorderPromise("x", 3, "B", Day.AddDays(7))], plan.Backorders);
    }

    [Fact]
    public void Receipts_are_summed_over_time_at_one_node()
    {
        var plan = AllocationSolver.Solve(Demand(("x", 4)), [Node("A", In("x", 1, 2), In("x", 3, 5))]);

        Assert.Equal([new BackorderPromise("x", 4, "A", Day.AddDays(8))], plan.Backorders);
    }

    [Fact]
    public void When_no_node_covers_alone_receipts_are_combined_and_the_rest_stays_undated()
    {
        var offers = new[] { Node("A", In("x", 2, 3)), Node("B", In("x", 1, 1)) };

        var plan = AllocationSolver.Solve(Demand(("x", 5)), offers);

        Assert.Equal(
            [new BackorderPromise("x", 1, "B", Day.AddDays(4)), new BackorderPromise("x", 2, "A", Day.AddDays(6)), new BackorderPromise("x", 2, null, null)],
            plan.Backorders);
    }

    [Fact]
    public void Only_the_part_stock_cannot_cover_is_backordered_and_dated()
    {
        var offers = new[] { Offer("A", 1m, 0m, ("x", 2)) with { Inbound = [In("x", 10, 3)] } };

        var plan = AllocationSolver.Solve(Demand(("x", 5)), offers);

        Assert.Equal("A[x:2] | x:3", Shape(plan));
        Assert.Equal([new BackorderPromise("x", 3, "A", Day.AddDays(6))], plan.Backorders);
    }

    [Fact]
    public void Two_lines_never_count_on_the_same_received_unit()
    {
        var offers = new[] { Node("A", In("x", 2, 1), In("x", 2, 8)) };
        DemandLine[] demand = [new("x", 2), new("x", 2) { KitId = "k" }];

        var plan = AllocationSolver.Solve(demand, offers);

        Assert.Equal(Day.AddDays(4), plan.Backorders.Single(b => b.KitId is null).PromisedBy);
        Assert.Equal(Day.AddDays(11), plan.Backorders.Single(b => b.KitId == "k").PromisedBy);
    }

    [Fact]
    public void A_kit_is_promised_whole_from_one_node_at_its_latest_line()
    {
        var offers = new[] { Node("A", In("x", 1, 1)), Node("B", In("x", 1, 5), In("y", 1, 6)) };
        DemandLine[] demand = [new("x", 1) { KitId = "k" }, new("y", 1) { KitId = "k" }];

        var plan = AllocationSolver.Solve(demand, offers);

        Assert.All(plan.Backorders, b => Assert.Equal(("B", Day.AddDays(9)), (b.NodeId, b.PromisedBy!.Value)));
    }

    [Fact]
    public void A_kit_no_single_node_can_receive_stays_undated()
    {
        var offers = new[] { Node("A", In("x", 1, 1)), Node("B", In("y", 1, 1)) };
        DemandLine[] demand = [new("x", 1) { KitId = "k" }, new("y", 1) { KitId = "k" }];

        var plan = AllocationSolver.Solve(demand, offers);

        Assert.All(plan.Backorders, b => Assert.Null(b.PromisedBy));
    }

    [Fact]
    public void Paused_and_out_of_reach_nodes_promise_nothing_but_a_full_node_still_does()
    {
        var offers = new[]
        {
            Node("Paused", In("x", 5, 1)) with { Status = OfferStatus.Paused },
            Node("Far", In("x", 5, 1)) with { DistanceKm = 900, ServiceRadiusKm = 100 },
            Node("Full", In("x", 5, 4)) with { Capacity = new(1, promisedToday: 1) },
        };

        var plan = AllocationSolver.Solve(Demand(("x", 2)), offers);

        Assert.Equal([new BackorderPromise("x", 2, "Full", Day.AddDays(7))], plan.Backorders);
    }

    [Fact]
    public void Receipt_handling_days_and_transit_days_set_the_date()
    {
        var offers = new[] { Node("A", In("x", 5, 1)) with { Quote = new ShippingQuote(1m, 0m, TransitDays: 4, Zone: 4) } };

        var plan = AllocationSolver.Solve(Demand(("x", 1)), offers, new SolverOptions { ReceiptHandlingDays = 0 });

        Assert.Equal(Day.AddDays(5), plan.Backorders.Single().PromisedBy);
    }
}
