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
/// Network availability of one SKU. It is a cache of what the stock grains report, so it writes
/// lazily (a timer flushes it when changed): a lost write costs only staleness, which the stock
/// grains repair on their next change, and bids never trust it for a promise.
/// </summary>
public sealed class SkuAvailabilityGrain(
    [PersistentState("availability", GridOptions.StorageName)] IPersistentState<SkuAvailabilityState> state,
    GridClock clock,
    IOptions<GridOptions> options,
    ILogger<SkuAvailabilityGrain> logger) : Grain, ISkuAvailabilityGrain
{
    private bool _dirty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var every = options.Value.SoftStateFlushInterval;
        this.RegisterGrainTimer(FlushAsync, every, every);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await FlushAsync();
    }

    Task ISkuAvailabilityGrain.Report(string nodeId, int available, long version, int inbound)
    {
        var nodes = state.State.Nodes;
        if (nodes.TryGetValue(nodeId, out var known) && known.Version >= version)
        {
            return Task.CompletedTask; // an older report overtaken by a newer one
        }
        var before = known?.Available ?? 0;
        nodes[nodeId] = new NodeAvailabilityEntry(Math.Max(0, available), version, clock.UtcNow, Math.Max(0, inbound));
        _dirty = true;
        if (available > before && state.State.Waiting.Count > 0)
        {
            WakeWaitingOrders();
        }
        return Task.CompletedTask;
    }

    Task ISkuAvailabilityGrain.WaitForStock(string orderId)
    {
        if (!state.State.Waiting.Contains(orderId))
        {
            state.State.Waiting.Add(orderId);
            _dirty = true;
        }
        return Task.CompletedTask;
    }

    Task ISkuAvailabilityGrain.StopWaiting(string orderId)
    {
        _dirty |= state.State.Waiting.Remove(orderId);
        return Task.CompletedTask;
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

    private async Task FlushAsync()
    {
        if (!_dirty)
        {
            return;
        }
        _dirty = false;
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception ex)
        {
            _dirty = true;
            logger.LogWarning(ex, "Availability of {Sku}: flush failed, will retry", this.GetPrimaryKeyString());
        }
    }
}
