using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;
using OrleansOrders.Routing;

namespace OrleansOrders.Grains.Routing;

[GenerateSerializer, Alias("oo.ShadowRoutingState")]
public sealed class ShadowRoutingState
{
    [Id(0)] public ShadowRun? Run { get; set; }
}

/// <summary>
/// The shadow policy (durable, so a restart keeps comparing) and the last hour of tallies the
/// silos' <see cref="ShadowPlanner"/>s send, in per-minute buckets (memory: a restart starts the
/// window again). A replay plans recorded orders itself, on the bids each order recorded.
/// </summary>
public sealed class ShadowRoutingGrain(
    [PersistentState("shadow", GridOptions.StorageName)] IPersistentState<ShadowRoutingState> state,
    GridClock clock,
    IOptions<GridOptions> options) : Grain, IShadowRoutingGrain
{
    public static readonly TimeSpan MaxWindow = TimeSpan.FromHours(1);
    public const int MaxReplayOrders = 2_000;

    private readonly SortedDictionary<long, ShadowTally> _minutes = [];

    async Task<IReadOnlyList<string>> IShadowRoutingGrain.Start(ShadowPolicy policy)
    {
        var problems = policy is null ? ["a policy is required."] : policy.Problems();
        if (problems.Count > 0)
        {
            return problems;
        }
        state.State.Run = new ShadowRun(policy! with { Name = policy.Name.Trim() }, clock.UtcNow);
        await state.WriteStateAsync();
        _minutes.Clear();
        return [];
    }

    async Task IShadowRoutingGrain.Stop()
    {
        state.State.Run = null;
        await state.WriteStateAsync();
        _minutes.Clear();
    }

    Task<ShadowRun?> IShadowRoutingGrain.GetRun() => Task.FromResult(state.State.Run);

    Task IShadowRoutingGrain.Add(ShadowTally tally)
    {
        if (state.State.Run is not { } run || tally.PolicyStartedAt != run.StartedAt)
        {
            return Task.CompletedTask; // a tally of a policy that was stopped or replaced meanwhile
        }
        var minute = MinuteOf(clock.UtcNow);
        if (!_minutes.TryGetValue(minute, out var bucket))
        {
            _minutes[minute] = bucket = new ShadowTally { PolicyStartedAt = run.StartedAt };
        }
        bucket.Add(tally);
        while (_minutes.Count > 0 && _minutes.First().Key < minute - (long)MaxWindow.TotalMinutes)
        {
            _minutes.Remove(_minutes.First().Key);
        }
        return Task.CompletedTask;
    }

    Task<ShadowReport> IShadowRoutingGrain.Report(TimeSpan window)
    {
        window = window <= TimeSpan.Zero || window > MaxWindow ? MaxWindow : window;
        var since = MinuteOf(clock.UtcNow - window);
        var total = new ShadowTally();
        foreach (var (minute, bucket) in _minutes)
        {
            if (minute >= since)
            {
                total.Add(bucket);
            }
        }
        var run = state.State.Run;
        return Task.FromResult(new ShadowReport(run?.Policy, run?.StartedAt, window, total.Orders, total.PlannedDifferently, total.FastPathSkipped,
            total.Dropped, total.Live.Summary(total.Orders), total.Shadow.Summary(total.Orders), total.Examples.AsEnumerable().Reverse().ToList())
        {
            NotSampled = total.NotSampled,
        });
    }

    async Task<ShadowReplay> IShadowRoutingGrain.Replay(ShadowPolicy policy, int orders)
    {
        if (policy?.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(policy));
        }
        ArgumentNullException.ThrowIfNull(policy);
        var candidate = ShadowPlanner.OverrideOf(policy);
        var recent = await GrainFactory.Reference<IRecentOrdersGrain>(0).GetRecent(Math.Clamp(orders, 1, MaxReplayOrders));
        var tally = new ShadowTally();
        var skipped = 0L;
        // Bounded fan-out: a replay must not flood the grid it runs on.
        // Oldest first, so the examples kept (the last ones added) are the newest orders.
        foreach (var batch in recent.Reverse().Chunk(32))
        {
            var views = await Task.WhenAll(batch.Select(o => GrainFactory.Reference<IOrderGrain>(o.OrderId).Get()));
            foreach (var view in views)
            {
                if (view is null || ReplayInput(view) is not { } input)
                {
                    skipped++;
                    continue;
                }
                var live = options.Value.Routing.For(view.Request.Channel, view.Request.Routing, view.AcceptedAt);
                var livePlan = AllocationSolver.Solve(input.Demand, input.Offers, live);
                ShadowPlanner.Count(tally, view.OrderId, livePlan, candidate.Plan(input.Demand, input.Offers, live), DateOnly.FromDateTime(view.AcceptedAt.UtcDateTime));
            }
        }
        return new ShadowReplay(policy, tally.Orders, skipped, tally.PlannedDifferently, tally.Live.Summary(tally.Orders), tally.Shadow.Summary(tally.Orders),
            tally.Examples.AsEnumerable().Reverse().ToList());
    }

    /// <summary>
    /// What an order's first routing was planned on: its lines and its recorded bids. Only orders
    /// routed once, for delivery, with bids kept: a re-routed order's bids are those of its last
    /// routing, for other lines; a pickup has one store; the fast path kept one bid.
    /// </summary>
    private static (List<DemandLine> Demand, List<NodeOffer> Offers)? ReplayInput(OrderView view)
    {
        if (view.Request.PickupNodeId is not null || view.Bids is not { Count: > 1 } bids || view.FastPath is not null ||
            view.Shipments.Any(s => s.ReservationId is { Length: > 0 } r && r != view.OrderId))
        {
            return null;
        }
        var demand = AllocationSolver.Consolidate(view.Request.Lines.Select(l => new DemandLine(l.Sku, l.Quantity) { KitId = l.KitId })).ToList();
        return (demand, bids.Where(b => b.Accepts).Select(b => BidTerms.ToOffer(b)).ToList());
    }

    private static long MinuteOf(DateTimeOffset at) => at.ToUnixTimeSeconds() / 60;
}
