using Microsoft.Extensions.DependencyInjection;
using OrleansOrders.Client.Auditing;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains.Routing;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// Shadow routing on real grains: live orders are also planned under a candidate policy on the bids
/// the live routing collected, on each silo's background planner, and nothing is held for the shadow.
/// A replay plans recorded orders under a candidate on their recorded bids.
/// </summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class ShadowRoutingTests(GridClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    private IShadowRoutingGrain Shadow => _grains.GetGrain<IShadowRoutingGrain>(0);

    private Task<(TestNetwork Net, string A, string B, string Far, string NearA, string NearB)> FarSingleOrNearSplit(string prefix) =>
        TestNetwork.FarSingleOrNearSplit(_grains, prefix, units: 50);

    /// <summary>Waits until every silo's planner has read the policy (it polls the shadow grain): a state, not a time.</summary>
    private Task PlannersActive(bool active) => Eventually.True(() => Task.FromResult(
        fixture.Cluster.Silos.All(s => s.SiloHost.Services.GetRequiredService<ShadowPlanner>().IsActive == active)), $"every silo's shadow planner {(active ? "on" : "off")}");

    [Fact]
    public async Task Live_orders_are_planned_under_the_candidate_on_the_same_bids_and_the_shadow_holds_nothing()
    {
        var (net, a, b, far, nearA, nearB) = await FarSingleOrNearSplit("shadow");
        Assert.Empty(await Shadow.Start(new ShadowPolicy("fastest", Goal: RoutingGoal.Fastest)));
        try
        {
            await PlannersActive(true);
            var ids = Enumerable.Range(1, 12).Select(i => $"shadow-o{i}").ToList();
            var placed = await Task.WhenAll(ids.Select(id => _grains.GetGrain<IOrderGrain>(id).Submit(net.Order(id, TestNetwork.NewYork, (a, 1), (b, 1)))));

            // Live: cheapest, one far parcel each. Nothing of the shadow's near split was held.
            Assert.All(placed, p => Assert.Equal(far, Assert.Single(p.Order!.Shipments).NodeId));
            Assert.Equal(50, (await _grains.GetGrain<IStockGrain>(Identifiers.StockKey(nearA, a)).GetSnapshot()).Available);
            Assert.Equal(50, (await _grains.GetGrain<IStockGrain>(Identifiers.StockKey(nearB, b)).GetSnapshot()).Available);

            await Eventually.True(async () => (await Shadow.Report(TimeSpan.FromMinutes(15))).Orders >= ids.Count, "the planners' tallies");
            var report = await Shadow.Report(TimeSpan.FromMinutes(15));
            Assert.Equal(ids.Count, report.Orders); // each order compared once, on one silo
            Assert.Equal(0, report.Dropped);
            Assert.Equal(ids.Count, report.PlannedDifferently);
            Assert.Equal("fastest", report.Policy!.Name);
            Assert.Equal(1.0, report.Live.ParcelsPerOrder);
            Assert.Equal(2.0, report.Shadow.ParcelsPerOrder);
            Assert.Equal(1.0, report.Shadow.SplitRate);
            Assert.True(report.Shadow.PromisedDays < report.Live.PromisedDays, "the candidate promises earlier, or the comparison shows nothing");
            Assert.True(report.Shadow.CostPerOrder > 0);
            Assert.Equal(Math.Round(placed.Sum(p => p.Order!.TotalCost) / ids.Count, 4), report.Live.CostPerOrder);
            Assert.Equal(2 * ids.Count, report.Live.UnitsByNode[far]);
            Assert.Equal(ids.Count, report.Shadow.UnitsByNode[nearA]);
            Assert.Equal(ids.Count, report.Shadow.UnitsByNode[nearB]);
            var example = report.Examples[0];
            Assert.Contains(example.OrderId, ids);
            Assert.StartsWith(far + ":", example.Live);
            Assert.Contains(nearA + ":", example.Shadow);

            // Replay: the same candidate over the recorded orders, on the bids they recorded.
            // (The recent-orders list is fed by the event stream: it may lag the orders by a moment.)
            ShadowReplay replay = null!;
            await Eventually.True(async () =>
            {
                replay = await Shadow.Replay(new ShadowPolicy("fastest", Goal: RoutingGoal.Fastest), 2_000);
                return replay.Examples.Count(e => ids.Contains(e.OrderId)) >= Math.Min(ids.Count, ShadowTally.MaxExamples);
            }, "the shadow orders in the recent-orders list");
            Assert.True(replay.Shadow.PromisedDays < replay.Live.PromisedDays);
            var same = await Shadow.Replay(new ShadowPolicy("live again"), 2_000);
            Assert.Equal(0, same.PlannedDifferently); // the live policy on the recorded bids plans what it planned
            AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, ids));
        }
        finally
        {
            await Shadow.Stop();
        }
        await PlannersActive(false);
        Assert.Null(await Shadow.GetRun());
    }

    [Fact]
    public async Task A_sampled_policy_plans_exactly_the_orders_its_rate_picks_by_id()
    {
        var (net, a, b, _, _, _) = await FarSingleOrNearSplit("sampled");
        Assert.Empty(await Shadow.Start(new ShadowPolicy("half", Goal: RoutingGoal.Fastest, SampleRate: 0.5)));
        try
        {
            await PlannersActive(true);
            var ids = Enumerable.Range(1, 20).Select(i => $"sampled-o{i}").ToList();
            await Task.WhenAll(ids.Select(id => _grains.GetGrain<IOrderGrain>(id).Submit(net.Order(id, TestNetwork.NewYork, (a, 1), (b, 1)))));
            var picked = ids.Count(id => OrderRecoveryShards.For(id, 10_000) < 5_000);
            Assert.InRange(picked, 1, ids.Count - 1); // else the sample would show nothing
            await Eventually.True(async () => await Shadow.Report(TimeSpan.FromMinutes(15)) is var r && r.Orders + r.NotSampled >= ids.Count, "the planners' tallies");
            var report = await Shadow.Report(TimeSpan.FromMinutes(15));
            Assert.Equal((picked, ids.Count - picked), (report.Orders, report.NotSampled));
        }
        finally
        {
            await Shadow.Stop();
        }
        await PlannersActive(false);
    }

    [Fact]
    public async Task A_policy_that_cannot_run_is_refused_and_changes_nothing()
    {
        var problems = await Shadow.Start(new ShadowPolicy("", MaxShipments: 0, CandidateCount: 99, ExcludedNodes: ["bad id!"], Goal: (RoutingGoal)42, SampleRate: 2));
        Assert.Equal(6, problems.Count);
        Assert.Null(await Shadow.GetRun());
        await Assert.ThrowsAsync<ArgumentException>(() => Shadow.Replay(new ShadowPolicy(""), 10));
    }
}
