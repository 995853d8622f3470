using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Stock;

[GenerateSerializer, Alias("oo.SkuAvailabilityState")]
public sealed class SkuAvailabilityState
{
    [Id(0)] public int SchemaVersion { get; set; } = 1;
    [Id(1)] public Dictionary<string, NodeAvailabilityEntry> Nodes { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Orders waiting for this SKU, first come first served.</summary>
    [Id(2)] public List<string> Waiting { get; set; } = [];
}

[GenerateSerializer, Alias("oo.NodeAvailabilityEntry")]
public sealed record NodeAvailabilityEntry(
    [property: Id(0)] int Available,
    [property: Id(1)] long Version,
    [property: Id(2)] DateTimeOffset AsOf,
    [property: Id(3)] int Inbound = 0);

/// <summary>
/// Network availability of one SKU. The availability is a cache of what the stock grains report, so
/// it is written lazily (a timer flushes it when changed, and exists only while something waits to be
/// written): a lost write costs only staleness, which the stock grains repair on their next change,
/// and bids never trust it for a promise. The waiting list is not a cache: an order that is told it
/// waits must be woken even if this grain moves or its silo dies, so joining or leaving it is written
/// before the call answers. A failed write reloads the state and re-applies what is not yet durable
/// (see <see cref="StateJournal{TState}"/>), so one ambiguous write does not fail every later one.
/// </summary>
public sealed class SkuAvailabilityGrain(
    [PersistentState("availability", GridOptions.StorageName)] IPersistentState<SkuAvailabilityState> state,
    GridClock clock,
    IOptions<GridOptions> options,
    ILogger<SkuAvailabilityGrain> logger) : Grain, ISkuAvailabilityGrain
{
    private StateJournal<SkuAvailabilityState> _journal = null!;
    private IGrainTimer? _flushTimer;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _journal = new StateJournal<SkuAvailabilityState>(state, _ => { }, logger, $"Availability of {this.GetPrimaryKeyString()}");
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await FlushAsync();
    }

    Task ISkuAvailabilityGrain.Report(string nodeId, int available, long version, int inbound)
    {
        var known = state.State.Nodes.GetValueOrDefault(nodeId);
        var report = new Change.Report(nodeId, new NodeAvailabilityEntry(Math.Max(0, available), version, clock.UtcNow, Math.Max(0, inbound)));
        if (!report.IsNewerThan(known))
        {
            return Task.CompletedTask; // an older report overtaken by a newer one
        }
        report.ApplyTo(state.State);
        _journal.Record(report);
        if (_flushTimer is null)
        {
            var every = options.Value.SoftStateFlushInterval;
            _flushTimer = this.RegisterGrainTimer(FlushAsync, every, every);
        }
        if (available > (known?.Available ?? 0) && state.State.Waiting.Count > 0)
        {
            WakeWaitingOrders();
        }
        return Task.CompletedTask;
    }

    async Task ISkuAvailabilityGrain.WaitForStock(string orderId)
    {
        await _journal.EnsureCurrentAsync(); // never answer from a registration a failed write left in memory only
        if (!state.State.Waiting.Contains(orderId))
        {
            await _journal.WriteNowAsync(new Change.Wait(orderId));
        }
    }

    async Task ISkuAvailabilityGrain.StopWaiting(string orderId)
    {
        await _journal.EnsureCurrentAsync();
        if (state.State.Waiting.Contains(orderId))
        {
            await _journal.WriteNowAsync(new Change.StopWaiting(orderId));
        }
    }

    /// <summary>
    /// Tells the first waiting orders to try again. Not awaited: an order retrying calls the router,
    /// which reads this grain, so waiting here would deadlock; an order that is still short simply
    /// keeps waiting, and one that got its stock calls StopWaiting.
    /// </summary>
    private void WakeWaitingOrders()
    {
        foreach (var orderId in state.State.Waiting.Take(20).ToList())
        {
            _ = GrainFactory.GetGrain<IOrderGrain>(orderId).RetryBackorder()
                .ContinueWith(t => logger.LogWarning(t.Exception, "Order {Order}: backorder retry failed", orderId), TaskContinuationOptions.OnlyOnFaulted);
        }
    }

    Task<NetworkAvailability> ISkuAvailabilityGrain.Get()
    {
        var nodes = state.State.Nodes
            .OrderByDescending(n => n.Value.Available).ThenBy(n => n.Key, StringComparer.Ordinal)
            .Select(n => new NodeAvailability(n.Key, n.Value.Available, n.Value.AsOf, n.Value.Inbound))
            .ToList();
        return Task.FromResult(new NetworkAvailability(
            this.GetPrimaryKeyString(), nodes.Count > 0, nodes.Sum(n => n.Available), nodes));
    }

    /// <summary>The flush timer: writes what changed, and stops when nothing is left to write.</summary>
    private async Task FlushAsync()
    {
        await _journal.FlushAsync();
        if (_journal.Pending == 0 && _flushTimer is { } timer)
        {
            timer.Dispose();
            _flushTimer = null;
        }
    }

    /// <summary>Changes to the state, each idempotent so it can be applied again on top of a reload.</summary>
    private abstract record Change : IJournaledChange<SkuAvailabilityState>
    {
        public abstract void ApplyTo(SkuAvailabilityState state);

        /// <summary>A node's report; applied only over an older one (reports are ordered by version per node).</summary>
        public sealed record Report(string NodeId, NodeAvailabilityEntry Entry) : Change
        {
            public bool IsNewerThan(NodeAvailabilityEntry? known) => known is null || known.Version < Entry.Version;

            public override void ApplyTo(SkuAvailabilityState state)
            {
                if (IsNewerThan(state.Nodes.GetValueOrDefault(NodeId)))
                {
                    state.Nodes[NodeId] = Entry;
                }
            }
        }

        public sealed record Wait(string OrderId) : Change
        {
            public override void ApplyTo(SkuAvailabilityState state)
            {
                if (!state.Waiting.Contains(OrderId))
                {
                    state.Waiting.Add(OrderId);
                }
            }
        }

        public sealed record StopWaiting(string OrderId) : Change
        {
            public override void ApplyTo(SkuAvailabilityState state) => state.Waiting.Remove(OrderId);
        }
    }
}
