namespace OrleansOrders.Contracts;

/// <summary>
/// Shadow routing: a candidate routing policy that every live order is also planned under, on the
/// bids the live routing collected, without holding anything; and a replay of a candidate over the
/// last recorded orders. Key 0 (one per cluster). The policy is durable; the tallies are memory only
/// (a window of per-minute buckets that each silo's shadow planner adds to).
/// </summary>
[Alias("oo.IShadowRoutingGrain")]
public interface IShadowRoutingGrain : IGrainWithIntegerKey
{
    /// <summary>Starts (or replaces) the shadow policy; the tallies start again. Answers the problems when it is not valid (and changes nothing).</summary>
    [Alias("Start")]
    Task<IReadOnlyList<string>> Start(ShadowPolicy policy);

    [Alias("Stop")]
    Task Stop();

    /// <summary>The policy in shadow and since when, or null.</summary>
    [Alias("GetRun"), ReadOnly, AlwaysInterleave]
    Task<ShadowRun?> GetRun();

    /// <summary>One silo's tally since its last one (one-way: the live path never waits on shadow work).</summary>
    [Alias("Add"), OneWay]
    Task Add(ShadowTally tally);

    /// <summary>Live and shadow side by side over the last <paramref name="window"/> (at most an hour).</summary>
    [Alias("Report"), ReadOnly]
    Task<ShadowReport> Report(TimeSpan window);

    /// <summary>Plans the last <paramref name="orders"/> recorded orders (at most 2,000) under the candidate and under the live policy, on each order's recorded bids.</summary>
    [Alias("Replay")]
    Task<ShadowReplay> Replay(ShadowPolicy policy, int orders);
}

/// <summary>A candidate routing policy: each field set replaces the live policy's for the comparison; null keeps it.</summary>
/// <param name="Name">What the operator calls it (1-64 characters).</param>
/// <param name="CandidateCount">Plan on at most this many of the live bids, best-ranked first (a policy that asks fewer nodes).</param>
/// <param name="UseOpportunityCost">Whether opportunity cost counts in the objective.</param>
/// <param name="ExcludedNodes">Nodes the candidate never uses.</param>
/// <param name="SampleRate">Share of live orders planned in shadow (0.01-1, default 1), chosen by order id, so the shadow's solves cost the live path's CPU in proportion.</param>
[GenerateSerializer, Immutable, Alias("oo.ShadowPolicy")]
public sealed record ShadowPolicy(
    [property: Id(0)] string Name,
    [property: Id(1)] RoutingGoal? Goal = null,
    [property: Id(2)] bool? ShipComplete = null,
    [property: Id(3)] int? MaxShipments = null,
    [property: Id(4)] int? CandidateCount = null,
    [property: Id(5)] bool? UseOpportunityCost = null,
    [property: Id(6)] IReadOnlyList<string>? ExcludedNodes = null,
    [property: Id(7)] ShadowWeights? Weights = null,
    [property: Id(8)] double? SampleRate = null)
{
    /// <summary>What is wrong with the policy; empty when it can run.</summary>
    public List<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 64)
        {
            problems.Add("name must be 1-64 characters.");
        }
        if (Goal is { } goal && !Enum.IsDefined(goal))
        {
            problems.Add("goal must be LowestCost, Fastest, StockBalance or Weighted.");
        }
        if (MaxShipments is < 1 or > RoutingPreferences.MaxShipmentsLimit)
        {
            problems.Add($"maxShipments must be 1-{RoutingPreferences.MaxShipmentsLimit}.");
        }
        if (CandidateCount is < 1 or > 50)
        {
            problems.Add("candidateCount must be 1-50.");
        }
        if (SampleRate is { } rate && (double.IsNaN(rate) || rate < 0.01 || rate > 1))
        {
            problems.Add("sampleRate must be 0.01-1.");
        }
        if (ExcludedNodes is { } nodes && (nodes.Count > 200 || nodes.Any(n => !Identifiers.IsValid(n))))
        {
            problems.Add("excludedNodes must be at most 200 node ids (1-64 letters, digits or . _ : -).");
        }
        if (Weights is { } w && (w.Cost < 0 || w.PerDay < 0 || w.Depletion < 0 || w.PerShipment < 0 || w.Cost > 1000 || w.PerDay > 1000 || w.Depletion > 1000 || w.PerShipment > 1000))
        {
            problems.Add("weights must each be 0-1000.");
        }
        return problems;
    }
}

/// <summary>A shadow policy running since <paramref name="StartedAt"/> (its tallies are told apart from a replaced one's by it).</summary>
[GenerateSerializer, Immutable, Alias("oo.ShadowRun")]
public sealed record ShadowRun([property: Id(0)] ShadowPolicy Policy, [property: Id(1)] DateTimeOffset StartedAt);

/// <summary>Weights of the Weighted goal (and depletion for StockBalance).</summary>
[GenerateSerializer, Immutable, Alias("oo.ShadowWeights")]
public sealed record ShadowWeights(
    [property: Id(0)] decimal Cost = 1m,
    [property: Id(1)] decimal PerDay = 1m,
    [property: Id(2)] decimal Depletion = 5m,
    [property: Id(3)] decimal PerShipment = 0m);

/// <summary>Sums over the orders one side (live or shadow) planned.</summary>
[GenerateSerializer, Alias("oo.ShadowSideTally")]
public sealed class ShadowSideTally
{
    [Id(0)] public decimal Cost { get; set; }
    [Id(1)] public long PromisedDays { get; set; }
    [Id(2)] public long Parcels { get; set; }
    [Id(3)] public long SplitOrders { get; set; }
    [Id(4)] public long UnitsShipped { get; set; }
    [Id(5)] public long UnitsUnallocated { get; set; }
    [Id(6)] public Dictionary<string, long> UnitsByNode { get; set; } = new(StringComparer.Ordinal);

    public void Add(ShadowSideTally other)
    {
        Cost += other.Cost;
        PromisedDays += other.PromisedDays;
        Parcels += other.Parcels;
        SplitOrders += other.SplitOrders;
        UnitsShipped += other.UnitsShipped;
        UnitsUnallocated += other.UnitsUnallocated;
        foreach (var (node, units) in other.UnitsByNode)
        {
            UnitsByNode[node] = UnitsByNode.GetValueOrDefault(node) + units;
        }
    }

    public ShadowSide Summary(long orders) => orders == 0
        ? new ShadowSide(0, 0, 0, 0, 0, 0, new Dictionary<string, long>())
        : new ShadowSide(Math.Round(Cost / orders, 4), Math.Round((double)PromisedDays / orders, 4), Math.Round((double)Parcels / orders, 4),
            Math.Round((double)SplitOrders / orders, 4), UnitsShipped, UnitsUnallocated,
            UnitsByNode.OrderByDescending(n => n.Value).ThenBy(n => n.Key, StringComparer.Ordinal).ToDictionary(n => n.Key, n => n.Value));
}

/// <summary>An order the two policies planned differently.</summary>
[GenerateSerializer, Immutable, Alias("oo.ShadowExample")]
public sealed record ShadowExample(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string Live,
    [property: Id(2)] decimal LiveCost,
    [property: Id(3)] string Shadow,
    [property: Id(4)] decimal ShadowCost);

/// <summary>What a silo's shadow planner compared since its last tally.</summary>
[GenerateSerializer, Alias("oo.ShadowTally")]
public sealed class ShadowTally
{
    public const int MaxExamples = 10;

    /// <summary>The policy's start time the tally was made under (a tally of a replaced policy is dropped).</summary>
    [Id(0)] public DateTimeOffset PolicyStartedAt { get; set; }
    [Id(1)] public long Orders { get; set; }
    [Id(2)] public long PlannedDifferently { get; set; }
    /// <summary>Orders the live routing settled on one bid (the fast path): no other bid to plan on, so not compared.</summary>
    [Id(3)] public long FastPathSkipped { get; set; }
    /// <summary>Orders the policy's sample rate left out of the comparison.</summary>
    [Id(8)] public long NotSampled { get; set; }
    /// <summary>Orders not compared because the planner's queue was full (shadow work is dropped before it slows the live path).</summary>
    [Id(4)] public long Dropped { get; set; }
    [Id(5)] public ShadowSideTally Live { get; set; } = new();
    [Id(6)] public ShadowSideTally Shadow { get; set; } = new();
    [Id(7)] public List<ShadowExample> Examples { get; set; } = [];

    public bool IsEmpty => Orders == 0 && FastPathSkipped == 0 && Dropped == 0 && NotSampled == 0;

    public void Add(ShadowTally other)
    {
        Orders += other.Orders;
        PlannedDifferently += other.PlannedDifferently;
        FastPathSkipped += other.FastPathSkipped;
        Dropped += other.Dropped;
        NotSampled += other.NotSampled;
        Live.Add(other.Live);
        Shadow.Add(other.Shadow);
        foreach (var example in other.Examples)
        {
            AddExample(example);
        }
    }

    /// <summary>Keeps the newest examples.</summary>
    public void AddExample(ShadowExample example)
    {
        Examples.Add(example);
        if (Examples.Count > MaxExamples)
        {
            Examples.RemoveAt(0);
        }
    }
}

/// <summary>One side of the comparison, per order.</summary>
[GenerateSerializer, Immutable, Alias("oo.ShadowSide")]
public sealed record ShadowSide(
    [property: Id(0)] decimal CostPerOrder,
    [property: Id(1)] double PromisedDays,
    [property: Id(2)] double ParcelsPerOrder,
    [property: Id(3)] double SplitRate,
    [property: Id(4)] long UnitsShipped,
    [property: Id(5)] long UnitsUnallocated,
    [property: Id(6)] IReadOnlyDictionary<string, long> UnitsByNode);

[GenerateSerializer, Immutable, Alias("oo.ShadowReport")]
public sealed record ShadowReport(
    [property: Id(0)] ShadowPolicy? Policy,
    [property: Id(1)] DateTimeOffset? StartedAt,
    [property: Id(2)] TimeSpan Window,
    [property: Id(3)] long Orders,
    [property: Id(4)] long PlannedDifferently,
    [property: Id(5)] long FastPathSkipped,
    [property: Id(6)] long Dropped,
    [property: Id(7)] ShadowSide Live,
    [property: Id(8)] ShadowSide Shadow,
    [property: Id(9)] IReadOnlyList<ShadowExample> Examples)
{
    /// <summary>Orders the policy's sample rate left out.</summary>
    [Id(10)] public long NotSampled { get; init; }
}

/// <summary>A replay of a candidate over recorded orders, beside the live policy on the same recorded bids.</summary>
/// <param name="Skipped">Recorded orders not replayed (no recorded bids: pickups, orders routed before bids were kept, or gone).</param>
[GenerateSerializer, Immutable, Alias("oo.ShadowReplay")]
public sealed record ShadowReplay(
    [property: Id(0)] ShadowPolicy Policy,
    [property: Id(1)] long Orders,
    [property: Id(2)] long Skipped,
    [property: Id(3)] long PlannedDifferently,
    [property: Id(4)] ShadowSide Live,
    [property: Id(5)] ShadowSide Shadow,
    [property: Id(6)] IReadOnlyList<ShadowExample> Examples);
