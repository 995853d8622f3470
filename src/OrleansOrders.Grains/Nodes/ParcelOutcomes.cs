using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Nodes;

/// <summary>
/// What the order tells a node about its parcel, for the node's reliability record: one-way calls,
/// never awaited, made once the order's own write that decided the outcome succeeded. A report lost
/// (a crash, a dropped message) only leaves the record a little kinder than the truth.
/// </summary>
public static class ParcelOutcomes
{
    /// <summary>The node rejected <paramref name="lines"/> of the shipment; a short pick when the stock was not there.</summary>
    public static void Rejected(IGrainFactory grains, ShipmentAllocation shipment, IEnumerable<OrderLine> lines, bool stockMissing) =>
        Tell(grains, shipment, new ParcelOutcome(shipment.ShipmentId,
            stockMissing ? ParcelOutcomeKind.ShortPicked : ParcelOutcomeKind.Rejected,
            lines.Select(l => l.Sku).Distinct(StringComparer.Ordinal).ToList()));

    /// <summary>The shipment left the node at <paramref name="shippedAt"/>: late when after the dispatch day it was promised for.</summary>
    public static void Shipped(IGrainFactory grains, ShipmentAllocation shipment, DateTimeOffset shippedAt) =>
        Tell(grains, shipment, new ParcelOutcome(shipment.ShipmentId,
            IsLate(shipment, shippedAt) ? ParcelOutcomeKind.ShippedLate : ParcelOutcomeKind.Shipped,
            shipment.Lines.Select(l => l.Sku).Distinct(StringComparer.Ordinal).ToList()));

    /// <summary>Late: dispatched after the day the plan promised (unknown for parcels planned without one: not late).</summary>
    public static bool IsLate(ShipmentAllocation shipment, DateTimeOffset shippedAt) =>
        shipment.DispatchOn is { } day && DateOnly.FromDateTime(shippedAt.UtcDateTime) > day;

    private static void Tell(IGrainFactory grains, ShipmentAllocation shipment, ParcelOutcome outcome)
    {
        try
        {
            _ = grains.Reference<IFulfilmentNodeGrain>(shipment.NodeId).ReportParcel(outcome); // [OneWay]: completes at once
        }
        catch (Exception)
        {
            // Soft state: a report that cannot even be sent changes nothing the order owns.
        }
    }
}
