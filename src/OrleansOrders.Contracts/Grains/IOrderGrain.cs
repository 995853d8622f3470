namespace OrleansOrders.Contracts;

/// <summary>One order's life as a persisted state machine, keyed by order id.</summary>
[Alias("oo.IOrderGrain")]
public interface IOrderGrain : IGrainWithStringKey
{
    /// <summary>Validates, routes and commits the order. Idempotent on the order id.</summary>
    [Alias("Submit")]
    Task<SubmitOrderResult> Submit(OrderRequest request);

    /// <summary>The order, or null when it was never accepted.</summary>
    [Alias("Get")]
    Task<OrderView?> Get();

    /// <summary>Finishes a step that a crash interrupted (the recovery sweep calls this); true when settled.</summary>
    [Alias("Resume")]
    Task<bool> Resume();

    /// <summary>Moves a shipment along at its node: acknowledge, pick, pack, ship (carrier and tracking), deliver.</summary>
    [Alias("AdvanceShipment")]
    Task<OrderActionResult> AdvanceShipment(string shipmentId, ShipmentStep step, string actor, string? carrier = null, string? trackingNumber = null);

    /// <summary>
    /// The node refuses lines of a shipment (null: all of it) before shipping. The lines are
    /// re-routed to other nodes; when <paramref name="stockMissing"/> the node's stock of them is
    /// written down by the refused quantity.
    /// </summary>
    [Alias("RejectShipment")]
    Task<OrderActionResult> RejectShipment(string shipmentId, IReadOnlyList<OrderLine>? lines, string reason, bool stockMissing, string actor);

    /// <summary>Takes quantities off unshipped lines (backordered first), releasing exactly what they held.</summary>
    [Alias("CancelLines")]
    Task<OrderActionResult> CancelLines(IReadOnlyList<OrderLine> lines, string reason, string actor);

    /// <summary>
    /// Changes where the order goes before any node has started on it; every parcel is re-routed
    /// for the new address (the old holds are released, new ones taken).
    /// </summary>
    [Alias("ChangeAddress")]
    Task<OrderActionResult> ChangeAddress(Location shipTo, string actor);

    /// <summary>Opens a return of shipped units, from any channel; an exchange creates a linked new order.</summary>
    [Alias("StartReturn")]
    Task<OrderActionResult> StartReturn(ReturnRequest request, string actor);

    /// <summary>Receives a return at any node and applies each item's disposition (restock there, or write off).</summary>
    [Alias("ReceiveReturn")]
    Task<OrderActionResult> ReceiveReturn(string returnId, string nodeId, IReadOnlyList<ReturnedItem> items, string actor);

    /// <summary>Every transition of the order, oldest first.</summary>
    [Alias("GetHistory"), ReadOnly]
    Task<IReadOnlyList<OrderEvent>> GetHistory();

    /// <summary>Stock may have arrived: routes what is backordered (called by SKU availability when it rises).</summary>
    [Alias("RetryBackorder")]
    Task RetryBackorder();

    /// <summary>
    /// The release wave of <paramref name="nodeId"/> is due: the order may first be re-planned (when every
    /// parcel is still soft and a better plan exists), then its soft parcels there that are due (all of
    /// them when <paramref name="force"/>) are released to the node. Idempotent.
    /// </summary>
    [Alias("ReleaseWave")]
    Task<WaveReleaseResult> ReleaseWave(string nodeId, bool force = false);

    /// <summary>Cancels the order and releases exactly what it holds or committed.</summary>
    [Alias("Cancel")]
    Task<CancelOrderResult> Cancel(string reason);
}
