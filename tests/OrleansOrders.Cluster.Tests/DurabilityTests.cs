using OrleansOrders.Client.Auditing;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains;
using Xunit.Abstractions;

namespace OrleansOrders.Cluster.Tests;

/// <summary>Shared steps of the durability tests: seed, finish, audit.</summary>
public abstract class DurabilityTestBase(DurableClusterFixture fixture)
{
    protected readonly DurableClusterFixture Fixture = fixture;
    protected IGrainFactory Grains => Fixture.Grains;

    protected async Task<(TestNetwork Net, List<string> Skus, Location[] Where)> SeedNetwork(string prefix, int onHand)
    {
        var net = new TestNetwork(Grains, prefix);
        var skus = Enumerable.Range(1, 6).Select(i => net.Sku($"s{i}")).ToList();
        var where = new[] { TestNetwork.Newark, TestNetwork.Chicago, TestNetwork.Dallas, TestNetwork.LosAngeles };
        for (var n = 0; n < where.Length; n++)
        {
            var node = await net.AddNode($"n{n}", where[n]);
            foreach (var sku in skus)
            {
                await net.SetStock(node, sku, onHand, safetyStock: 1);
            }
        }
        foreach (var sku in skus)
        {
            await net.WaitForAvailability(sku, where.Length * (onHand - 1));
        }
        return (net, skus, where);
    }

    protected static List<OrderRequest> Orders(TestNetwork net, List<string> skus, Location[] where, int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i => net.Order($"{net.Prefix}-o{i}", where[random.Next(where.Length)],
            skus.OrderBy(_ => random.Next()).Take(random.Next(1, 4)).Select(s => (s, random.Next(1, 4))).ToArray())).ToList();
    }

    /// <summary>
    /// Lets every hold expire and every recovery shard finish what was left unfinished, then audits:
    /// acknowledged orders all present and settled, invariants exact, no hold left.
    /// </summary>
    protected async Task<GridAuditor.Result> FinishAndAudit(TestNetwork net, IReadOnlyList<OrderRequest> orders, OrderLoad.Outcome outcome)
    {
        Fixture.Time.Advance(TimeSpan.FromMinutes(5)); // past every hold's TTL and the recovery grace
        var shards = new GridOptions().RecoveryShards;
        await Eventually.True(async () =>
        {
            var unfinished = await Task.WhenAll(Enumerable.Range(0, shards).Select(s => Grains.GetGrain<IOrderRecoveryGrain>(s).Sweep()));
            return unfinished.Sum() == 0;
        }, "every recovery shard to report no unfinished order", TimeSpan.FromSeconds(60));

        // Orders whose caller gave up may still have been accepted; the audit counts whichever exist.
        var existing = new List<string>();
        foreach (var order in orders)
        {
            if (await Grains.GetGrain<IOrderGrain>(order.OrderId).Get() is not null)
            {
                existing.Add(order.OrderId);
            }
        }
        // Every shard empty: no step of any order is still under way.
        // (A step begun after the clock moved is not due for a sweep yet: move it past the grace again.)
        await Eventually.True(async () =>
        {
            var tracked = await Task.WhenAll(Enumerable.Range(0, shards).Select(s => Grains.GetGrain<IOrderRecoveryGrain>(s).GetTracked()));
            if (tracked.All(t => t.Count == 0))
            {
                return true;
            }
            Fixture.Time.Advance(new GridOptions().RecoveryGrace);
            await Task.WhenAll(Enumerable.Range(0, shards).Select(s => Grains.GetGrain<IOrderRecoveryGrain>(s).Sweep()));
            return false;
        }, "every recovery shard to track no order", TimeSpan.FromSeconds(60));
        // Holds expired above free stock that wakes backordered orders, which route again: audit the grid
        // once two audits in a row agree, never a read taken with that work in flight.
        var audit = await GridAuditor.AuditWhenSettled(() => GridAuditor.Audit(Grains, net.StockKeys, existing), TimeSpan.FromSeconds(60));
        AuditAssert.Clean(audit);
        foreach (var (orderId, result) in outcome.Acknowledged)
        {
            if (result.Outcome is SubmitOutcome.Accepted or SubmitOutcome.Replayed)
            {
                Assert.True(audit.Orders.ContainsKey(orderId), $"acknowledged order {orderId} was lost");
                Assert.Contains(audit.Orders[orderId].Status, new[] { OrderStatus.Allocated, OrderStatus.PartiallyAllocated, OrderStatus.Backordered });
            }
        }
        Assert.All(audit.Stock.Values, s => Assert.Empty(s.Holds));
        Assert.Equal(0, audit.HeldUnits);
        return audit;
    }
}

[Trait("Category", "cluster")]
public sealed class SiloKillTests(DurableClusterFixture fixture, ITestOutputHelper output) : DurabilityTestBase(fixture), IClassFixture<DurableClusterFixture>
{
    [Fact]
    public async Task A_silo_killed_mid_load_loses_no_accepted_order_and_breaks_no_invariant()
    {
        var (net, skus, where) = await SeedNetwork("kill", onHand: 40);
        var orders = Orders(net, skus, where, 400, seed: 3);
        var victim = Fixture.Cluster.Silos[1];
        var killed = 0;

        var outcome = await OrderLoad.Run(Grains, orders, concurrency: 24, maxAttempts: 6, afterEachCompleted: async done =>
        {
            if (done == 120 && Interlocked.Exchange(ref killed, 1) == 0)
            {
                await Fixture.Cluster.KillSiloAsync(victim); // a crash: no deactivation, no flush
            }
        });

        Assert.Equal(1, killed);
        Assert.Equal(2, Fixture.Cluster.GetActiveSilos().Count());
        var audit = await FinishAndAudit(net, orders, outcome);
        output.WriteLine($"acknowledged {outcome.Acknowledged.Count}, gave up {outcome.GaveUp.Count}, retries {outcome.Retries}, committed units {audit.CommittedUnits}");
        Assert.True(outcome.Acknowledged.Count >= 380, $"only {outcome.Acknowledged.Count} of 400 orders were acknowledged; gave up on {outcome.GaveUp.Count}");
        Assert.True(audit.CommittedUnits > 0);
    }
}

[Trait("Category", "cluster")]
public sealed class StorageFaultTests(DurableClusterFixture fixture, ITestOutputHelper output) : DurabilityTestBase(fixture), IClassFixture<DurableClusterFixture>
{
    [Fact]
    public async Task Failed_ambiguous_and_conflicting_writes_during_load_break_no_invariant()
    {
        var (net, skus, where) = await SeedNetwork("faults", onHand: 30);
        var orders = Orders(net, skus, where, 300, seed: 5);
        var store = Fixture.Store!;
        store.FailBeforeWriteRate = 0.08;
        store.FailAfterWriteRate = 0.05;
        store.ConflictRate = 0.04;

        OrderLoad.Outcome outcome;
        try
        {
            outcome = await OrderLoad.Run(Grains, orders, concurrency: 16, maxAttempts: 8);
        }
        finally
        {
            store.FaultsOff();
        }

        Assert.True(store.FailedBefore > 10 && store.FailedAfter > 5 && store.Conflicts > 5,
            $"too few faults to prove anything: {store.FailedBefore} before, {store.FailedAfter} after, {store.Conflicts} conflicts");
        Assert.True(outcome.Retries > 0);
        var audit = await FinishAndAudit(net, orders, outcome);
        output.WriteLine($"writes {store.Writes}, failed before {store.FailedBefore}, failed after landing {store.FailedAfter}, conflicts {store.Conflicts}; " +
                         $"acknowledged {outcome.Acknowledged.Count}, gave up {outcome.GaveUp.Count}, retries {outcome.Retries}, committed units {audit.CommittedUnits}");
    }
}
