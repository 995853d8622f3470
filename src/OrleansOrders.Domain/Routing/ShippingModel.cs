namespace OrleansOrders.Routing;

/// <summary>How a node hands goods to the carrier; it changes handling cost and time.</summary>
public enum ShipperType
{
    DistributionCentre,
    Store,
    DropShipSupplier,
}

/// <summary>What one node would charge to ship one parcel, and how long it takes.</summary>
/// <param name="ShipmentCost">Fixed cost of the parcel (carrier base rate by zone plus node handling).</param>
/// <param name="UnitCost">Cost added per unit in the parcel (pick effort and weight).</param>
/// <param name="TransitDays">Calendar days from dispatch to the customer (carriers deliver six or seven days a week).</param>
/// <param name="Zone">Distance zone, 1 (local) to 5 (cross-country).</param>
public sealed record ShippingQuote(decimal ShipmentCost, decimal UnitCost, int TransitDays, int Zone)
{
    public decimal CostFor(int units) => ShipmentCost + UnitCost * units;
}

/// <summary>
/// A simple distance-based rate card: the distance between node and customer picks a zone, the
/// zone gives a base rate and transit time, and the node type adds handling. Stores pay more
/// to pick (shop-floor picking), drop-ship suppliers charge a fee and add a day.
/// </summary>
public sealed class ShippingModel
{
    private static readonly (double MaxKm, decimal Base, decimal PerUnit, int Days)[] Zones =
    [
        (150, 4.00m, 0.40m, 1),
        (600, 6.00m, 0.60m, 2),
        (1500, 8.50m, 0.80m, 3),
        (3000, 11.00m, 1.00m, 4),
        (double.MaxValue, 14.00m, 1.25m, 5),
    ];

    public static ShippingModel Default { get; } = new();

    public ShippingQuote Quote(GeoPoint origin, GeoPoint destination, ShipperType shipper)
    {
        if (!origin.IsValid || !destination.IsValid)
        {
            throw new ArgumentException($"Cannot quote between {origin} and {destination}: coordinates out of range.");
        }
        var km = origin.DistanceKmTo(destination);
        var zone = Array.FindIndex(Zones, z => km <= z.MaxKm);
        var (_, baseRate, perUnit, days) = Zones[zone];
        var (handling, handlingPerUnit, extraDays) = Handling(shipper);
        return new ShippingQuote(baseRate + handling, perUnit + handlingPerUnit, days + extraDays, zone + 1);
    }

    /// <summary>The least parcel cost any quote of this model has (nearest zone, cheapest handling): a floor on every parcel.</summary>
    public static decimal LeastShipmentCost { get; } =
        Zones.Min(z => z.Base) + Enum.GetValues<ShipperType>().Min(s => Handling(s).Fixed);

    /// <summary>The least unit cost any quote of this model has: a floor on every unit shipped.</summary>
    public static decimal LeastUnitCost { get; } =
        Zones.Min(z => z.PerUnit) + Enum.GetValues<ShipperType>().Min(s => Handling(s).PerUnit);

    private static (decimal Fixed, decimal PerUnit, int ExtraDays) Handling(ShipperType shipper) => shipper switch
    {
        ShipperType.DistributionCentre => (0.50m, 0.00m, 0),
        ShipperType.Store => (2.00m, 0.30m, 0),
        ShipperType.DropShipSupplier => (3.00m, 0.10m, 1),
        _ => throw new ArgumentOutOfRangeException(nameof(shipper)),
    };
}
