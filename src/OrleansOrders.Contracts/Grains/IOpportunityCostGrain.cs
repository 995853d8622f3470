namespace OrleansOrders.Contracts;

/// <summary>
/// The network's opportunity cost of stock (key 0): per node and SKU, what one unit taken there is
/// worth to the rest of the network, from a transportation LP over expected demand. Refreshed in the
/// background; nodes copy their part into their bids, so routing stops emptying the node that many
/// regions depend on.
/// </summary>
[Alias("oo.IOpportunityCostGrain")]
public interface IOpportunityCostGrain : IGrainWithIntegerKey
{
    /// <summary>The node's current values (SKUs with a cost above zero only).</summary>
    [Alias("ForNode"), ReadOnly]
    Task<OpportunityCosts> ForNode(string nodeId);

    /// <summary>Every node's current values (SKUs with a cost above zero only), for the router's ranking of bid candidates.</summary>
    [Alias("GetTable"), ReadOnly]
    Task<OpportunityCostsByNode> GetTable();

    /// <summary>Recomputes now from current stock and demand (operators, tests) and answers a summary.</summary>
    [Alias("Refresh")]
    Task<OpportunityCostSummary> Refresh();

    /// <summary>Orders accepted lately, as the order-event projections pass them on in batches: the demand the forecast is built from.</summary>
    [Alias("RecordDemand")]
    Task RecordDemand(IReadOnlyList<DemandSample> samples);
}

/// <summary>What an accepted ship order asks for, where and when: one sample of demand (carried on its OrderAccepted event).</summary>
[GenerateSerializer, Immutable, Alias("oo.DemandSample")]
public sealed record DemandSample(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] Location ShipTo,
    [property: Id(2)] IReadOnlyList<OrderLine> Lines);

/// <summary>One node's opportunity cost per SKU, as of <paramref name="ComputedAt"/> (default when never computed).</summary>
[GenerateSerializer, Immutable, Alias("oo.OpportunityCosts")]
public sealed record OpportunityCosts(
    [property: Id(0)] DateTimeOffset ComputedAt,
    [property: Id(1)] IReadOnlyDictionary<string, decimal> BySku);

/// <summary>The network's opportunity costs, per node and SKU (above zero only), as of <paramref name="ComputedAt"/> (default when never computed).</summary>
[GenerateSerializer, Immutable, Alias("oo.OpportunityCostsByNode")]
public sealed record OpportunityCostsByNode(
    [property: Id(0)] DateTimeOffset ComputedAt,
    [property: Id(1)] IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> ByNode);

/// <summary>What a refresh found: when, over how many SKUs, nodes and demand regions, how many node-SKU values are above zero, and how many orders made the demand.</summary>
[GenerateSerializer, Immutable, Alias("oo.OpportunityCostSummary")]
public sealed record OpportunityCostSummary(
    [property: Id(0)] DateTimeOffset ComputedAt,
    [property: Id(1)] int Skus,
    [property: Id(2)] int Nodes,
    [property: Id(3)] int Regions,
    [property: Id(4)] int PositiveValues,
    [property: Id(5)] int DemandOrders = 0);
