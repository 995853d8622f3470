namespace OrleansOrders.Routing;

/// <summary>What a node's bid quotes for an order: the parcel's price, the promise, the distance.</summary>
public readonly record struct BidPrice(ShippingQuote Quote, DateOnly PromisedBy, double DistanceKm);

/// <summary>
/// The terms a fulfilment node bids on, as pure rules: the quote from <see cref="ShippingModel"/>
/// for its kind and distance, the promise from its cutoff (<see cref="DispatchRule.PromiseDate"/>),
/// and the units it offers per line. The node grain bids with them and the routing-quality
/// benchmark builds its bids with them, so the benchmark measures what the grid does.
/// </summary>
public static class NodeBidding
{
    public static BidPrice Price(GeoPoint origin, ShipperType shipper, GeoPoint destination, DateTimeOffset orderedAt, TimeOnly cutoffUtc)
    {
        var quote = ShippingModel.Default.Quote(origin, destination, shipper);
        return new BidPrice(quote, DispatchRule.PromiseDate(orderedAt, cutoffUtc, quote.TransitDays), origin.DistanceKmTo(destination));
    }

    /// <summary>
    /// Units offered for a line: up to the quantity plus the channel reserve, as far as stock goes. The
    /// router takes the reserve off for channels it does not allow, and what remains must still cover
    /// the line where stock allows.
    /// </summary>
    public static int Offered(int quantity, int reserve, long available) => (int)Math.Max(0, Math.Min((long)quantity + reserve, available));
}
