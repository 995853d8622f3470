namespace OrleansOrders.Contracts;

/// <summary>The list of registered fulfilment nodes, for operators. Key 0.</summary>
[Alias("oo.INetworkDirectoryGrain")]
public interface INetworkDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Called by a node grain when it is registered.</summary>
    [Alias("Add")]
    Task Add(string nodeId);

    [Alias("ListNodeIds"), ReadOnly]
    Task<IReadOnlyList<string>> ListNodeIds();
}
