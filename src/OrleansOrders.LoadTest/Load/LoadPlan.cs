namespace OrleansOrders.LoadTest.Load;

/// <summary>
/// How hard and how long to drive the grid. Closed loop: <see cref="Concurrency"/> workers, each
/// submitting its next order when the previous one answers. Open loop: orders start at
/// <see cref="Rate"/> per second whether or not earlier ones answered (latency is measured from
/// each order's scheduled start, so a stalled grid shows up as latency, not as a lower rate).
/// The run stops after <see cref="Duration"/> or after <see cref="Orders"/> measured orders;
/// what completes during <see cref="Warmup"/> is not measured (but is audited).
/// </summary>
public sealed record LoadPlan
{
    public const int DefaultConcurrency = 64;
    public const int DefaultMaxInFlight = 10_000;

    public int? Concurrency { get; init; }

    public double? Rate { get; init; }

    public TimeSpan? Duration { get; init; }

    public long? Orders { get; init; }

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Open loop only: orders in flight at most; past it the schedule waits (and latency shows it).</summary>
    public int MaxInFlight { get; init; } = DefaultMaxInFlight;

    public bool OpenLoop => Rate is not null;

    /// <summary>Closed-loop workers, or for an open loop the concurrency at which the raw ceiling is measured.</summary>
    public int EffectiveConcurrency => Concurrency ?? DefaultConcurrency;

    public void Validate()
    {
        if (Rate is not null && Concurrency is not null)
        {
            throw new ArgumentException("give --concurrency (closed loop) or --rate (open loop), not both.");
        }
        if (Duration is not null == Orders is not null)
        {
            throw new ArgumentException("give exactly one of --duration or --orders.");
        }
    }
}

/// <summary>Unique order ids for one run: the run id, then a sequence number.</summary>
public sealed class OrderIds(string runId)
{
    private readonly string _prefix = runId + "-";
    private long _next;

    public string RunId { get; } = runId;

    public string Next() => Format(_prefix, Interlocked.Increment(ref _next));

    internal static string Format(string prefix, long sequence) => $"{prefix}{sequence:D7}";

    /// <summary>A run id unlikely to repeat: time to the second and four random hex digits (at most 22 characters).</summary>
    public static string NewRunId() => $"lt{DateTime.UtcNow:yyMMddHHmmss}-{Random.Shared.Next(0x10000):x4}";
}
