namespace OrleansOrders.Routing;

/// <summary>Units of a SKU at a node kept for some channels only (e.g. store stock reserved for walk-in and pickup).</summary>
/// <param name="Quantity">Units protected.</param>
/// <param name="Channels">Channels that may take them (ordinal match).</param>
public sealed record ProtectedReserve(int Quantity, IReadOnlyCollection<string> Channels)
{
    public bool Allows(string? channel) => channel is not null && Channels.Contains(channel, StringComparer.Ordinal);
}

/// <summary>
/// What an order may take from an offer: per SKU, what the node offered, less its safety stock,
/// less its protected reserve unless the order's channel may take that reserve. Never below zero;
/// SKUs left with nothing are dropped.
/// </summary>
public static class ReserveRule
{
    public static IReadOnlyDictionary<string, int> Sellable(NodeOffer offer, string? channel)
    {
        var sellable = new Dictionary<string, int>(offer.Available.Count, StringComparer.Ordinal);
        foreach (var (sku, available) in offer.Available)
        {
            var kept = (long)Math.Max(0, offer.SafetyStock.GetValueOrDefault(sku));
            if (offer.Reserves.TryGetValue(sku, out var reserve) && !reserve.Allows(channel))
            {
                kept += Math.Max(0, reserve.Quantity);
            }
            var left = available - kept;
            if (left > 0)
            {
                sellable[sku] = (int)left;
            }
        }
        return sellable;
    }
}
