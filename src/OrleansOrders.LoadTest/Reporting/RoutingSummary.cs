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
        var summary = new Accumulator();
        foreach (var order in orders)
        {
            summary.Add(order);
        }
        return summary.Build();
    }

    /// <summary>The summary built one order at a time, so a million-order audit keeps sums, not orders.</summary>
    public sealed class Accumulator
    {
        private int _routed;
        private decimal _cost;
        private long _promisedDays;
        private int _split;
        private int _parcels;
        private int _pickups;

        public void Add(OrderView order)
        {
            var live = 0;
            var pickups = 0;
            var latest = DateOnly.MinValue;
            foreach (var shipment in order.Shipments)
            {
                if (shipment.Status == ShipmentStatus.Cancelled)
                {
                    continue;
                }
                live++;
                pickups += shipment.Pickup ? 1 : 0;
                latest = shipment.PromisedBy > latest ? shipment.PromisedBy : latest;
            }
            if (live == 0)
            {
                return;
            }
            _routed++;
            _cost += order.TotalCost;
            _promisedDays += latest.DayNumber - DateOnly.FromDateTime(order.AcceptedAt.UtcDateTime).DayNumber;
            _split += live > 1 ? 1 : 0;
            _parcels += live;
            _pickups += pickups;
        }

        public RoutingSummary Build() => _routed == 0
            ? new RoutingSummary(0, 0, 0, 0, 0, 0)
            : new RoutingSummary(_routed, Math.Round(_cost / _routed, 2), Math.Round((double)_promisedDays / _routed, 3),
                Math.Round(_split / (double)_routed, 4), _parcels, _pickups);
    }
}
