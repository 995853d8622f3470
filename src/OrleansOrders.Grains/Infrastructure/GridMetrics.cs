using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using OrleansOrders.Contracts;

namespace OrleansOrders.Grains;

/// <summary>
/// The grid's own instruments, on the meter <c>OrleansOrders</c> (exported beside Orleans' own
/// <c>Microsoft.Orleans</c> meter by the host's OpenTelemetry setup). Static, like the runtime's
/// meters, so a grain records with one call and no constructor change; every silo in a process
/// shares them, which is what an exporter aggregates anyway. Tags are low-cardinality: outcomes,
/// and node ids (a network has hundreds of nodes, not millions), never order ids or SKUs.
/// </summary>
public static class GridMetrics
{
    public const string MeterName = "OrleansOrders";

    private static readonly Meter Meter = new(MeterName, "1.0");

    private static readonly Counter<long> Orders = Meter.CreateCounter<long>(
        "orleansorders.orders", "{order}", "Orders by outcome: allocated, partially_allocated, backordered, replayed, conflict, invalid, cancelled.");

    private static readonly Histogram<double> AllocationDuration = Meter.CreateHistogram<double>(
        "orleansorders.allocation.duration", "s", "Time the router took to allocate an order: candidates, bid rounds, holds.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    private static readonly Histogram<long> RoutingRounds = Meter.CreateHistogram<long>(
        "orleansorders.routing.rounds", "{round}", "Bid rounds an allocation took (more than one after a hold lost to a concurrent order).",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 3, 4, 5, 8] });

    private static readonly Counter<long> Rebids = Meter.CreateCounter<long>(
        "orleansorders.routing.rebids", "{round}", "Re-bid rounds: rounds after the first, run over what a lost race left.");

    private static readonly Counter<long> Bids = Meter.CreateCounter<long>(
        "orleansorders.routing.bids", "{bid}", "Bids asked of nodes, by result: accepted, declined, missed_deadline, failed.");

    private static readonly Counter<long> FastPath = Meter.CreateCounter<long>(
        "orleansorders.routing.fast_path", "{order}", "First rounds that asked the first candidate alone, by result: settled (its plan stood) or widened (the rest were asked).");

    private static readonly Counter<long> BidsMissed = Meter.CreateCounter<long>(
        "orleansorders.routing.bids.missed_deadline", "{bid}", "Bids a node did not answer within Grid:BidDeadline, by node.");

    private static readonly Counter<long> BreakerChanges = Meter.CreateCounter<long>(
        "orleansorders.routing.breaker.changes", "{change}", "Changes of a silo's circuit breaker on a node, by node and new state (Closed, Open, HalfOpen).");

    private static readonly Counter<long> WaveReleases = Meter.CreateCounter<long>(
        "orleansorders.release.parcels", "{parcel}", "Parcels that waited for their node's release wave and were released.");

    private static readonly Counter<long> Reoptimisations = Meter.CreateCounter<long>(
        "orleansorders.release.reoptimised", "{order}", "Orders the re-optimiser allocated a better plan for before release, by result: moved, kept (no longer better once held), abandoned (a commit was refused).");

    private static readonly Gauge<long> CapacityUsed = Meter.CreateGauge<long>(
        "orleansorders.node.capacity.used", "{order}", "Orders a node has taken of today's capacity, by node.");

    private static readonly Gauge<double> CapacityUtilization = Meter.CreateGauge<double>(
        "orleansorders.node.capacity.utilization", "1", "Share of today's capacity a node has taken (0-1), by node.");

    private static readonly Histogram<double> OpportunityCostRefreshDuration = Meter.CreateHistogram<double>(
        "orleansorders.opportunity_cost.refresh.duration", "s", "Time a refresh of the network's opportunity costs took (nodes, recent orders, availability, the per-SKU solve), by outcome: ok, failed.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    private static readonly Counter<long> HoldsExpiredCounter = Meter.CreateCounter<long>(
        "orleansorders.stock.holds.expired", "{hold}", "Holds that expired before their order committed or released them.");

    // Live stock grains of this process and how to read their hold count; summed at each collection,
    // so the gauge is exact for this silo and cannot drift the way a counter of +1/-1 calls would.
    private static readonly ConcurrentDictionary<object, Func<int>> HoldSources = new(ReferenceEqualityComparer.Instance);

    static GridMetrics()
    {
        Meter.CreateObservableUpDownCounter(
            "orleansorders.stock.holds.outstanding", ReadOutstandingHolds, "{hold}",
            "Stock holds granted and not yet committed, released or expired, in this silo.");
    }

    /// <summary>Counts a submit's outcome; answers <paramref name="result"/> so a return statement can wrap it.</summary>
    public static SubmitOrderResult RecordSubmit(SubmitOrderResult result)
    {
        var outcome = result.Outcome switch
        {
            SubmitOutcome.Accepted => result.Order?.Status switch
            {
                OrderStatus.PartiallyAllocated => "partially_allocated",
                OrderStatus.Backordered => "backordered",
                _ => "allocated",
            },
            SubmitOutcome.Replayed => "replayed",
            SubmitOutcome.Conflict => "conflict",
            _ => "invalid",
        };
        Orders.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        return result;
    }

    /// <summary>Counts an order cancelled (a first cancel, not a replay of one).</summary>
    public static void OrderCancelled() => Orders.Add(1, new KeyValuePair<string, object?>("outcome", "cancelled"));

    /// <summary>Records one allocation by the router: how long it took and how many bid rounds.</summary>
    public static void AllocationFinished(TimeSpan elapsed, int rounds, string outcome)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        AllocationDuration.Record(elapsed.TotalSeconds, tag);
        RoutingRounds.Record(rounds, tag);
        if (rounds > 1)
        {
            Rebids.Add(rounds - 1);
        }
    }

    /// <summary>Counts a bid by result (accepted, declined, missed_deadline, failed); a missed deadline is also counted by node.</summary>
    public static void ParcelsReleased(int count) => WaveReleases.Add(count);

    public static void Reoptimised(string result) => Reoptimisations.Add(1, new KeyValuePair<string, object?>("result", result));

    public static void FastPathTried(bool settled) =>
        FastPath.Add(1, new KeyValuePair<string, object?>("result", settled ? "settled" : "widened"));

    public static void BidAnswered(string nodeId, string result)
    {
        Bids.Add(1, new KeyValuePair<string, object?>("result", result));
        if (result == "missed_deadline")
        {
            BidsMissed.Add(1, new KeyValuePair<string, object?>("node", nodeId));
        }
    }

    /// <summary>A silo's breaker on a node changed state.</summary>
    public static void BreakerChanged(string nodeId, string state) =>
        BreakerChanges.Add(1, new KeyValuePair<string, object?>("node", nodeId), new KeyValuePair<string, object?>("state", state));

    /// <summary>A node's use of today's capacity, recorded whenever it changes.</summary>
    public static void NodeCapacity(string nodeId, int used, int dailyCapacity)
    {
        var node = new KeyValuePair<string, object?>("node", nodeId);
        CapacityUsed.Record(used, node);
        CapacityUtilization.Record(dailyCapacity <= 0 ? 1.0 : Math.Min(1.0, (double)used / dailyCapacity), node);
    }

    /// <summary>Records one opportunity-cost refresh: how long it took and whether it produced a table ("ok", "failed").</summary>
    public static void OpportunityCostRefreshed(TimeSpan elapsed, string outcome) =>
        OpportunityCostRefreshDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>Counts holds that expired (the stock grain's sweep).</summary>
    public static void HoldsExpired(int count)
    {
        if (count > 0)
        {
            HoldsExpiredCounter.Add(count);
        }
    }

    /// <summary>Starts reporting a stock grain's live hold count (call on activation); <paramref name="count"/> must be cheap and thread-safe to read.</summary>
    public static void TrackHolds(object grain, Func<int> count) => HoldSources[grain] = count;

    /// <summary>Stops reporting a stock grain's holds (call on deactivation: its in-memory holds are gone).</summary>
    public static void UntrackHolds(object grain) => HoldSources.TryRemove(grain, out _);

    private static long ReadOutstandingHolds()
    {
        long total = 0;
        foreach (var source in HoldSources.Values)
        {
            total += source();
        }
        return total;
    }

    /// <summary>A stopwatch start for <see cref="AllocationFinished"/>.</summary>
    public static long Now() => Stopwatch.GetTimestamp();
}
