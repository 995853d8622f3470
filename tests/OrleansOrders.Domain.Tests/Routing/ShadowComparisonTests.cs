using static OrleansOrders.Routing.Tests.TestData;

namespace OrleansOrders.Routing.Tests;

/// <summary>A candidate policy planned on the live bids: what it changes, what it keeps, and how two plans compare.</summary>
[Trait("Category", "fast")]
public class ShadowComparisonTests
{
    // "far" covers both lines, slowly; "near-a" and "near-b" one line each, sooner.
    private static readonly NodeOffer[] Offers =
    [
        OfferBy("far", 9m, 0.5m, Day.AddDays(5), ("A", 5), ("B", 5)),
        OfferBy("near-a", 5m, 0.5m, Day.AddDays(1), ("A", 5)),
        OfferBy("near-b", 5m, 0.5m, Day.AddDays(1), ("B", 5)),
    ];

    private static readonly DemandLine[] Order = Demand(("A", 1), ("B", 1));

    [Fact]
    public void A_candidate_changes_only_what_it_sets_and_plans_on_the_bids_it_may_see()
    {
        var live = SolverOptions.Default with { Channel = "web", MaxDistanceKm = 500 };
        var keep = new PolicyOverride();
        Assert.Equal(live, keep.Apply(live));
        Assert.Same(Offers, keep.Select(Offers));

        var fastest = new PolicyOverride(Objective: RoutingObjective.Fastest, UseOpportunityCost: false, MaxShipments: 2);
        var applied = fastest.Apply(live);
        Assert.Equal((RoutingObjective.Fastest, 0m, 2, "web", 500d), (applied.Objective, applied.OpportunityCostWeight, applied.MaxShipments, applied.Channel, applied.MaxDistanceKm!.Value));
        Assert.Equal(1m, new PolicyOverride(UseOpportunityCost: true).Apply(live with { OpportunityCostWeight = 0m }).OpportunityCostWeight);

        Assert.Equal(["near-a", "near-b"], new PolicyOverride(ExcludedNodes: new HashSet<string> { "far" }).Select(Offers).Select(o => o.NodeId));
        Assert.Equal(["far"], new PolicyOverride(CandidateCount: 1).Select(Offers).Select(o => o.NodeId));
    }

    [Fact]
    public void Plans_on_the_same_bids_compare_by_where_each_unit_goes()
    {
        var cheapest = AllocationSolver.Solve(Order, Offers, SolverOptions.Default);
        var fastest = new PolicyOverride(Objective: RoutingObjective.Fastest).Plan(Order, Offers, SolverOptions.Default);
        Assert.Equal("far[A:1,B:1]", Shape(cheapest));
        Assert.Equal("near-a[A:1] near-b[B:1]", Shape(fastest));
        Assert.True(PlanOutcome.Differ(cheapest, fastest));
        Assert.False(PlanOutcome.Differ(cheapest, AllocationSolver.Solve(Order, Offers, SolverOptions.Default)));

        var live = PlanOutcome.Of(cheapest, Day);
        var shadow = PlanOutcome.Of(fastest, Day);
        Assert.Equal((1, false, 5, 2, 0), (live.Parcels, live.Split, live.PromisedDays, live.UnitsShipped, live.UnitsUnallocated));
        Assert.Equal((2, true, 1), (shadow.Parcels, shadow.Split, shadow.PromisedDays));
        Assert.Equal(1, shadow.UnitsByNode["near-b"]);
        Assert.Equal("far: 1 x A, 1 x B", PlanOutcome.Describe(cheapest));

        var none = new PolicyOverride(ExcludedNodes: new HashSet<string> { "far", "near-a", "near-b" }).Plan(Order, Offers, SolverOptions.Default);
        Assert.Equal("backordered 1 x A, 1 x B", PlanOutcome.Describe(none));
        Assert.Equal((0, 2, 0), (PlanOutcome.Of(none, Day).Parcels, PlanOutcome.Of(none, Day).UnitsUnallocated, PlanOutcome.Of(none, Day).PromisedDays));
    }
}
