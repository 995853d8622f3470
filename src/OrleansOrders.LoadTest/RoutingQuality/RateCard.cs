using OrleansOrders.Routing;

namespace OrleansOrders.LoadTest.RoutingQuality;

/// <summary>
/// The benchmark's shipping rate card: the distance from node to customer picks a zone; the zone
/// sets the parcel's base rate, a rate per kilogram and the transit days; the node type adds
/// handling (stores pick from the shop floor, suppliers charge a drop-ship fee and add a day).
/// Every parcel pays its base rate and handling again, which is what a split costs.
/// </summary>
internal static class RateCard
{
    private static readonly (double MaxKm, decimal Base, decimal PerKg, int Days)[] Zones =
    [
        (150, 4.20m, 0.25m, 1),
        (600, 5.60m, 0.45m, 2),
        (1200, 7.40m, 0.65m, 3),
        (2200, 9.20m, 0.85m, 4),
        (double.MaxValue, 11.50m, 1.10m, 5),
    ];

    /// <summary>Parcel base cost, per-unit handling, per-kg rate and transit days from a node to a customer.</summary>
    public static (decimal Parcel, decimal PerUnit, decimal PerKg, int TransitDays, double Km) Quote(ShipperType kind, GeoPoint from, GeoPoint to)
    {
        var km = from.DistanceKmTo(to);
        var zone = Zones.First(z => km <= z.MaxKm);
        var (handling, perUnit, extraDays) = kind switch
        {
            ShipperType.DistributionCentre => (0.60m, 0.15m, 0),
            ShipperType.Store => (2.20m, 0.60m, 0),
            _ => (3.00m, 0.20m, 1),
        };
        return (zone.Base + handling, perUnit, zone.PerKg, zone.Days + extraDays, km);
    }

    /// <summary>The cost of one unit of a SKU weighing <paramref name="kg"/> in a parcel, to the cent.</summary>
    public static decimal UnitCost(decimal perUnit, decimal perKg, double kg) => Math.Round(perUnit + perKg * (decimal)kg, 2);
}
