using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Nodes;

[GenerateSerializer, Alias("oo.NetworkDirectoryState")]
public sealed class NetworkDirectoryState
{
    [Id(0)] public int SchemaVersion { get; set; } = 1;
    [Id(1)] public SortedSet<string> NodeIds { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public Dictionary<string, Location> Locations { get; set; } = new(StringComparer.Ordinal);
    [Id(3)] public Dictionary<string, NodeKind> Kinds { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Registered node ids, locations and kinds. Written only when a node appears, moves or changes kind, so rare.</summary>
public sealed class NetworkDirectoryGrain(
    [PersistentState("directory", GridOptions.StorageName)] IPersistentState<NetworkDirectoryState> state) : Grain, INetworkDirectoryGrain
{
    Task INetworkDirectoryGrain.Add(string nodeId, Location location) => Save(nodeId, location, kind: null);

    Task INetworkDirectoryGrain.Register(string nodeId, Location location, NodeKind kind) => Save(nodeId, location, kind);

    /// <summary>Records the node; writes only when it is new, moved, or (when given) changed kind.</summary>
    private async Task Save(string nodeId, Location location, NodeKind? kind)
    {
        var added = state.State.NodeIds.Add(nodeId);
        var moved = !state.State.Locations.TryGetValue(nodeId, out var known) || known != location;
        var changed = kind is { } given && (!state.State.Kinds.TryGetValue(nodeId, out var was) || was != given);
        if (added || moved || changed)
        {
            state.State.Locations[nodeId] = location;
            if (kind is { } k)
            {
                state.State.Kinds[nodeId] = k;
            }
            await state.WriteStateAsync();
        }
    }

    Task<IReadOnlyDictionary<string, NodeSite>> INetworkDirectoryGrain.GetSites()
    {
        var sites = new Dictionary<string, NodeSite>(state.State.Locations.Count, StringComparer.Ordinal);
        foreach (var (nodeId, location) in state.State.Locations)
        {
            sites[nodeId] = new NodeSite(location, state.State.Kinds.TryGetValue(nodeId, out var kind) ? kind : null);
        }
        return Task.FromResult<IReadOnlyDictionary<string, NodeSite>>(sites);
    }

    Task<IReadOnlyDictionary<string, Location>> INetworkDirectoryGrain.GetLocations() =>
        Task.FromResult<IReadOnlyDictionary<string, Location>>(new Dictionary<string, Location>(state.State.Locations, StringComparer.Ordinal));

    Task<IReadOnlyList<string>> INetworkDirectoryGrain.ListNodeIds() =>
        Task.FromResult<IReadOnlyList<string>>(state.State.NodeIds.ToList());
}
