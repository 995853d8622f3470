using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Nodes;

[GenerateSerializer, Alias("oo.NetworkDirectoryState")]
public sealed class NetworkDirectoryState
{
    [Id(0)] public int SchemaVersion { get; set; } = 1;
    [Id(1)] public SortedSet<string> NodeIds { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Registered node ids. Written only when a new node appears, so rare.</summary>
public sealed class NetworkDirectoryGrain(
    [PersistentState("directory", GridOptions.StorageName)] IPersistentState<NetworkDirectoryState> state) : Grain, INetworkDirectoryGrain
{
    async Task INetworkDirectoryGrain.Add(string nodeId)
    {
        if (state.State.NodeIds.Add(nodeId))
        {
            await state.WriteStateAsync();
        }
    }

    Task<IReadOnlyList<string>> INetworkDirectoryGrain.ListNodeIds() =>
        Task.FromResult<IReadOnlyList<string>>(state.State.NodeIds.ToList());
}
