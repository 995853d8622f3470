namespace OrleansOrders.Contracts;

/// <summary>The registered fulfilment nodes and where they stand, for operators and for the router's choice of whom to ask. Key 0.</summary>
[Alias("oo.INetworkDirectoryGrain")]
public interface INetworkDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Called by a node grain when it is registered (again, when it moved).</summary>
    [Alias("Add")]
    Task Add(string nodeId, Location location);

    /// <summary>Every node's location, by node id.</summary>
    [Alias("GetLocations"), ReadOnly]
    Task<IReadOnlyDictionary<string, Location>> GetLocations();

    [Alias("ListNodeIds"), ReadOnly]
    Task<IReadOnlyList<string>> ListNodeIds();
}
