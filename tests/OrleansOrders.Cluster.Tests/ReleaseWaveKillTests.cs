using OrleansOrders.Client.Auditing;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using Xunit.Abstractions;

namespace OrleansOrders.Cluster.Tests;

/// <summary>A silo killed while orders are halfway through a move to a better plan (new stock held, move written, not committed).</summary>
[Trait("Category", "cluster")]
public sealed class ReleaseWaveKillTests(DurableClusterFixture fixture, ITestOutputHelper output) : IClassFixture<DurableClusterFixture>
{
    private const int Orders = 8;
    private IGrainFactory Grains => fixture.Grains;

    private IStockGrain Stock(string node, string sku) => Grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, sku));

    [Fact]
    public async Task Orders_killed_halfway_through_a_move_end_on_one_whole_plan_old_or_new_and_never_hold_less()
    {
        var net = new TestNetwork(Grains, "wave-kill");
        var sku = net.Sku("x");
        var near = await net.AddNode("near", TestNetwork.Newark);
        var far = await net.AddNode("far", TestNetwork.Chicago);
        await net.SetStock(near, sku, 0);
        await net.SetStock(far, sku, 2 * Orders);
        await net.WaitForAvailability(sku, 2 * Orders);
        var ids = Enumerable.Range(0, Orders).Select(i => $"wave-kill-o{i}").ToList();
        DateTimeOffset releaseAt = default;
        foreach (var id in ids)
        {
            var placed = await Grains.GetGrain<IOrderGrain>(id).Submit(net.Order(id, TestNetwork.NewYork, (sku, 2)) with { Channel = ReleaseWaveTests.Channel });
            releaseAt = Assert.Single(placed.Order!.Shipments).ReleaseAt!.Value;
        }
        await net.SetStock(near, sku, 3 * Orders); // stock arrives next to the customers: every order has a better plan
        await net.WaitForAvailability(sku, 3 * Orders);
        if (fixture.Time.GetUtcNow() < releaseAt)
        {
            fixture.Time.SetUtcNow(releaseAt);
        }

        // Every move gets as far as its written intent and held stock, then its commits fail.
        foreach (var id in ids)
        {
            fixture.Faults.FailingReservations[id + "~1"] = true;
        }
        var management = Grains.GetGrain<IManagementGrain>(0);
        Victim? victim;
        try
        {
            Assert.Equal(Orders, (await Grains.GetGrain<IReleaseWaveGrain>(far).RunDue()).Failed);
            Assert.Equal(2 * Orders, (await Stock(far, sku).GetSnapshot()).Committed);

            // Kill the silo (not the primary) that hosts the most of these orders: they lose everything in memory.
            var hosts = await Task.WhenAll(ids.Select(id => management.GetActivationAddress(Grains.GetGrain<IOrderGrain>(id)).AsTask()));
            victim = fixture.Cluster.Silos.Skip(1)
                .Select(s => (Silo: s, Orders: hosts.Count(h => h == s.SiloAddress)))
                .OrderByDescending(s => s.Orders).First() is { Orders: > 0 } most ? new(most.Silo, most.Orders) : null;
            Assert.NotNull(victim);
            await fixture.Cluster.KillSiloAsync(victim.Silo);
        }
        finally
        {
            fixture.Faults.FailingReservations.Clear();
        }

        // The next looks of the wave (its grain may have died too) finish or abandon every move from the record.
        await Eventually.True(async () =>
        {
            try
            {
                var run = await Grains.GetGrain<IReleaseWaveGrain>(far).RunDue();
                return run.Failed == 0 && (await Grains.GetGrain<IReleaseWaveGrain>(far).Get()).Waiting == 0;
            }
            catch (Exception)
            {
                return false; // calls to the dead silo fail until membership declares it dead
            }
        }, "the far node's wave to finish every interrupted move", TimeSpan.FromSeconds(60));

        var moved = 0;
        foreach (var id in ids)
        {
            var view = (await Grains.GetGrain<IOrderGrain>(id).Get())!;
            var live = Assert.Single(view.Shipments, s => s.Status != ShipmentStatus.Cancelled);
            Assert.Null(live.ReleaseAt);
            Assert.Contains(live.NodeId, new[] { near, far });
            moved += live.NodeId == near ? 1 : 0;
        }
        var farStock = await Stock(far, sku).GetSnapshot();
        var nearStock = await Stock(near, sku).GetSnapshot();
        Assert.Equal(2 * Orders, farStock.Committed + nearStock.Committed); // every order holds all of its units, once
        Assert.Equal(2 * moved, nearStock.Committed);
        fixture.Time.Advance(TimeSpan.FromMinutes(5)); // holds of abandoned moves (in memory on a live silo) lapse
        var audit = await GridAuditor.AuditWhenSettled(() => GridAuditor.Audit(Grains, net.StockKeys, ids), TimeSpan.FromSeconds(60));
        AuditAssert.Clean(audit);
        Assert.Equal(0, audit.HeldUnits);
        output.WriteLine($"killed a silo hosting {victim!.Orders} of {Orders} orders; {moved} moved, {Orders - moved} kept their plan");
    }

    private sealed record Victim(Orleans.TestingHost.InProcessSiloHandle Silo, int Orders);
}
