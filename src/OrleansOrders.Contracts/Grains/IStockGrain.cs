namespace OrleansOrders.Contracts;

/// <summary>
/// Stock of one SKU at one node, keyed <c>{nodeId}/{sku}</c>: the single writer of that stock.
/// Every call is idempotent on its reservation or operation id: a replay answers the first result.
/// </summary>
[Alias("oo.IStockGrain")]
public interface IStockGrain : IGrainWithStringKey
{
    /// <summary>
    /// Holds <paramref name="quantity"/> for <paramref name="reservationId"/> until now + <paramref name="holdFor"/>,
    /// if available to <paramref name="channel"/>: a channel the reserve does not allow cannot take its units.
    /// <paramref name="attempt"/> tags the hold with the routing attempt that made it (see <see cref="DropHold"/>).
    /// </summary>
    [Alias("Hold")]
    Task<HoldResult> Hold(string reservationId, int quantity, TimeSpan holdFor, string? channel = null, string? attempt = null);

    /// <summary>
    /// Drops the reservation's hold, and only a hold: a router giving back what it held can never release
    /// a commitment. With <paramref name="attempt"/>, only a hold that attempt made goes, so a late router
    /// of an earlier attempt cannot drop the retry's hold. Answers the units freed.
    /// </summary>
    [Alias("DropHold")]
    Task<int> DropHold(string reservationId, string? attempt = null);

    /// <summary>
    /// Turns the reservation's hold into committed stock; answers only once that is durable. Without a
    /// live hold (it expired) the stock must still be free for <paramref name="channel"/>, reserve included.
    /// </summary>
    [Alias("Commit")]
    Task<CommitResult> Commit(string reservationId, int quantity, string? channel = null);

    /// <summary>Frees what the reservation holds or has committed (the order is cancelled); answers the quantity freed (0 on a replay).</summary>
    [Alias("Release")]
    Task<int> Release(string reservationId);

    /// <summary>The reservation's committed units leave the building: on hand and committed go down. Answers the units shipped; a replay answers the same.</summary>
    [Alias("Ship")]
    Task<int> Ship(string reservationId);

    /// <summary>Lowers a committed reservation to <paramref name="quantity"/> (a line cancelled in part); idempotent.</summary>
    [Alias("Reduce")]
    Task<int> Reduce(string reservationId, int quantity);

    /// <summary>Returned units put back as sellable. Idempotent on <paramref name="operationId"/>.</summary>
    [Alias("Restock")]
    Task<StockSnapshot> Restock(string operationId, int quantity);

    /// <summary>A correction of on hand by <paramref name="delta"/> (a node found fewer units than it had). Idempotent on <paramref name="operationId"/>.</summary>
    [Alias("Adjust")]
    Task<StockSnapshot> Adjust(string operationId, int delta, string reason);

    /// <summary>
    /// Goods received (a delivery from a supplier). Idempotent on <paramref name="operationId"/>; when it
    /// names an expected receipt, that receipt is fulfilled and leaves the inbound list with its promises.
    /// </summary>
    [Alias("Receive")]
    Task<StockSnapshot> Receive(string operationId, int quantity);

    /// <summary>Sets on hand and safety stock (a stock count); the difference is recorded as an adjustment.</summary>
    [Alias("SetLevel")]
    Task<StockSnapshot> SetLevel(string operationId, StockLevel level);

    /// <summary>Sets (or with null clears) the units only some channels may take. Idempotent.</summary>
    [Alias("SetReserve")]
    Task<StockSnapshot> SetReserve(ChannelReserve? reserve);

    /// <summary>Declares (or with the same id replaces) an expected receipt. Idempotent.</summary>
    [Alias("ExpectReceipt")]
    Task<StockSnapshot> ExpectReceipt(ExpectedReceipt receipt);

    /// <summary>Withdraws an expected receipt (the delivery was cancelled). Idempotent.</summary>
    [Alias("CancelReceipt")]
    Task<StockSnapshot> CancelReceipt(string receiptId);

    /// <summary>
    /// Promises <paramref name="quantity"/> backordered units of <paramref name="orderId"/> from expected
    /// receipts (earliest first, after promises made before), replacing what the order was promised here
    /// before; 0 withdraws it. Answers the expected date of the receipt that covers the last unit, or null
    /// when the receipts cannot cover the quantity (then nothing is promised). Idempotent.
    /// </summary>
    [Alias("PromiseInbound")]
    Task<DateOnly?> PromiseInbound(string orderId, int quantity);

    /// <summary>What a bid needs: available now, the channel reserve, expected receipts less what is promised of them.</summary>
    [Alias("GetOffer"), ReadOnly]
    Task<StockOffer> GetOffer();

    [Alias("GetAvailable"), ReadOnly]
    Task<int> GetAvailable();

    [Alias("GetSnapshot"), ReadOnly]
    Task<StockSnapshot> GetSnapshot();
}
