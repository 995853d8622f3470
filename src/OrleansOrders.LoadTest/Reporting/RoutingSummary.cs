using OrleansOrders.Contracts;

namespace OrleansOrders.LoadTest.Reporting;

/// <summary>
/// How well orders were routed, over those with at least one live (not cancelled) shipment:
/// the mean shipping cost per order (<see cref="OrderView.TotalCost"/>, its live shipments' costs),
/// the mean promise in days (the latest live shipment's <see cref="ShipmentAllocation.PromisedBy"/>
/// less the UTC day the order was accepted), the split rate (the share, a fraction of 1,
/// shipped in more than one live shipment), and the live parcels of those orders, of which
/// <see cref="PickupParcels"/> wait at the customer's store (<see cref="ShipmentAllocation.Pickup"/>).
/// A pickup order's store parcel counts like a shipped one in all of these: it is a parcel the
/// order arrives in, and the grid prices and promises it like one.
/// </summary>
public sealed record RoutingSummary(int RoutedOrders, decimal MeanShippingCost, double MeanPromisedDays, double SplitRate, int LiveParcels, int PickupParcels)
{
    public static RoutingSummary Of(IEnumerable<OrderView> orders)
    {
        var routed = orders
            .Select(o => (Order: o, Live: o.Shipments.Where(s => s.Status != ShipmentStatus.Cancelled).ToList()))
            .Where(x => x.Live.Count > 0)
            .ToList();
        if (routed.Count == 0)
        {
            return new RoutingSummary(0, 0, 0, 0, 0, 0);
        }
        return new RoutingSummary(
            routed.Count,
            Math.Round(routed.Sum(x => x.Order.TotalCost) / routed.Count, 2),
            Math.Round(routed.Average(x => PromisedDays(x.Order, x.Live)), 3),
            Math.Round(routed.Count(x => x.Live.Count > 1) / (double)routed.Count, 4),
            routed.Sum(x => x.Live.Count),
            routed.Sum(x => x.Live.Count(s => s.Pickup)));
    }

    private static int PromisedDays(OrderView order, IEnumerable<ShipmentAllocation> live) =>
        live.Max(s => s.PromisedBy).DayNumber - DateOnly.FromDateTime(order.AcceptedAt.UtcDateTime).DayNumber;
}
