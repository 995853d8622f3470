using OrleansOrders.LoadTest.Churn;
using OrleansOrders.LoadTest.Hosting;
using OrleansOrders.LoadTest.Load;

namespace OrleansOrders.LoadTest.Reporting;

/// <summary>
/// The report of one <c>run</c>, written as report.json (camelCase, these names exactly) and
/// report.md. Rates are per second of the measured window; latencies in milliseconds.
/// </summary>
public sealed record LoadReport
{
    public required string RunId { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required string Target { get; init; }
    public required RunParameters Parameters { get; init; }
    /// <summary>Accepted orders (allocated, partially allocated or backordered) per second.</summary>
    public required double OrdersPerSecond { get; init; }
    /// <summary>Fully allocated orders per second.</summary>
    public required double AllocatedPerSecond { get; init; }
    /// <summary>Ping grain calls per second, closed loop at the same concurrency; null when skipped.</summary>
    public required double? RawCallsPerSecond { get; init; }
    /// <summary>ordersPerSecond / rawCallsPerSecond.</summary>
    public required double? Ratio { get; init; }
    public required LatencySummary LatencyMs { get; init; }
    public required OutcomeCounts Outcomes { get; init; }
    public required double ShipmentsPerOrder { get; init; }
    /// <summary>Cost, promise, splits and store pickups of the run's orders (warm-up included) as the audit read them.</summary>
    public required RoutingSummary Routing { get; init; }
    /// <summary>With --replenish-every: the stock receipts that arrived during the measured load; else null.</summary>
    public StockReceiptsSummary? Receipts { get; init; }
    /// <summary>With --cancel-share: the accepted orders picked for cancelling and what became of the cancels; else null.</summary>
    public CancellationsSummary? Cancellations { get; init; }
    /// <summary>When parcels waited for release waves (Grid:Release): released, re-optimised, drained at the end; else null.</summary>
    public Load.WaveSummary? Waves { get; init; }
    public required AuditSummary Audit { get; init; }
    public required IReadOnlyList<TimelinePoint> Timeline { get; init; }
    public required long MeasuredOrders { get; init; }
    public required double MeasuredSeconds { get; init; }
    public required RawCeilingResult? RawCeiling { get; init; }
    public required IReadOnlyList<string> ErrorSamples { get; init; }
    /// <summary>This process during the load (warm-up included): CPU, cores busy, GCs and their pauses. In-process, that includes the silo.</summary>
    public ProcessStats? Process { get; init; }

    /// <summary>
    /// The raw ceiling measured again right after the load, the same way: a grid that has slowed (a
    /// bigger heap, more activations) shows a lower figure here than before. Null when skipped.
    /// </summary>
    public RawCeilingResult? RawCeilingAfter { get; init; }

    /// <summary>ordersPerSecond / the raw calls/s measured after the load.</summary>
    public double? RatioAfter => RawCeilingAfter is { CallsPerSecond: > 0 } after ? Math.Round(OrdersPerSecond / after.CallsPerSecond, 4) : null;

    /// <summary>CPU time of this process per submitted order during the load (warm-up included). In process, silo and client together; against a cluster, the client's alone.</summary>
    public double? CpuMsPerOrder { get; init; }

    /// <summary>Live heap after a full collection 30 s into the measured window (runs that long only).</summary>
    public HeapCheckpoint? HeapEarly { get; init; }

    /// <summary>Live heap after a full collection at the end of the load, before the audit.</summary>
    public HeapCheckpoint? HeapAtEnd { get; init; }

    /// <summary>Live heap at the end over the heap at 30 s (the 5-minute run's goal: at most 1.5).</summary>
    public double? HeapGrowth => HeapEarly is { LiveMb: > 0 } early && HeapAtEnd is { } end ? Math.Round(end.LiveMb / early.LiveMb, 2) : null;
    /// <summary>In process: storage reads per submitted order during the load (all stores, background flushes included); else null.</summary>
    public double? StorageReadsPerOrder { get; init; }
    /// <summary>In process: storage writes per submitted order during the load; else null.</summary>
    public double? StorageWritesPerOrder { get; init; }
    /// <summary>In process: the storage operations behind those figures, by store and state; else null.</summary>
    public StorageCost? Storage { get; init; }
    /// <summary>With --call-stats: grain calls (all kinds, storage included) per submitted order; else null.</summary>
    public double? GrainCallsPerOrder { get; init; }
    /// <summary>With --call-stats: every grain method called during the load, most calls first; else null.</summary>
    public IReadOnlyList<GrainMethodStats>? GrainCalls { get; init; }
}

/// <param name="MinLinesPerOrder">The fewest lines an order had; below <paramref name="LinesPerOrder"/> when the scenario varies it.</param>
public sealed record RunParameters(
    string Mode,
    string Scenario,
    int LinesPerOrder,
    string Loop,
    int? Concurrency,
    double? Rate,
    string? Duration,
    long? Orders,
    string Warmup,
    int Seed,
    int NetworkSeed,
    int Nodes,
    int Skus,
    string RawDuration,
    int RawConcurrency,
    int MinLinesPerOrder);

public sealed record OutcomeCounts(long Allocated, long Partial, long Backordered, long Rejected, long Errors);

public sealed record AuditSummary(
    int Violations,
    IReadOnlyList<string> Details,
    int StockKeys,
    int OrdersAudited,
    int OrdersOfEarlierRuns,
    long CommittedUnits,
    long HeldUnits);
