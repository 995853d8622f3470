using OrleansOrders.Client.Auditing;
using OrleansOrders.Contracts;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// The auditor over readers of its own (no grid): it reads orders a batch at a time with bounded
/// concurrency, lets each batch go before reading the next, and still finds every violation.
/// </summary>
[Trait("Category", "BVT")]
public sealed class GridAuditorTests
{
    private static readonly (string NodeId, string Sku) Key = ("n1", "s1");

    private static StockSnapshot Stock(IReadOnlyDictionary<string, int> committed, int onHand) =>
        new(Key.NodeId, Key.Sku, onHand, 0, 0, committed.Values.Sum(), onHand - committed.Values.Sum(), onHand, 0, 0, 0, committed, []);

    private static OrderView Order(string id, int quantity) =>
        new(id, OrderStatus.Allocated, new OrderRequest(id, "c1", "web", new Location(40, -74), [new OrderLine(Key.Sku, quantity)]),
            [new ShipmentAllocation(Key.NodeId, [new OrderLine(Key.Sku, quantity)], 5m, new DateOnly(2026, 12, 1), "s1")],
            [], 5m, 1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null);

    [Fact]
    public async Task Orders_are_read_a_batch_at_a_time_with_bounded_concurrency_and_not_kept()
    {
        var ids = Enumerable.Range(0, 2_500).Select(i => $"o{i}").ToList();
        var stock = Stock(ids.ToDictionary(id => id, _ => 1), onHand: 5_000);
        int inFlight = 0, maxInFlight = 0, started = 0;
        var startedAtCallback = new List<int>();

        var result = await GridAuditor.Audit(
            _ => Task.FromResult(stock),
            async id =>
            {
                Interlocked.Increment(ref started);
                var now = Interlocked.Increment(ref inFlight);
                InterlockedMax(ref maxInFlight, now);
                await Task.Delay(1);
                Interlocked.Decrement(ref inFlight);
                return Order(id, 1);
            },
            [Key], ids,
            new GridAuditor.Options(BatchSize: 1_000, Parallelism: 8, KeepOrders: false, OnOrder: _ => startedAtCallback.Add(Volatile.Read(ref started))));

        Assert.Empty(result.Violations);
        Assert.Empty(result.Orders);
        Assert.Equal(2_500, result.OrdersAudited);
        Assert.Equal(2_500, startedAtCallback.Count);
        Assert.InRange(maxInFlight, 1, 8);
        // The first batch is checked and handed over before any order of the next one is read.
        Assert.Equal(1_000, startedAtCallback[0]);
        Assert.Equal(1_000, startedAtCallback[999]);
        Assert.Equal(2_000, startedAtCallback[1_000]);
        Assert.Equal(2_500, startedAtCallback[^1]);
    }

    [Fact]
    public async Task Violations_are_found_across_batches_without_keeping_the_orders()
    {
        // o1..o5 are fine; o3 has 2 committed but plans 1; "ghost" is no accepted order; o6 is lost.
        var committed = new Dictionary<string, int> { ["o1"] = 1, ["o2"] = 1, ["o3"] = 2, ["o4"] = 1, ["o5"] = 1, ["ghost"] = 2 };
        var result = await GridAuditor.Audit(
            _ => Task.FromResult(Stock(committed, onHand: 20)),
            id => Task.FromResult<OrderView?>(id == "o6" ? null : Order(id, 1)),
            [Key], ["o1", "o2", "o3", "o4", "o5", "o6", "o1"],
            new GridAuditor.Options(BatchSize: 2, Parallelism: 2, KeepOrders: false));

        Assert.Empty(result.Orders);
        Assert.Equal(5, result.OrdersAudited);
        Assert.Equal(4, result.Violations.Count);
        Assert.Contains(result.Violations, v => v.Contains("order o6 was accepted but is not found", StringComparison.Ordinal));
        Assert.Contains(result.Violations, v => v.Contains("2 units committed to order o3, whose plan ships 1", StringComparison.Ordinal));
        Assert.Contains(result.Violations, v => v.Contains("order o3 (Allocated) still has 1 of s1 to ship from n1, stock has 2", StringComparison.Ordinal));
        Assert.Contains(result.Violations, v => v.Contains("2 units committed to 'ghost', which is not an accepted order", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_settled_audit_reads_past_work_in_flight_and_keeps_a_violation_that_stays()
    {
        // The first read sees the order's commit still under way (a mismatch no invariant broke),
        // the next ones see it committed: the answer is clean, and it took the reads to agree.
        var reads = 0;
        var inFlightThenDone = await GridAuditor.AuditWhenSettled(() =>
        {
            var committed = Interlocked.Increment(ref reads) == 1 ? new Dictionary<string, int>() : new Dictionary<string, int> { ["o1"] = 1 };
            return GridAuditor.Audit(_ => Task.FromResult(Stock(committed, onHand: 5)), id => Task.FromResult<OrderView?>(Order(id, 1)), [Key], ["o1"]);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(1));
        Assert.Empty(inFlightThenDone.Violations);
        Assert.Equal(3, reads);

        // A real violation reads the same every time and is answered.
        var broken = await GridAuditor.AuditWhenSettled(() => GridAuditor.Audit(
            _ => Task.FromResult(Stock(new Dictionary<string, int>(), onHand: 5)), id => Task.FromResult<OrderView?>(Order(id, 1)), [Key], ["o1"]),
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(1));
        Assert.Contains(broken.Violations, v => v.Contains("order o1 (Allocated) still has 1 of s1 to ship from n1, stock has 0", StringComparison.Ordinal));

        // A grid that never settles is never answered clean.
        var moving = 0;
        var neverSettled = await GridAuditor.AuditWhenSettled(() =>
        {
            var onHand = 5 + Interlocked.Increment(ref moving);
            return GridAuditor.Audit(_ => Task.FromResult(Stock(new Dictionary<string, int> { ["o1"] = 1 }, onHand)), id => Task.FromResult<OrderView?>(Order(id, 1)), [Key], ["o1"]);
        }, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(1));
        Assert.Contains(neverSettled.Violations, v => v.Contains("did not settle", StringComparison.Ordinal));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
