using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Nodes;

[GenerateSerializer, Alias("oo.NetworkDirectoryState")]
public sealed class NetworkDirectoryState
{
    [Id(0)] public int SchemaVersion { get; set; } = 1;
    [Id(1)] public SortedSet<string> NodeIds { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public Dictionary<string, Location> Locations { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Registered node ids and locations. Written only when a node appears or moves, so rare.</summary>
public sealed class NetworkDirectoryGrain(
    [PersistentState("directory", GridOptions.StorageName)] IPersistentState<NetworkDirectoryState> state) : Grain, INetworkDirectoryGrain
{
    async Task INetworkDirectoryGrain.Add(string nodeId, Location location)
    {
        var added = state.State.NodeIds.Add(nodeId);
        var moved = !state.State.Locations.TryGetValue(nodeId, out var known) || known != location;
        if (added || moved)
        {
            state.State.Locations[nodeId] = location;
            await state.WriteStateAsync();
        }
    }

    Task<IReadOnlyDictionary<string, Location>> INetworkDirectoryGrain.GetLocations() =>
        Task.FromResult<IReadOnlyDictionary<string, Location>>(new Dictionary<string, Location>(state.State.Locations, StringComparer.Ordinal));

    Task<IReadOnlyList<string>> INetworkDirectoryGrain.ListNodeIds() =>
        Task.FromResult<IReadOnlyList<string>>(state.State.NodeIds.ToList());
}
