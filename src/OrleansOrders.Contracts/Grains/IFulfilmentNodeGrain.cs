namespace OrleansOrders.Contracts;

/// <summary>A distribution centre, store or drop-ship supplier, keyed by node id.</summary>
[Alias("oo.IFulfilmentNodeGrain")]
public interface IFulfilmentNodeGrain : IGrainWithStringKey
{
    /// <summary>Creates the node or replaces its profile (keeps today's capacity use).</summary>
    [Alias("Register")]
    Task<NodeView> Register(NodeProfile profile);

    /// <summary>The node, or null when no node was registered under this id.</summary>
    [Alias("Get"), ReadOnly]
    Task<NodeView?> Get();

    /// <summary>Pause, resume, close, or change capacity. Null when the node does not exist.</summary>
    [Alias("Update")]
    Task<NodeView?> Update(NodeUpdate update);

    /// <summary>Sets the stock level of a SKU at this node. Null when the node does not exist.</summary>
    [Alias("SetStock")]
    Task<StockSnapshot?> SetStock(string sku, StockLevel level, string operationId);

    /// <summary>Adds a SKU to the node's list (its stock terms were set without a stock level). False when the node does not exist.</summary>
    [Alias("TrackSku")]
    Task<bool> TrackSku(string sku);

    /// <summary>SKUs this node has had a stock level or stock terms for, sorted.</summary>
    [Alias("ListSkus"), ReadOnly]
    Task<IReadOnlyList<string>> ListSkus();

    /// <summary>What this node can ship of the order, at what cost and by when; a paused, closed or full node declines.</summary>
    /// <remarks>
    /// Bids and capacity claims interleave with every other call: a bid only reads the node's state
    /// and waits on its stock grains, and a claim decides with no await, so neither has to queue
    /// behind a bid in flight or a state write (the hot path of every order).
    /// </remarks>
    [Alias("Bid"), AlwaysInterleave]
    Task<NodeBid> Bid(BidRequest request);

    /// <summary>
    /// A stock grain of this node tells its latest offer for <paramref name="sku"/>, after every change
    /// (coalesced while one is in flight), so bids answer from the node's view instead of reading the
    /// stock grain each time.
    /// </summary>
    [Alias("OfferChanged"), AlwaysInterleave]
    Task OfferChanged(string sku, StockOffer offer);

    /// <summary>
    /// The latest offers of several of this node's stock grains, gathered by one silo over a short
    /// interval (<c>Grid:StockReportInterval</c>): one call for all of them instead of one each.
    /// </summary>
    [Alias("OffersChanged"), AlwaysInterleave]
    Task OffersChanged(IReadOnlyList<SkuOfferChange> changes);

    /// <summary>
    /// Takes one parcel of <paramref name="day"/>'s dispatch capacity under <paramref name="claimId"/>, the
    /// reservation id of the allocation that makes the parcel (an order's first allocation reserves under
    /// the order id, later ones under <c>{orderId}~{n}</c>, so each parcel of an order at a node claims
    /// apart); idempotent (a claim already held on another day moves). False when that day is full or the node is not open.
    /// </summary>
    [Alias("ClaimCapacity"), AlwaysInterleave]
    Task<bool> ClaimCapacity(string claimId, DateOnly day);

    /// <summary>
    /// Gives back the capacity claimed under <paramref name="claimId"/>, once however often it is
    /// replayed: on the day the node remembers for it, else on <paramref name="day"/>, the day its
    /// parcel was claimed for (null: only a claim the node remembers is given back).
    /// </summary>
    [Alias("ReleaseCapacityOn"), AlwaysInterleave]
    Task ReleaseCapacity(string claimId, DateOnly? day);

    /// <summary>
    /// The order tells what became of a parcel here (rejected, short-picked, shipped, late), for the
    /// node's reliability record. One-way and soft: a lost report only makes the record a little kinder.
    /// </summary>
    [Alias("ReportParcel"), OneWay, AlwaysInterleave]
    Task ReportParcel(ParcelOutcome outcome);

    /// <summary>A router gave up waiting for this node's bid (one-way, for the node's record).</summary>
    [Alias("ReportBidTimeout"), OneWay, AlwaysInterleave]
    Task ReportBidTimeout();

    /// <summary>A silo's router breaker on this node changed state (one-way, for operators).</summary>
    [Alias("ReportBreaker"), OneWay, AlwaysInterleave]
    Task ReportBreaker(RouterBreakerView breaker);
}
