namespace OrleansOrders.Contracts;

/// <summary>The registered fulfilment nodes and where they stand, for operators and for the router's choice of whom to ask. Key 0.</summary>
[Alias("oo.INetworkDirectoryGrain")]
public interface INetworkDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>A node's registration without its kind: what node grains of the previous version call, kept while a rolling upgrade mixes versions (this version calls <see cref="Register"/>).</summary>
    [Alias("Add")]
    Task Add(string nodeId, Location location);

    /// <summary>Called by a node grain when it is registered (again, when it moved or changed kind): its location and kind, for the router's cost estimate.</summary>
    [Alias("Register")]
    Task Register(string nodeId, Location location, NodeKind kind);

    /// <summary>Every node's location and, when it registered one, its kind, by node id: what the router ranks candidates by.</summary>
    [Alias("GetSites"), ReadOnly]
    Task<IReadOnlyDictionary<string, NodeSite>> GetSites();

    /// <summary>Every node's location, by node id: what routers of the previous version read, kept while a rolling upgrade mixes versions (this version reads <see cref="GetSites"/>).</summary>
    [Alias("GetLocations"), ReadOnly]
    Task<IReadOnlyDictionary<string, Location>> GetLocations();

    [Alias("ListNodeIds"), ReadOnly]
    Task<IReadOnlyList<string>> ListNodeIds();
}

/// <summary>Where a node ships from and what kind of node it is (null: registered before kinds were kept).</summary>
[GenerateSerializer, Immutable, Alias("oo.NodeSite")]
public sealed record NodeSite(
    [property: Id(0)] Location Location,
    [property: Id(1)] NodeKind? Kind);
