using OrleansOrders.Contracts;
using OrleansOrders.LoadTest.Auditing;
using OrleansOrders.LoadTest.Reporting;
using OrleansOrders.LoadTest.Tests.Support;

namespace OrleansOrders.LoadTest.Tests;

/// <summary>
/// The harness's audit against a real in-process grid: clean traffic passes, and every planted
/// fault (an orphan commitment, units committed to an order that does not plan them, a lost
/// order, a hold still counted after its expiry) is reported, naming the reservation.
/// </summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public class AuditTests(GridFixture fixture)
{
    [Fact]
    public async Task Clean_orders_pass_the_audit()
    {
        var net = await TinyNetwork.SeedAsync(fixture.Client, "a1");
        var submitted = new List<OrderView>();
        for (var i = 1; i <= 6; i++)
        {
            var order = await fixture.Client.SubmitOrderAsync(net.Order($"a1-o{i}", (net.SkuA, 2), (net.SkuB, 1)));
            Assert.Equal(OrderStatus.Allocated, order.Status);
            submitted.Add(order);
        }

        var audit = await AuditStep.RunAsync(fixture.Grains, net.StockKeys, submitted.Select(o => o.OrderId).ToList());

        Assert.Empty(audit.Violations);
        Assert.Equal(18, audit.CommittedUnits);
        Assert.Equal(6, audit.OrdersAudited);
        Assert.Equal(4, audit.StockKeys);
        // The report's routing figures come from these views: the orders as the grid routed them.
        Assert.Equal(submitted.Select(o => (o.OrderId, o.TotalCost, o.Shipments.Count)),
            audit.RunOrders.OrderBy(o => o.OrderId, StringComparer.Ordinal).Select(o => (o.OrderId, o.TotalCost, o.Shipments.Count)));
        var routing = RoutingSummary.Of(audit.RunOrders);
        Assert.Equal(6, routing.RoutedOrders);
        Assert.True(routing.MeanShippingCost > 0);
        Assert.Equal(Math.Round(submitted.Average(o => o.TotalCost), 2), routing.MeanShippingCost);
    }

    [Fact]
    public async Task Units_committed_to_a_reservation_no_order_owns_are_an_oversell()
    {
        var net = await TinyNetwork.SeedAsync(fixture.Client, "a2");
        var order = await fixture.Client.SubmitOrderAsync(net.Order("a2-o1", (net.SkuA, 1)));
        var stock = fixture.Grains.GetGrain<IStockGrain>(Identifiers.StockKey(net.Dc, net.SkuB));
        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("a2-ghost", 3, TimeSpan.FromMinutes(5))).Outcome);
        Assert.Equal(CommitOutcome.Committed, (await stock.Commit("a2-ghost", 3)).Outcome);

        var audit = await AuditStep.RunAsync(fixture.Grains, net.StockKeys, [order.OrderId]);

        var violation = Assert.Single(audit.Violations);
        Assert.Contains("a2-ghost", violation);
        Assert.Contains($"{net.Dc}/{net.SkuB}", violation);
    }

    [Fact]
    public async Task Units_committed_to_an_order_whose_plan_does_not_ship_them_are_a_double_promise()
    {
        var net = await TinyNetwork.SeedAsync(fixture.Client, "a3");
        var order = await fixture.Client.SubmitOrderAsync(net.Order("a3-o1", (net.SkuA, 1)));
        var shipsFrom = Assert.Single(order.Shipments).NodeId;
        // The same order id claims units of a SKU it never ordered: units promised outside any plan.
        var stock = fixture.Grains.GetGrain<IStockGrain>(Identifiers.StockKey(shipsFrom, net.SkuB));
        Assert.Equal(HoldOutcome.Granted, (await stock.Hold(order.OrderId, 2, TimeSpan.FromMinutes(5))).Outcome);
        Assert.Equal(CommitOutcome.Committed, (await stock.Commit(order.OrderId, 2)).Outcome);

        var audit = await AuditStep.RunAsync(fixture.Grains, net.StockKeys, [order.OrderId]);

        var violation = Assert.Single(audit.Violations);
        Assert.Contains(order.OrderId, violation);
        Assert.Contains($"{shipsFrom}/{net.SkuB}", violation);
    }

    [Fact]
    public async Task An_accepted_order_the_grid_does_not_have_is_a_lost_order()
    {
        var net = await TinyNetwork.SeedAsync(fixture.Client, "a4");
        var order = await fixture.Client.SubmitOrderAsync(net.Order("a4-o1", (net.SkuA, 1)));

        var audit = await AuditStep.RunAsync(fixture.Grains, net.StockKeys, [order.OrderId, "a4-never-submitted"]);

        var violation = Assert.Single(audit.Violations);
        Assert.Contains("a4-never-submitted", violation);
        Assert.Contains("lost", violation);
    }

    [Fact]
    public async Task A_hold_still_counted_after_its_expiry_is_a_leaked_hold()
    {
        var net = await TinyNetwork.SeedAsync(fixture.Client, "a5");
        var stock = fixture.Grains.GetGrain<IStockGrain>(Identifiers.StockKey(net.Dc, net.SkuA));
        // A live hold is not a violation.
        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("a5-live", 1, TimeSpan.FromMinutes(10))).Outcome);
        Assert.Empty((await AuditStep.RunAsync(fixture.Grains, net.StockKeys, [])).Violations);

        // The grid's clock runs an hour behind real time: a one-minute hold has, in real time,
        // expired 59 minutes ago, yet the stock grain still counts it.
        fixture.Clock.Offset = TimeSpan.FromHours(-1);
        try
        {
            Assert.Equal(HoldOutcome.Granted, (await stock.Hold("a5-leak", 2, TimeSpan.FromMinutes(1))).Outcome);

            var audit = await AuditStep.RunAsync(fixture.Grains, net.StockKeys, []);

            var violation = Assert.Single(audit.Violations);
            Assert.Contains("a5-leak", violation);
            Assert.Contains("leaked hold", violation);
        }
        finally
        {
            fixture.Clock.Offset = TimeSpan.Zero;
        }
        // Back on real time the grain drops it at the next read, and the audit is clean again.
        Assert.Empty((await AuditStep.RunAsync(fixture.Grains, net.StockKeys, [])).Violations);
    }

    [Fact]
    public async Task Orders_with_an_unknown_outcome_are_read_back_and_counted_as_the_runs()
    {
        var net = await TinyNetwork.SeedAsync(fixture.Client, "a6");
        var order = await fixture.Client.SubmitOrderAsync(net.Order("a6-o1", (net.SkuA, 2)));

        var told = await AuditStep.RunAsync(fixture.Grains, net.StockKeys, [], unknownOrderIds: [order.OrderId, "a6-never-made-it"]);

        Assert.Empty(told.Violations);
        Assert.Equal(1, told.UnknownOrdersFound);
        Assert.Equal(new[] { order.OrderId }, told.RunOrderIds);
        Assert.Equal(0, told.OrdersOfEarlierRuns);
    }

    [Fact]
    public async Task Orders_of_earlier_runs_committed_at_audited_stock_are_audited_not_reported()
    {
        var net = await TinyNetwork.SeedAsync(fixture.Client, "a7");
        var earlier = await fixture.Client.SubmitOrderAsync(net.Order("a7-earlier", (net.SkuA, 2)));
        var ours = await fixture.Client.SubmitOrderAsync(net.Order("a7-ours", (net.SkuB, 1)));

        var audit = await AuditStep.RunAsync(fixture.Grains, net.StockKeys, [ours.OrderId]);

        Assert.Empty(audit.Violations);
        Assert.Equal(1, audit.OrdersOfEarlierRuns);
        Assert.Equal(2, audit.OrdersAudited);
        Assert.Equal(new[] { ours.OrderId }, audit.RunOrderIds);
        Assert.Equal(new[] { ours.OrderId }, audit.RunOrders.Select(o => o.OrderId)); // an earlier run's order is audited, not reported on
        Assert.Equal(3, audit.CommittedUnits);
        Assert.NotEqual(earlier.OrderId, ours.OrderId);
    }

    [Fact]
    public void Expired_holds_in_a_snapshot_are_reported_and_live_ones_are_not()
    {
        var now = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        StockSnapshot Snapshot(int held, params HoldView[] holds) =>
            new("n1", "S1", 100, 0, held, 0, 100 - held, 0, 100, 0, 0, new Dictionary<string, int>(), holds);

        var live = ExpiredHolds.Find([Snapshot(3, new HoldView("r-live", 3, now.AddSeconds(1)))], now);
        var expired = ExpiredHolds.Find([Snapshot(5, new HoldView("r-live", 3, now.AddSeconds(1)), new HoldView("r-old", 2, now.AddMilliseconds(-1)))], now);
        var miscounted = ExpiredHolds.Find([Snapshot(4, new HoldView("r-live", 3, now.AddSeconds(1)))], now);

        Assert.Empty(live);
        var violation = Assert.Single(expired);
        Assert.Contains("r-old", violation);
        Assert.Contains("n1/S1", violation);
        Assert.Contains("held 4", Assert.Single(miscounted));
    }
}
