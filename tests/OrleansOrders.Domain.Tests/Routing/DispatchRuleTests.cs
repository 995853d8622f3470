using static OrleansOrders.Routing.Tests.TestData;

namespace OrleansOrders.Routing.Tests;

[Trait("Category", "fast")]
public class DispatchRuleTests
{
    private static readonly DateTimeOffset Morning = new(Day.ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero);
    private static readonly DateTimeOffset Evening = new(Day.ToDateTime(new TimeOnly(18, 30)), TimeSpan.Zero);

    // Transit 2 days (TestData quotes), own promise Day.
    private static NodeOffer Node(string id = "A", DispatchCapacity? capacity = null, TimeOnly? cutoff = null) =>
        Offer(id, 5m, 0m, ("x", 10)) with { Capacity = capacity, CutoffUtc = cutoff };

    [Fact]
    public void Without_cutoff_or_capacity_the_offers_promise_stands()
    {
        var dispatch = DispatchRule.Plan(Node(), Evening, 0);

        Assert.Equal(new Dispatch(Day, null, 0), dispatch);
    }

    [Fact]
    public void Before_the_cutoff_the_node_dispatches_the_same_day()
    {
        var dispatch = DispatchRule.Plan(Node(cutoff: new TimeOnly(16, 0)), Morning, 0);

        Assert.Equal(new Dispatch(Day.AddDays(2), Day, 0), dispatch);
    }

    [Fact]
    public void At_or_after_the_cutoff_the_order_gets_the_next_days_promise()
    {
        Assert.Equal(Day.AddDays(3), DispatchRule.Plan(Node(cutoff: new TimeOnly(16, 0)), Evening, 0)!.Value.PromisedBy);
        Assert.Equal(Day.AddDays(1), DispatchRule.Plan(Node(cutoff: new TimeOnly(18, 30)), Evening, 0)!.Value.DispatchOn);
    }

    [Fact]
    public void A_node_whose_capacity_is_used_up_today_is_left_out_without_a_delay_allowance()
    {
        Assert.Null(DispatchRule.Plan(Node(capacity: new(3, promisedToday: 3)), Morning, 0));
        Assert.NotNull(DispatchRule.Plan(Node(capacity: new(3, promisedToday: 2)), Morning, 0));
    }

    [Fact]
    public void With_a_delay_allowance_a_full_node_dispatches_on_its_first_day_with_room()
    {
        var capacity = new DispatchCapacity(2, [2, 2, 1]);

        Assert.Null(DispatchRule.Plan(Node(capacity: capacity), Morning, 1));
        var dispatch = DispatchRule.Plan(Node(capacity: capacity, cutoff: new TimeOnly(16, 0)), Morning, 2);
        Assert.Equal(new Dispatch(Day.AddDays(4), Day.AddDays(2), 2), dispatch);
    }

    [Fact]
    public void After_the_cutoff_capacity_is_counted_from_the_next_day()
    {
        // Today is full, tomorrow has room: an evening order is not delayed at all.
        var dispatch = DispatchRule.Plan(Node(capacity: new(1, [1, 0]), cutoff: new TimeOnly(16, 0)), Evening, 0);

        Assert.Equal(Day.AddDays(1), dispatch!.Value.DispatchOn);
    }

    [Fact]
    public void Without_an_order_time_a_delay_moves_the_offers_own_promise()
    {
        var dispatch = DispatchRule.Plan(Node(capacity: new(1, [1, 1])), null, 3);

        Assert.Equal(new Dispatch(Day.AddDays(2), null, 2), dispatch);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_node_with_no_daily_capacity_never_ships(int perDay)
    {
        Assert.Null(DispatchRule.Plan(Node(capacity: new(perDay, [])), Morning, 5));
    }

    [Fact]
    public void The_solver_skips_a_full_node_names_the_reason_and_dates_the_parcel()
    {
        var offers = new[]
        {
            Node("Full", capacity: new(5, promisedToday: 5)),
            Offer("Open", 9m, 0m, ("x", 10)) with { Capacity = new(5, promisedToday: 1), CutoffUtc = new TimeOnly(16, 0) },
        };

        var plan = AllocationSolver.Solve(Demand(("x", 1)), offers, new SolverOptions { OrderedAt = Evening });

        Assert.Equal("Open[x:1]", Shape(plan));
        Assert.Equal(Day.AddDays(1), plan.Shipments[0].DispatchOn);
        Assert.Equal(Day.AddDays(3), plan.Shipments[0].PromisedBy);
        Assert.Equal([new OfferExclusion("Full", "daily capacity is used up")], plan.Excluded);
    }

    [Fact]
    public void Fastest_prefers_a_node_whose_cutoff_has_not_passed()
    {
        var offers = new[]
        {
            Offer("Early", 1m, 0m, ("x", 10)) with { CutoffUtc = new TimeOnly(12, 0) },
            Offer("Late", 2m, 0m, ("x", 10)) with { CutoffUtc = new TimeOnly(20, 0) },
        };

        var plan = AllocationSolver.Solve(Demand(("x", 1)), offers, new SolverOptions { OrderedAt = Evening.AddHours(-4), Objective = RoutingObjective.Fastest });

        Assert.Equal("Late[x:1]", Shape(plan));
    }

    private static readonly TimeOnly Sixteen = new(16, 0);

    [Theory]
    [InlineData("2025-03-10T00:00:00Z", 2, "2025-03-12")]
    [InlineData("2025-03-10T09:30:00Z", 2, "2025-03-12")]
    [InlineData("2025-03-10T15:59:59Z", 2, "2025-03-12")]
    [InlineData("2025-03-10T16:00:00Z", 2, "2025-03-13")]
    [InlineData("2025-03-10T23:59:59Z", 2, "2025-03-13")]
    [InlineData("2025-03-10T10:00:00Z", 0, "2025-03-10")]
    [InlineData("2025-03-10T17:00:00Z", 0, "2025-03-11")]
    [InlineData("2025-12-31T17:00:00Z", 1, "2026-01-02")]
    public void PromiseDate_dispatches_same_day_before_the_16_00_utc_cutoff_and_next_day_after(string orderedAt, int transitDays, string expected)
    {
        Assert.Equal(DateOnly.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            DispatchRule.PromiseDate(DateTimeOffset.Parse(orderedAt, System.Globalization.CultureInfo.InvariantCulture), Sixteen, transitDays));
    }

    [Theory]
    [InlineData("2025-03-10T20:00:00+05:00", "2025-03-12")] // 15:00 UTC: before the cutoff
    [InlineData("2025-03-10T21:00:00+05:00", "2025-03-13")] // 16:00 UTC: at the cutoff
    [InlineData("2025-03-11T02:00:00+05:00", "2025-03-13")] // 21:00 UTC on the 10th: next day is the 11th
    [InlineData("2025-03-10T15:00:00-02:00", "2025-03-13")] // 17:00 UTC: after the cutoff
    [InlineData("2025-03-10T23:30:00-08:00", "2025-03-13")] // 07:30 UTC on the 11th: dispatched that UTC day
    public void PromiseDate_applies_the_cutoff_in_utc_whatever_the_offset(string orderedAt, string expected)
    {
        Assert.Equal(DateOnly.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            DispatchRule.PromiseDate(DateTimeOffset.Parse(orderedAt, System.Globalization.CultureInfo.InvariantCulture), Sixteen, transitDays: 2));
    }

    [Fact]
    public void PromiseDate_honours_the_nodes_cutoff()
    {
        var beforeNoon = new DateTimeOffset(2025, 3, 10, 11, 59, 0, TimeSpan.Zero);
        var atNoon = new DateTimeOffset(2025, 3, 10, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(new DateOnly(2025, 3, 11), DispatchRule.PromiseDate(beforeNoon, new TimeOnly(12, 0), 1));
        Assert.Equal(new DateOnly(2025, 3, 12), DispatchRule.PromiseDate(atNoon, new TimeOnly(12, 0), 1));
        // The same 12:00 order is before a 16:00 cutoff.
        Assert.Equal(new DateOnly(2025, 3, 11), DispatchRule.PromiseDate(atNoon, Sixteen, 1));
    }
}
