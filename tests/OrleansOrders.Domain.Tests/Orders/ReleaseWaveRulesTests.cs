using OrleansOrders.Orders;

namespace OrleansOrders.Domain.Tests.Orders;

/// <summary>Release policies (when a soft parcel goes to its node) and the re-optimiser's rule and moves.</summary>
[Trait("Category", "fast")]
public sealed class ReleaseWaveRulesTests
{
    private static readonly DateTimeOffset Monday0940 = new(2026, 11, 30, 9, 40, 0, TimeSpan.Zero);
    private static readonly DateOnly Monday = new(2026, 11, 30);

    private static DateTimeOffset At(int day, int hour, int minute) => new(2026, 11, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void Immediate_never_waits()
    {
        Assert.Null(ReleasePolicy.Immediate.ReleaseAt(Monday0940, Monday, new TimeOnly(15, 0)));
    }

    [Fact]
    public void Waves_at_times_of_day_take_the_next_one_and_after_the_last_the_first_of_tomorrow()
    {
        var policy = ReleasePolicy.Waves(new TimeOnly(14, 0), new TimeOnly(10, 0));
        Assert.Equal(At(30, 10, 0), policy.ReleaseAt(Monday0940, null, null));
        Assert.Equal(At(30, 14, 0), policy.ReleaseAt(At(30, 10, 0), null, null)); // a parcel made at a wave waits for the next
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), policy.ReleaseAt(At(30, 16, 0), null, null));
    }

    [Fact]
    public void Waves_every_interval_count_from_midnight_utc()
    {
        var policy = ReleasePolicy.WavesEvery(TimeSpan.FromMinutes(15));
        Assert.Equal(At(30, 9, 45), policy.ReleaseAt(Monday0940, null, null));
        Assert.Equal(At(30, 10, 0), policy.ReleaseAt(At(30, 9, 45), null, null));
    }

    [Fact]
    public void A_parcel_dispatching_on_a_later_day_waits_for_a_wave_of_that_day()
    {
        var policy = ReleasePolicy.Waves(new TimeOnly(8, 0));
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero), policy.ReleaseAt(Monday0940, new DateOnly(2026, 12, 2), null));
    }

    [Fact]
    public void Before_cutoff_releases_a_lead_time_before_the_cutoff_or_at_once_when_that_passed_or_there_is_none()
    {
        var policy = ReleasePolicy.BeforeCutoff(TimeSpan.FromHours(2));
        Assert.Equal(At(30, 13, 0), policy.ReleaseAt(Monday0940, Monday, new TimeOnly(15, 0)));
        Assert.Null(policy.ReleaseAt(At(30, 13, 30), Monday, new TimeOnly(15, 0)));
        Assert.Null(policy.ReleaseAt(Monday0940, Monday, null));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 13, 0, 0, TimeSpan.Zero), policy.ReleaseAt(At(30, 16, 0), new DateOnly(2026, 12, 1), new TimeOnly(15, 0)));
    }

    [Fact]
    public void Policies_that_cannot_run_say_why()
    {
        Assert.NotEmpty(new ReleasePolicy(ReleaseMode.Waves, [], null, TimeSpan.Zero).Problems());
        Assert.NotEmpty(ReleasePolicy.WavesEvery(TimeSpan.Zero).Problems());
        Assert.NotEmpty(ReleasePolicy.BeforeCutoff(TimeSpan.FromHours(-1)).Problems());
        Assert.NotEmpty(new ReleasePolicy((ReleaseMode)9, [], null, TimeSpan.Zero).Problems());
        Assert.Empty(ReleasePolicy.Waves(new TimeOnly(10, 0)).Problems());
    }

    [Theory]
    [InlineData(2, 9.80, 1, 7.70, 0.5, true)]   // fewer parcels and cheaper
    [InlineData(2, 9.80, 1, 9.80, 0.5, true)]   // fewer parcels at the same cost
    [InlineData(2, 9.80, 1, 10.00, 0.5, false)] // fewer parcels but dearer
    [InlineData(1, 7.70, 1, 4.90, 0.5, true)]   // same parcels, saving above the bar
    [InlineData(1, 7.70, 1, 7.40, 0.5, false)]  // saving below the bar
    [InlineData(1, 7.70, 2, 5.00, 0.5, false)]  // cheaper but in more parcels
    [InlineData(1, 7.70, 1, 7.70, 0, false)]    // no gain, even with no bar: a move must gain
    public void The_re_optimiser_moves_only_for_a_clear_gain(int parcels, double cost, int newParcels, double newCost, double minSaving, bool swap)
    {
        var decision = Reoptimiser.Decide(new PlanCost(parcels, (decimal)cost), new PlanCost(newParcels, (decimal)newCost), coversAll: true, (decimal)minSaving);
        Assert.Equal(swap, decision.Swap);
        Assert.False(string.IsNullOrWhiteSpace(decision.Reason));
    }

    [Fact]
    public void A_plan_that_leaves_units_uncovered_is_never_taken()
    {
        Assert.False(Reoptimiser.Decide(new PlanCost(2, 20m), new PlanCost(1, 1m), coversAll: false, 0m).Swap);
    }

    private static OrderAggregate SoftOrder(DateTimeOffset releaseAt) => new("o1",
        [new Parcel("s1", "far", "o1", ParcelStage.Released, [new PlanLine("a", 2)], Monday, false, releaseAt)],
        [], [], cancelled: false, claimsUnderOrderId: 0, reservationCount: 1, parcelCount: 1);

    [Fact]
    public void A_soft_parcel_refuses_node_steps_until_released_then_releases_once()
    {
        var plan = SoftOrder(At(30, 10, 0));
        Assert.NotNull(plan.CheckStep("s1", ParcelStep.Acknowledge).Refusal);
        Assert.NotNull(plan.Reject("s1", null, false, "no"));
        Assert.Empty(plan.ReleaseDue("far", At(30, 9, 59)));
        Assert.Equal(At(30, 10, 0), plan.NextReleaseAt("far"));
        Assert.Equal(["s1"], plan.ReleaseDue("far", At(30, 10, 0)));
        Assert.Null(plan.CheckStep("s1", ParcelStep.Acknowledge).Refusal);
        Assert.Empty(plan.ReleaseDue("far", At(30, 10, 0), force: true));
        Assert.Null(plan.NextReleaseAt("far"));
        Assert.Empty(plan.Outbox); // releasing owes nobody anything
    }

    [Fact]
    public void A_completed_move_gives_back_the_old_parcels_and_owes_no_commit_for_the_new()
    {
        var plan = SoftOrder(At(30, 10, 0));
        Assert.True(plan.CanReoptimise);
        var reservation = plan.TakeProposalReservation();
        Assert.Equal("o1~1", reservation);
        var ids = plan.CompleteSwap(reservation, [("near", [new PlanLine("a", 2)], Monday, null)], "cheaper");
        Assert.Equal(["s2"], ids);
        Assert.Equal(ParcelStage.Cancelled, plan.Find("s1")!.Stage);
        Assert.Equal("o1~1", plan.Find("s2")!.ReservationId);
        Assert.DoesNotContain(plan.Outbox, c => c.Kind == OrderCallKind.Commit);
        Assert.Contains(plan.Outbox, c => c is { Kind: OrderCallKind.Release, NodeId: "far", OperationId: "o1", Quantity: 2 });
        Assert.Contains(plan.Outbox, c => c is { Kind: OrderCallKind.ReleaseCapacity, NodeId: "far" });
        Assert.Contains(plan.Facts, f => f.Kind == OrderFactKind.OrderReoptimised);
        Assert.False(plan.CanReoptimise); // the new parcel is released: the order is no longer soft
    }

    [Fact]
    public void An_abandoned_proposal_gives_back_its_stock_and_capacity_and_the_old_plan_is_untouched()
    {
        var plan = SoftOrder(At(30, 10, 0));
        var reservation = plan.TakeProposalReservation();
        plan.AbandonProposal(reservation, [("near", [new PlanLine("a", 2)], Monday)]);
        Assert.Equal(ParcelStage.Released, plan.Find("s1")!.Stage);
        Assert.True(plan.Find("s1")!.IsSoft);
        Assert.Equal(2, plan.ReservationCount); // the id is burnt either way
        Assert.Equal(
            [(OrderCallKind.Release, "near", "o1~1"), (OrderCallKind.ReleaseCapacity, "near", "o1~1")],
            plan.Outbox.Select(c => (c.Kind, c.NodeId, c.OperationId)).ToArray());
    }

    [Fact]
    public void Only_a_wholly_soft_shipping_order_is_re_planned()
    {
        var backordered = new OrderAggregate("o2", [new Parcel("s1", "far", "o2", ParcelStage.Released, [new PlanLine("a", 1)], null, false, At(30, 10, 0))],
            [new PlanLine("b", 1)], [], false, 0, 1, 1);
        Assert.False(backordered.CanReoptimise);
        var started = new OrderAggregate("o3", [
            new Parcel("s1", "far", "o3", ParcelStage.Released, [new PlanLine("a", 1)], null, false, At(30, 10, 0)),
            new Parcel("s2", "near", "o3", ParcelStage.Acknowledged, [new PlanLine("b", 1)], null)], [], [], false, 0, 1, 2);
        Assert.False(started.CanReoptimise);
        var pickup = new OrderAggregate("o4", [new Parcel("s1", "store", "o4", ParcelStage.Released, [new PlanLine("a", 1)], null, true, At(30, 10, 0))], [], [], false, 0, 1, 1);
        Assert.False(pickup.CanReoptimise);
    }
}
