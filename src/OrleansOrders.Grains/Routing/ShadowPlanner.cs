using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansOrders.Contracts;
using OrleansOrders.Routing;

namespace OrleansOrders.Grains.Routing;

/// <summary>
/// Plans live orders under the shadow policy, beside the live path and never on it: the router
/// hands over the order's demand, the bids it collected, its options and its own plan (a queue
/// write, no call, no solve); this silo's background loop solves the candidate on those bids,
/// tallies both sides, and sends the tally to <see cref="IShadowRoutingGrain"/> once a second
/// (one one-way call per silo, not per order). When the queue is full an order is dropped from
/// the comparison (counted) rather than slowing the live path. The policy is read from the
/// shadow grain every <see cref="PolicyRefresh"/>, so a started or stopped policy takes effect
/// within that on every silo.
/// </summary>
public sealed class ShadowPlanner(IGrainFactory grains, ILogger<ShadowPlanner> logger) : BackgroundService
{
    public static readonly TimeSpan PolicyRefresh = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan TallyEvery = TimeSpan.FromSeconds(1);
    private const int QueueLimit = 4096;

    private sealed record Active(ShadowPolicy Policy, PolicyOverride Override, DateTimeOffset StartedAt)
    {
        /// <summary>Orders whose id hashes below this (of 10,000) are planned in shadow.</summary>
        public int SampleBelow { get; } = (int)Math.Round(10_000 * (Policy.SampleRate ?? 1.0));
    }

    private sealed record Input(string OrderId, IReadOnlyList<DemandLine> Demand, IReadOnlyList<NodeOffer> Offers, SolverOptions Live, AllocationPlan LivePlan, DateOnly OrderedOn);

    private readonly Channel<Input> _queue = Channel.CreateBounded<Input>(new BoundedChannelOptions(QueueLimit)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private volatile Active? _active;
    private long _dropped;
    private long _notSampled;
    private long _fastPathSkipped;

    /// <summary>Whether a shadow policy runs (the router skips all shadow work otherwise).</summary>
    public bool IsActive => _active is not null;

    /// <summary>Queues an order for the candidate's plan; never blocks, never throws.</summary>
    public void Observe(string orderId, IReadOnlyList<DemandLine> demand, IReadOnlyList<NodeOffer> offers, SolverOptions live, AllocationPlan livePlan, DateTimeOffset orderedAt)
    {
        if (_active is not { } active)
        {
            return;
        }
        if (active.SampleBelow < 10_000 && OrderRecoveryShards.For(orderId, 10_000) >= active.SampleBelow)
        {
            Interlocked.Increment(ref _notSampled);
            return;
        }
        if (!_queue.Writer.TryWrite(new Input(orderId, demand, offers, live, livePlan, DateOnly.FromDateTime(orderedAt.UtcDateTime))))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>The live routing settled an order on one bid: nothing for the candidate to plan on.</summary>
    public void FastPathTaken()
    {
        if (_active is not null)
        {
            Interlocked.Increment(ref _fastPathSkipped);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var tally = new ShadowTally();
        var nextRefresh = DateTimeOffset.MinValue;
        var nextTally = DateTimeOffset.UtcNow + TallyEvery;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (DateTimeOffset.UtcNow >= nextRefresh)
                {
                    nextRefresh = DateTimeOffset.UtcNow + PolicyRefresh;
                    await RefreshPolicy(tally);
                }
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                wait.CancelAfter(TallyEvery);
                try
                {
                    while (await _queue.Reader.WaitToReadAsync(wait.Token))
                    {
                        while (_queue.Reader.TryRead(out var input))
                        {
                            Compare(input, tally);
                        }
                        if (DateTimeOffset.UtcNow >= nextTally)
                        {
                            break;
                        }
                    }
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // a second without orders: time to send what was tallied
                }
                if (DateTimeOffset.UtcNow >= nextTally)
                {
                    nextTally = DateTimeOffset.UtcNow + TallyEvery;
                    tally = await Send(tally);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The silo may not be up yet, or the shadow grain unreachable: shadow work waits, the live path never does.
                logger.LogDebug(ex, "Shadow planner: a round failed; trying again");
                await Task.Delay(PolicyRefresh, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task RefreshPolicy(ShadowTally tally)
    {
        var run = await grains.Reference<IShadowRoutingGrain>(0).GetRun();
        var current = _active;
        if (run is null)
        {
            _active = null;
            return;
        }
        if (current is null || current.StartedAt != run.StartedAt)
        {
            _active = new Active(run.Policy, OverrideOf(run.Policy), run.StartedAt);
            tally.PolicyStartedAt = run.StartedAt;
        }
    }

    private void Compare(Input input, ShadowTally tally)
    {
        if (_active is not { } active)
        {
            return;
        }
        tally.PolicyStartedAt = active.StartedAt;
        var shadow = active.Override.Plan(input.Demand, input.Offers, input.Live);
        Count(tally, input.OrderId, input.LivePlan, shadow, input.OrderedOn);
    }

    /// <summary>Adds one order's two plans to a tally (shared with the replay).</summary>
    internal static void Count(ShadowTally tally, string orderId, AllocationPlan live, AllocationPlan shadow, DateOnly orderedOn)
    {
        tally.Orders++;
        AddSide(tally.Live, PlanOutcome.Of(live, orderedOn));
        AddSide(tally.Shadow, PlanOutcome.Of(shadow, orderedOn));
        if (PlanOutcome.Differ(live, shadow))
        {
            tally.PlannedDifferently++;
            tally.AddExample(new ShadowExample(orderId, PlanOutcome.Describe(live), live.TotalCost, PlanOutcome.Describe(shadow), shadow.TotalCost));
        }
    }

    private static void AddSide(ShadowSideTally side, PlanOutcome outcome)
    {
        side.Cost += outcome.Cost;
        side.PromisedDays += outcome.PromisedDays;
        side.Parcels += outcome.Parcels;
        side.SplitOrders += outcome.Split ? 1 : 0;
        side.UnitsShipped += outcome.UnitsShipped;
        side.UnitsUnallocated += outcome.UnitsUnallocated;
        foreach (var (node, units) in outcome.UnitsByNode)
        {
            side.UnitsByNode[node] = side.UnitsByNode.GetValueOrDefault(node) + units;
        }
    }

    private async Task<ShadowTally> Send(ShadowTally tally)
    {
        tally.Dropped += Interlocked.Exchange(ref _dropped, 0);
        tally.NotSampled += Interlocked.Exchange(ref _notSampled, 0);
        tally.FastPathSkipped += Interlocked.Exchange(ref _fastPathSkipped, 0);
        if (tally.IsEmpty || _active is null)
        {
            return new ShadowTally { PolicyStartedAt = tally.PolicyStartedAt };
        }
        await grains.Reference<IShadowRoutingGrain>(0).Add(tally);
        return new ShadowTally { PolicyStartedAt = tally.PolicyStartedAt };
    }

    /// <summary>The candidate as the solver takes it.</summary>
    internal static PolicyOverride OverrideOf(ShadowPolicy policy) => new(
        policy.Goal is { } goal ? RoutingSettings.ToObjective(goal) : null,
        policy.Weights is { } w ? new ObjectiveWeights(w.Cost, w.PerDay, w.Depletion, w.PerShipment) : null,
        policy.ShipComplete,
        policy.MaxShipments,
        policy.UseOpportunityCost,
        policy.CandidateCount,
        policy.ExcludedNodes is { Count: > 0 } nodes ? nodes.ToHashSet(StringComparer.Ordinal) : null);
}
