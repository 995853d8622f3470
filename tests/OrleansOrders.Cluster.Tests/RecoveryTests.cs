using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// Orders interrupted between their steps are finished or rolled back by the order grain itself,
/// woken by its recovery shard (whose reminder calls Sweep; the tests call it directly).
/// </summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class RecoveryTests(GridClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    private IOrderRecoveryGrain ShardOf(string orderId) =>
        _grains.GetGrain<IOrderRecoveryGrain>(OrderRecoveryShards.For(orderId, new GridOptions().RecoveryShards));

    [Fact]
    public async Task Every_recovery_shard_is_active_once_the_silos_started_so_its_reminder_sweeps_without_any_call_from_an_order()
    {
        // Orders write their recovery entries beside their records and never call a shard: each silo
        // activates every shard as it starts (which registers the reminder), or no sweep would ever run.
        // A cluster of its own, where no test has called a shard.
        var fresh = new GridClusterFixture();
        await fresh.InitializeAsync();
        await using var _ = new Disposing(fresh);
        var management = fresh.Grains.GetGrain<IManagementGrain>(0);
        var shards = new GridOptions().RecoveryShards;
        await Eventually.True(async () => (await management.GetDetailedGrainStatistics())
                .Where(s => s.GrainType.Contains(nameof(OrleansOrders.Grains.Orders.OrderRecoveryGrain), StringComparison.Ordinal))
                .Select(s => s.GrainId).Distinct().Count() == shards,
            $"all {shards} recovery shards to be active");
    }

    [Fact]
    public async Task An_order_interrupted_between_writing_its_plan_and_committing_is_finished_by_the_recovery_sweep()
    {
        var net = new TestNetwork(_grains, "resume");
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 10);
        await net.WaitForAvailability(sku, 10);
        fixture.Faults.FailingReservations["resume-o1"] = true;

        await Assert.ThrowsAnyAsync<Exception>(() => _grains.GetGrain<IOrderGrain>("resume-o1").Submit(net.Order("resume-o1", TestNetwork.NewYork, (sku, 4))));
        Assert.Contains("resume-o1", await ShardOf("resume-o1").GetTracked());
        var stock = _grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, sku));
        Assert.Equal(0, (await stock.GetSnapshot()).Committed);

        fixture.Faults.FailingReservations.Clear();
        Assert.Equal(0, await ShardOf("resume-o1").Sweep()); // still inside the grace period: left alone
        Assert.Contains("resume-o1", await ShardOf("resume-o1").GetTracked());
        fixture.Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(0, await ShardOf("resume-o1").Sweep());

        Assert.DoesNotContain("resume-o1", await ShardOf("resume-o1").GetTracked());
        Assert.Equal(4, (await stock.GetSnapshot()).CommittedByReservation["resume-o1"]);
        Assert.Equal(OrderStatus.Allocated, (await _grains.GetGrain<IOrderGrain>("resume-o1").Get())!.Status);
    }

    [Fact]
    public async Task An_interrupted_order_whose_holds_expired_and_went_to_another_order_is_backordered_not_oversold()
    {
        var net = new TestNetwork(_grains, "expired-resume");
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 5);
        await net.WaitForAvailability(sku, 5);
        fixture.Faults.FailingReservations["expired-resume-o1"] = true;
        await Assert.ThrowsAnyAsync<Exception>(() => _grains.GetGrain<IOrderGrain>("expired-resume-o1").Submit(net.Order("expired-resume-o1", TestNetwork.NewYork, (sku, 5))));
        fixture.Faults.FailingReservations.Clear();

        fixture.Time.Advance(TimeSpan.FromMinutes(2)); // the hold expires...
        await net.WaitForAvailability(sku, 5);
        var other = await _grains.GetGrain<IOrderGrain>("expired-resume-o2").Submit(net.Order("expired-resume-o2", TestNetwork.NewYork, (sku, 5)));
        Assert.Equal(OrderStatus.Allocated, other.Order!.Status); // ...and another order takes the stock

        Assert.Equal(0, await ShardOf("expired-resume-o1").Sweep());

        var first = await _grains.GetGrain<IOrderGrain>("expired-resume-o1").Get();
        Assert.Equal(OrderStatus.Backordered, first!.Status);
        Assert.All(first.Shipments, s => Assert.Equal(ShipmentStatus.Cancelled, s.Status));
        Assert.Equal(new OrderLine(sku, 5), Assert.Single(first.Backordered));
        var snapshot = await _grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, sku)).GetSnapshot();
        Assert.Equal(new Dictionary<string, int> { ["expired-resume-o2"] = 5 }, snapshot.CommittedByReservation);
        Assert.Equal(1, (await _grains.GetGrain<IFulfilmentNodeGrain>(node).Get())!.CapacityUsed); // only o2 still claims capacity
    }

    [Fact]
    public async Task A_cancel_interrupted_before_releasing_is_finished_by_the_recovery_sweep()
    {
        var net = new TestNetwork(_grains, "cancel-resume");
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 10);
        await net.WaitForAvailability(sku, 10);
        var order = _grains.GetGrain<IOrderGrain>("cancel-resume-o1");
        await order.Submit(net.Order("cancel-resume-o1", TestNetwork.NewYork, (sku, 3)));
        fixture.Faults.FailingReservations["cancel-resume-o1"] = true;

        await Assert.ThrowsAnyAsync<Exception>(() => order.Cancel("customer"));
        var stock = _grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, sku));
        Assert.Equal(3, (await stock.GetSnapshot()).Committed);

        fixture.Faults.FailingReservations.Clear();
        fixture.Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(0, await ShardOf("cancel-resume-o1").Sweep());
        Assert.Equal(0, (await stock.GetSnapshot()).Committed);
        Assert.Equal(OrderStatus.Cancelled, (await order.Get())!.Status);
    }

    private sealed class Disposing(GridClusterFixture cluster) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await cluster.DisposeAsync();
    }
}
