using OrleansOrders.Contracts;
using OrleansOrders.Grains;
using OrleansOrders.LoadTest.Auditing;
using OrleansOrders.LoadTest.Churn;
using OrleansOrders.LoadTest.Hosting;
using OrleansOrders.LoadTest.Load;
using OrleansOrders.LoadTest.Network;
using OrleansOrders.LoadTest.Reporting;
using OrleansOrders.LoadTest.Scenarios;
using OrleansOrders.LoadTest.Tests.Support;

namespace OrleansOrders.LoadTest.Tests;

/// <summary>
/// The pickup and routing-mix scenarios driven by the harness's load driver at an in-process grid,
/// audited, then read back order by order: pickup orders are readied at the customer's store and
/// ship elsewhere only when they allow it; routing-mix orders are routed by their own choices.
/// The grid is one of their own: the synthetic network's ids are also seeded into the shared
/// grid by the cluster tests, with a different network.
/// </summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class ScenarioRunTests(ScenarioRunTests.SeededGrid grid) : IClassFixture<ScenarioRunTests.SeededGrid>
{
    private const int Orders = 400;
    private const int DefaultMaxShipments = 4;

    [Fact]
    public async Task Pickup_orders_are_readied_at_their_store_and_ship_the_rest_only_when_allowed()
    {
        var (load, audit) = await RunAsync(Scenarios.Scenarios.Pickup, lines: 2);

        Assert.Empty(audit.Violations);
        Assert.Equal((0L, 0L, (long)Orders), (load.Rejected, load.Errors, load.Accepted));
        var views = audit.RunOrders;
        Assert.Equal(Orders, views.Count);
        Assert.All(views, view =>
        {
            var store = view.Request.PickupNodeId;
            Assert.NotNull(store);
            Assert.All(view.Shipments, s => Assert.Equal(s.NodeId == store, s.Pickup));
            Assert.True(view.Shipments.Count(s => s.Pickup) <= 1, view.OrderId);
            Assert.True(view.Request.AllowSplitShip || view.Shipments.All(s => s.Pickup), $"{view.OrderId} shipped without allowing it");
            AssertEveryUnitPlacedOnce(view);
        });
        var withStoreParcel = views.Count(v => v.Shipments.Any(s => s.Pickup));
        Assert.True(withStoreParcel >= Orders * 85 / 100, $"{withStoreParcel} of {Orders} orders have a store parcel");
        Assert.Contains(views, v => v.Shipments.Any(s => s.Pickup) && v.Shipments.Any(s => !s.Pickup));

        // What the harness counted at submit; a backorder may only have been filled since.
        Assert.True(views.Count(v => v.Status == OrderStatus.Allocated) >= load.Allocated);
        Assert.True(load.Allocated >= Orders * 8 / 10, $"{load.Allocated} of {Orders} allocated");
        var routing = RoutingSummary.Of(views);
        Assert.Equal(views.Sum(v => v.Shipments.Count(s => s.Pickup)), routing.PickupParcels);
        Assert.Equal(views.Sum(v => v.Shipments.Count), routing.LiveParcels);
    }

    [Fact]
    public async Task Routing_mix_orders_are_routed_by_their_own_choices_and_mostly_allocated()
    {
        var (load, audit) = await RunAsync(Scenarios.Scenarios.RoutingMix);

        Assert.Empty(audit.Violations);
        Assert.Equal((0L, 0L, (long)Orders), (load.Rejected, load.Errors, load.Accepted));
        Assert.True(load.Allocated >= Orders * 9 / 10, $"{load.Allocated} of {Orders} allocated");
        var byChoice = audit.RunOrders.GroupBy(v => RoutingMixScenario.ChoiceOf(v.Request)).ToDictionary(g => g.Key, g => g.ToList());
        Assert.All(RoutingMixScenario.Choices, c => Assert.True(byChoice.GetValueOrDefault(c)?.Count >= Orders / 10, $"{c}: too few orders"));
        Assert.All(audit.RunOrders, AssertEveryUnitPlacedOnce);

        Assert.All(byChoice[RoutingChoice.ChannelDefaults], v => Assert.Equal(new RoutingPreferences(RoutingGoal.LowestCost, false, DefaultMaxShipments), v.RoutedBy));
        Assert.All(byChoice[RoutingChoice.Fastest], v => Assert.Equal(new RoutingPreferences(RoutingGoal.Fastest, false, DefaultMaxShipments), v.RoutedBy));
        Assert.All(byChoice[RoutingChoice.ShipComplete], v =>
        {
            Assert.Equal(new RoutingPreferences(RoutingGoal.LowestCost, true, DefaultMaxShipments), v.RoutedBy);
            // One parcel with everything, or nothing yet.
            Assert.True(v.Shipments.Count == 0 || (v.Shipments.Count == 1 && v.Backordered.Count == 0), v.OrderId);
        });
        Assert.All(byChoice[RoutingChoice.ParcelLimit], v =>
        {
            var limit = v.Request.Routing!.MaxShipments!.Value;
            Assert.Equal(new RoutingPreferences(RoutingGoal.LowestCost, false, limit), v.RoutedBy);
            Assert.InRange(v.Shipments.Count, 0, limit);
        });
        Assert.All(byChoice[RoutingChoice.Kit], v =>
        {
            var kit = v.Request.Lines.Where(l => l.KitId == RoutingMixScenario.KitId).ToList();
            Assert.Equal(2, kit.Count);
            // Both kit lines whole in one parcel, or both waiting.
            var parcels = v.Shipments.Where(s => s.Lines.Any(l => kit.Any(k => k.Sku == l.Sku))).ToList();
            if (parcels.Count == 0)
            {
                Assert.All(kit, k => Assert.Contains(v.Backordered, b => b.Sku == k.Sku && b.Quantity == k.Quantity));
            }
            else
            {
                var parcel = Assert.Single(parcels);
                Assert.All(kit, k => Assert.Contains(parcel.Lines, l => l.Sku == k.Sku && l.Quantity == k.Quantity));
            }
        });
        Assert.Contains(byChoice[RoutingChoice.Kit], v => v.Shipments.Count > 0);
    }

    [Fact]
    public async Task Churn_receives_stock_and_cancels_the_seeded_share_of_accepted_orders_and_the_audit_stays_clean()
    {
        const int seed = 7;
        var runId = OrderIds.NewRunId();
        var churnPlan = new ChurnPlan { ReplenishEvery = TimeSpan.FromMilliseconds(250), ReplenishUnits = 5, CancelShare = 0.25, CancelAfter = TimeSpan.FromMilliseconds(50) };
        var receivedBefore = await ReceivedUnitsAsync();
        var scenario = Scenarios.Scenarios.Create(Scenarios.Scenarios.Steady, grid.Network, seed, lines: null);
        var churn = new LoadChurn(grid.Grid.Grains, grid.Grid.Client, grid.Network, churnPlan, seed, runId);
        // A measured window of a fixed length, so the receipt rounds have time to come.
        var plan = new LoadPlan { Concurrency = 8, Duration = TimeSpan.FromSeconds(2), Warmup = TimeSpan.Zero };
        var driver = new LoadDriver(grid.Grid.Client, scenario, plan, new OrderIds(runId), churn.AfterAnswer(null));

        var running = driver.RunAsync();
        churn.Start(plan.Warmup, running, CancellationToken.None);
        var load = await running;
        var (receipts, cancellations) = await churn.FinishAsync();
        var audit = await AuditStep.RunAsync(grid.Grid.Grains, grid.Network.StockKeys, load.AcceptedOrderIds, load.UnknownOrderIds,
            settleWithin: TimeSpan.FromSeconds(60));

        Assert.Empty(audit.Violations);
        Assert.Equal((0L, 0L), (load.Rejected, load.Errors));
        // Receipts came in rounds during the load, and the stock grains counted every unit as received.
        Assert.NotNull(receipts);
        Assert.True(receipts.Rounds >= 1, $"{receipts}");
        Assert.Equal((0L, receipts.Receipts * 5), (receipts.Failed, receipts.Units));
        Assert.True(receipts.Receipts >= receipts.Rounds, $"{receipts}");
        Assert.Equal(receipts.Units, await ReceivedUnitsAsync() - receivedBefore);

        // Exactly the orders the seed picks were cancelled, all of them, and no other.
        Assert.NotNull(cancellations);
        var picked = load.AcceptedOrderIds.Where(id => Cancellations.Picks(seed, runId, id, churnPlan.CancelShare)).ToHashSet();
        Assert.True(picked.Count > 0, "no order was picked");
        Assert.Equal((picked.Count, picked.Count, 0L, 0L), ((int)cancellations.Picked, (int)cancellations.Cancelled, cancellations.Refused, cancellations.Failed));
        Assert.InRange(picked.Count, load.AcceptedOrderIds.Count / 10, load.AcceptedOrderIds.Count * 4 / 10);
        var views = audit.RunOrders.ToDictionary(v => v.OrderId);
        Assert.Equal(load.AcceptedOrderIds.Count, views.Count);
        Assert.All(load.AcceptedOrderIds, id => Assert.Equal(picked.Contains(id), views[id].Status == OrderStatus.Cancelled));
        Assert.All(picked, id => Assert.All(views[id].Shipments, s => Assert.Equal(ShipmentStatus.Cancelled, s.Status)));
    }

    private async Task<long> ReceivedUnitsAsync()
    {
        var snapshots = await Task.WhenAll(grid.Network.StockKeys.Select(k => grid.Grid.Grains.GetGrain<IStockGrain>(Identifiers.StockKey(k.NodeId, k.Sku)).GetSnapshot()));
        return snapshots.Sum(s => s.Received);
    }

    private async Task<(LoadResult Load, AuditOutcome Audit)> RunAsync(string scenarioName, int? lines = null)
    {
        var scenario = Scenarios.Scenarios.Create(scenarioName, grid.Network, seed: 3, lines);
        var plan = new LoadPlan { Concurrency = 8, Orders = Orders, Warmup = TimeSpan.Zero };
        var load = await new LoadDriver(grid.Grid.Client, scenario, plan, new OrderIds(OrderIds.NewRunId())).RunAsync();
        var audit = await AuditStep.RunAsync(grid.Grid.Grains, grid.Network.StockKeys, load.AcceptedOrderIds, load.UnknownOrderIds);
        return (load, audit);
    }

    /// <summary>Nothing has shipped or been cancelled: each ordered unit is in exactly one parcel or backordered.</summary>
    private static void AssertEveryUnitPlacedOnce(OrderView view)
    {
        foreach (var line in view.Request.Lines)
        {
            var placed = view.Shipments.SelectMany(s => s.Lines).Concat(view.Backordered).Where(l => l.Sku == line.Sku).Sum(l => l.Quantity);
            Assert.True(placed == line.Quantity, $"{view.OrderId}: {line.Sku} ordered {line.Quantity}, placed {placed}");
        }
        Assert.Equal(view.Backordered.Count == 0 ? OrderStatus.Allocated : view.Shipments.Count == 0 ? OrderStatus.Backordered : OrderStatus.PartiallyAllocated, view.Status);
    }

    /// <summary>An in-process grid with the routing defaults the assertions name, and a synthetic network seeded into it.</summary>
    public sealed class SeededGrid : IAsyncLifetime
    {
        public SyntheticNetwork Network { get; } = SyntheticNetwork.Generate(new NetworkSpec(Seed: 5, Nodes: 10, Skus: 120));

        public InProcessGrid Grid { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Grid = await InProcessGrid.StartAsync(new InProcessGridOptions
            {
                ConfigureGrid = grid => grid.Routing = new RoutingSettings { Goal = RoutingGoal.LowestCost, ShipComplete = false, MaxShipments = DefaultMaxShipments },
            });
            await NetworkSeeder.SeedAsync(Grid.Client, Network);
        }

        public async Task DisposeAsync() => await Grid.DisposeAsync();
    }
}
