using OrleansOrders.Contracts;
using OrleansOrders.Stock;

namespace OrleansOrders.Grains.Stock;

/// <summary>
/// A stock grain's terms beyond on hand: the channel reserve (units only some channels may take,
/// enforced at <see cref="IStockGrain.Hold"/> so two racing orders cannot both take the last
/// unprotected unit) and expected receipts, from which backordered orders are promised dates.
/// Promises are durable and consumed first come first served, so two orders never count on the same
/// inbound unit; a receipt that arrives leaves with its promises. The rules are the ledger's.
/// </summary>
public sealed partial class StockGrain
{
    public const int MaxReceipts = StockLedger.MaxReceipts;

    async Task<StockSnapshot> IStockGrain.SetReserve(ChannelReserve? reserve)
    {
        if (reserve?.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(reserve));
        }
        await Room();
        _ledger.SetReserve(reserve is null ? null : new LedgerReserve(reserve.Quantity, reserve.Channels));
        ReportAvailability(); // the node's offer carries the reserve
        await _writes.WhenDurable();
        return Snapshot();
    }

    async Task<StockSnapshot> IStockGrain.ExpectReceipt(ExpectedReceipt receipt)
    {
        if (receipt.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(receipt));
        }
        await Room();
        bool changed;
        try
        {
            changed = _ledger.ExpectReceipt(new LedgerReceipt(receipt.ReceiptId, receipt.Quantity, receipt.ExpectedOn));
        }
        catch (LedgerRuleException ex)
        {
            throw new ArgumentException(ex.Message, nameof(receipt));
        }
        if (changed)
        {
            ReportAvailability();
        }
        await _writes.WhenDurable();
        return Snapshot();
    }

    async Task<StockSnapshot> IStockGrain.CancelReceipt(string receiptId)
    {
        await Room();
        if (_ledger.CancelReceipt(receiptId))
        {
            ReportAvailability();
        }
        await _writes.WhenDurable();
        return Snapshot();
    }

    async Task<DateOnly?> IStockGrain.PromiseInbound(string orderId, int quantity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(quantity);
        await Room();
        var (date, changed) = _ledger.PromiseInbound(orderId, quantity);
        if (changed)
        {
            ReportAvailability();
        }
        if (changed || date is not null)
        {
            await _writes.WhenDurable(); // a replay answers once the first promise is durable
        }
        return date;
    }

    Task<StockOffer> IStockGrain.GetOffer()
    {
        ExpireHolds();
        return Task.FromResult(Offer());
    }

    /// <summary>The offer as of now, stamped with the version of the latest change.</summary>
    private StockOffer Offer()
    {
        DateTimeOffset? firstExpiry = null;
        foreach (var hold in _ledger.Holds.Values)
        {
            if (firstExpiry is null || hold.ExpiresAt < firstExpiry)
            {
                firstExpiry = hold.ExpiresAt;
            }
        }
        return new StockOffer(_ledger.Available, ToContract(_ledger.Reserve), _ledger.UnpromisedReceipts().Select(ToContract).ToList())
        {
            Version = _offerVersion,
            FirstHoldExpiry = firstExpiry,
        };
    }
}
