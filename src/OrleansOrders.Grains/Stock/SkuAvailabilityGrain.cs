using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Stock;

[GenerateSerializer, Alias("oo.SkuAvailabilityState")]
public sealed class SkuAvailabilityState
{
    [Id(0)] public int SchemaVersion { get; set; } = 1;
    [Id(1)] public Dictionary<string, NodeAvailabilityEntry> Nodes { get; set; } = new(StringComparer.Ordinal);
}

[GenerateSerializer, Alias("oo.NodeAvailabilityEntry")]
public sealed record NodeAvailabilityEntry(
    [property: Id(0)] int Available,
    [property: Id(1)] long Version,
    [property: Id(2)] DateTimeOffset AsOf);

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

    Task ISkuAvailabilityGrain.Report(string nodeId, int available, long version)
    {
        var nodes = state.State.Nodes;
        if (nodes.TryGetValue(nodeId, out var known) && known.Version >= version)
        {
            return Task.CompletedTask; // an older report overtaken by a newer one
        }
        nodes[nodeId] = new NodeAvailabilityEntry(Math.Max(0, available), version, clock.UtcNow);
        _dirty = true;
        return Task.CompletedTask;
    }

    Task<NetworkAvailability> ISkuAvailabilityGrain.Get()
    {
        var nodes = state.State.Nodes
            .OrderByDescending(n => n.Value.Available).ThenBy(n => n.Key, StringComparer.Ordinal)
            .Select(n => new NodeAvailability(n.Key, n.Value.Available, n.Value.AsOf))
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
