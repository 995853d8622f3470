namespace OrleansOrders.LoadTest.Load;

public enum OrderOutcome
{
    Allocated,
    Partial,
    Backordered,
    /// <summary>Refused by the grid (validation or conflict): nothing was changed.</summary>
    Rejected,
    /// <summary>Failed or timed out: the outcome is unknown, so the audit reads the order back.</summary>
    Error,
}

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record LatencySummary(double P50, double P90, double P99, double Max);

/// <summary>One second of the measured window.</summary>
public sealed record TimelinePoint(int Second, double OrdersPerSecond, double P50Ms, double P99Ms, long Errors);

/// <summary>What a load run measured, and which orders it left in the grid for the audit.</summary>
public sealed record LoadResult
{
    public required TimeSpan Measured { get; init; }
    public required long Allocated { get; init; }
    public required long Partial { get; init; }
    public required long Backordered { get; init; }
    public required long Rejected { get; init; }
    public required long Errors { get; init; }
    public required LatencySummary Latency { get; init; }
    /// <summary>Parcels per order, over the measured orders that got at least one.</summary>
    public required double ShipmentsPerOrder { get; init; }
    public required IReadOnlyList<TimelinePoint> Timeline { get; init; }
    /// <summary>Every order the grid accepted, warm-up included.</summary>
    public required IReadOnlyCollection<string> AcceptedOrderIds { get; init; }
    /// <summary>Orders whose submission failed with an unknown outcome: the audit asks the grid about them.</summary>
    public required IReadOnlyList<string> UnknownOrderIds { get; init; }
    public required IReadOnlyList<string> ErrorSamples { get; init; }
    public required long Submitted { get; init; }
    public required long WarmupCompleted { get; init; }

    /// <summary>Accepted orders (allocated, partial or backordered) in the measured window.</summary>
    public long Accepted => Allocated + Partial + Backordered;

    public double OrdersPerSecond => Measured > TimeSpan.Zero ? Accepted / Measured.TotalSeconds : 0;

    public double AllocatedPerSecond => Measured > TimeSpan.Zero ? Allocated / Measured.TotalSeconds : 0;
}
