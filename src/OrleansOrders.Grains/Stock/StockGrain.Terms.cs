using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Stock;

/// <summary>
/// A stock grain's terms beyond on hand: the channel reserve (units only some channels may take,
/// enforced at <see cref="IStockGrain.Hold"/> so two racing orders cannot both take the last
/// unprotected unit) and expected receipts, from which backordered orders are promised dates.
/// Promises are durable and consumed first come first served, so two orders never count on the same
/// inbound unit; a receipt that arrives leaves with its promises (its units are then on hand, and the
/// waiting orders are allocated from stock as usual).
/// </summary>
public sealed partial class StockGrain
{
    public const int MaxReceipts = 100;

    /// <summary>Units a hold for <paramref name="channel"/> must leave alone.</summary>
    private int ReservedAgainst(string? channel) =>
        S.Reserve is { } reserve && !reserve.Allows(channel) ? reserve.Quantity : 0;

    async Task<StockSnapshot> IStockGrain.SetReserve(ChannelReserve? reserve)
    {
        if (reserve?.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(reserve));
        }
        await _writes.WhenReady();
        var normalised = reserve is null || reserve.Quantity == 0 ? null : reserve with { Channels = reserve.Channels.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList() };
        if (!SameReserve(S.Reserve, normalised))
        {
            S.Reserve = normalised;
        }
        await _writes.WhenDurable();
        return Snapshot();
    }

    async Task<StockSnapshot> IStockGrain.ExpectReceipt(ExpectedReceipt receipt)
    {
        if (receipt.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(receipt));
        }
        await _writes.WhenReady();
        var index = S.Receipts.FindIndex(r => r.ReceiptId == receipt.ReceiptId);
        if (S.ReceivedReceipts.ContainsKey(receipt.ReceiptId))
        {
            // Already received under this id: declaring it again would count the same units twice.
            throw new ArgumentException($"Receipt '{receipt.ReceiptId}' was already received.", nameof(receipt));
        }
        if (index < 0 && S.Receipts.Count >= MaxReceipts)
        {
            throw new ArgumentException($"A SKU at a node has at most {MaxReceipts} expected receipts.", nameof(receipt));
        }
        if (index < 0 || S.Receipts[index] != receipt)
        {
            if (index >= 0)
            {
                S.Receipts.RemoveAt(index);
            }
            S.Receipts.Add(receipt);
            SortReceipts();
            TrimPromisesToReceipts();
            ReportAvailability();
        }
        await _writes.WhenDurable();
        return Snapshot();
    }

    async Task<StockSnapshot> IStockGrain.CancelReceipt(string receiptId)
    {
        await _writes.WhenReady();
        if (S.Receipts.RemoveAll(r => r.ReceiptId == receiptId) > 0)
        {
            TrimPromisesToReceipts();
            ReportAvailability();
        }
        await _writes.WhenDurable();
        return Snapshot();
    }

    async Task<DateOnly?> IStockGrain.PromiseInbound(string orderId, int quantity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(quantity);
        await _writes.WhenReady();
        var index = S.InboundPromises.FindIndex(p => p.OrderId == orderId);
        if (index >= 0 && S.InboundPromises[index].Quantity == quantity)
        {
            await _writes.WhenDurable(); // replay: answer once the first promise is durable
            return quantity == 0 ? null : DateOfPromise(index);
        }

        // Promised before: a smaller quantity keeps its place in the queue; a larger one (or a new
        // promise) goes to the back, behind orders promised in the meantime.
        if (index >= 0 && quantity > 0 && quantity < S.InboundPromises[index].Quantity)
        {
            S.InboundPromises[index] = S.InboundPromises[index] with { Quantity = quantity };
            ReportAvailability();
            await _writes.WhenDurable();
            return DateOfPromise(index);
        }
        if (index >= 0)
        {
            S.InboundPromises.RemoveAt(index);
        }
        DateOnly? date = null;
        if (quantity > 0 && S.Receipts.Sum(r => (long)r.Quantity) - S.InboundPromises.Sum(p => (long)p.Quantity) >= quantity)
        {
            S.InboundPromises.Add(new InboundPromise(orderId, quantity));
            date = DateOfPromise(S.InboundPromises.Count - 1);
        }
        if (index >= 0 || date is not null)
        {
            ReportAvailability();
            await _writes.WhenDurable();
        }
        return date;
    }

    Task<StockOffer> IStockGrain.GetOffer()
    {
        ExpireHolds();
        return Task.FromResult(new StockOffer(Math.Max(0, Available), S.Reserve, UnpromisedReceipts()));
    }

    /// <summary>Receipts less what is promised of them (earliest receipts are promised first).</summary>
    private IReadOnlyList<ExpectedReceipt> UnpromisedReceipts()
    {
        if (S.Receipts.Count == 0)
        {
            return [];
        }
        var promised = S.InboundPromises.Sum(p => (long)p.Quantity);
        var left = new List<ExpectedReceipt>();
        foreach (var receipt in S.Receipts)
        {
            var taken = (int)Math.Min(promised, receipt.Quantity);
            promised -= taken;
            if (receipt.Quantity > taken)
            {
                left.Add(receipt with { Quantity = receipt.Quantity - taken });
            }
        }
        return left;
    }

    /// <summary>The expected date of the receipt that covers the last unit of the promise at <paramref name="index"/>.</summary>
    private DateOnly? DateOfPromise(int index)
    {
        var through = S.InboundPromises.Take(index + 1).Sum(p => (long)p.Quantity);
        var cumulative = 0L;
        foreach (var receipt in S.Receipts)
        {
            cumulative += receipt.Quantity;
            if (cumulative >= through)
            {
                return receipt.ExpectedOn;
            }
        }
        return null;
    }

    /// <summary>A declared receipt arrived (received under its id): it and the promises it covered leave the books.</summary>
    private void FulfilReceipt(string receiptId)
    {
        // Any delivery received under an id is that receipt from now on, declared or not.
        S.ReceivedReceipts[receiptId] = _clock.UtcNow;
        var index = S.Receipts.FindIndex(r => r.ReceiptId == receiptId);
        if (index < 0)
        {
            return;
        }
        // Promises are served from the earliest receipts; what this receipt covered is now stock on hand.
        var coveredBefore = S.Receipts.Take(index).Sum(r => (long)r.Quantity);
        var covered = S.Receipts[index].Quantity;
        S.Receipts.RemoveAt(index);
        var kept = new List<InboundPromise>();
        var position = 0L;
        foreach (var promise in S.InboundPromises)
        {
            var start = position;
            position += promise.Quantity;
            var inThisReceipt = Math.Max(0, Math.Min(position, coveredBefore + covered) - Math.Max(start, coveredBefore));
            if (promise.Quantity - inThisReceipt > 0)
            {
                kept.Add(promise with { Quantity = (int)(promise.Quantity - inThisReceipt) });
            }
        }
        S.InboundPromises = kept;
    }

    /// <summary>After receipts shrink, the latest promises that no longer fit are withdrawn (those orders stay backordered, undated).</summary>
    private void TrimPromisesToReceipts()
    {
        var supply = S.Receipts.Sum(r => (long)r.Quantity);
        var total = 0L;
        S.InboundPromises = S.InboundPromises.TakeWhile(p => (total += p.Quantity) <= supply).ToList();
    }

    private void SortReceipts() =>
        S.Receipts.Sort((a, b) => a.ExpectedOn != b.ExpectedOn ? a.ExpectedOn.CompareTo(b.ExpectedOn) : string.CompareOrdinal(a.ReceiptId, b.ReceiptId));

    private static bool SameReserve(ChannelReserve? a, ChannelReserve? b) =>
        a is null ? b is null : b is not null && a.Quantity == b.Quantity && a.Channels.SequenceEqual(b.Channels);
}
