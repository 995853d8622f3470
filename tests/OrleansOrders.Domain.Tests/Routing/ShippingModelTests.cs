namespace OrleansOrders.Routing.Tests;

[Trait("Category", "fast")]
public class ShippingModelTests
{
    private static readonly GeoPoint Origin = new(0, 0);
    private static readonly GeoPoint NewYork = new(40.7128, -74.0060);

    /// <summary>A point on the equator <paramref name="km"/> east of <see cref="Origin"/>.</summary>
    private static GeoPoint EastOfOrigin(double km) => new(0, km / (6371.0 * Math.PI / 180));

    private static ShippingQuote Quote(double km, ShipperType shipper = ShipperType.DistributionCentre) =>
        ShippingModel.Default.Quote(Origin, EastOfOrigin(km), shipper);

    [Theory]
    [InlineData(0, 1)]
    [InlineData(10, 1)]
    [InlineData(149.9, 1)]
    [InlineData(150.1, 2)]
    [InlineData(599.9, 2)]
    [InlineData(600.1, 3)]
    [InlineData(1499.9, 3)]
    [InlineData(1500.1, 4)]
    [InlineData(2999.9, 4)]
    [InlineData(3000.1, 5)]
    [InlineData(12000, 5)]
    public void Zone_is_picked_by_distance(double km, int expectedZone)
    {
        Assert.Equal(expectedZone, Quote(km).Zone);
    }

    public static TheoryData<double, int, decimal, decimal, int> DistributionCentreRates => new()
    {
        // km, zone, parcel cost (zone base + 0.50 handling), unit cost, transit days
        { 100, 1, 4.50m, 0.40m, 1 },
        { 400, 2, 6.50m, 0.60m, 2 },
        { 1000, 3, 9.00m, 0.80m, 3 },
        { 2000, 4, 11.50m, 1.00m, 4 },
        { 5000, 5, 14.50m, 1.25m, 5 },
    };

    [Theory]
    [MemberData(nameof(DistributionCentreRates))]
    public void Distribution_centre_quote_is_the_zone_rate_plus_handling(double km, int zone, decimal parcel, decimal perUnit, int days)
    {
        Assert.Equal(new ShippingQuote(parcel, perUnit, days, zone), Quote(km));
    }

    [Fact]
    public void Destination_under_150_km_is_zone_1()
    {
        var philadelphia = new GeoPoint(39.9526, -75.1652); // ~130 km from New York

        var quote = ShippingModel.Default.Quote(NewYork, philadelphia, ShipperType.DistributionCentre);

        Assert.Equal(1, quote.Zone);
        Assert.Equal(1, quote.TransitDays);
    }

    [Fact]
    public void Cross_country_is_zone_5()
    {
        var losAngeles = new GeoPoint(34.0522, -118.2437);

        var quote = ShippingModel.Default.Quote(NewYork, losAngeles, ShipperType.DistributionCentre);

        Assert.Equal(5, quote.Zone);
        Assert.Equal(5, quote.TransitDays);
    }

    [Fact]
    public void Quote_is_the_same_in_both_directions()
    {
        var chicago = new GeoPoint(41.8781, -87.6298);

        Assert.Equal(
            ShippingModel.Default.Quote(NewYork, chicago, ShipperType.Store),
            ShippingModel.Default.Quote(chicago, NewYork, ShipperType.Store));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(1000)]
    [InlineData(5000)]
    public void Store_pays_more_handling_than_a_distribution_centre_at_the_same_distance(double km)
    {
        var dc = Quote(km, ShipperType.DistributionCentre);
        var store = Quote(km, ShipperType.Store);

        Assert.Equal(dc.Zone, store.Zone);
        Assert.Equal(dc.ShipmentCost + 1.50m, store.ShipmentCost);
        Assert.Equal(dc.UnitCost + 0.30m, store.UnitCost);
        Assert.Equal(dc.TransitDays, store.TransitDays);
        Assert.True(store.CostFor(1) > dc.CostFor(1));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(1000)]
    [InlineData(5000)]
    public void Drop_ship_charges_a_fee_and_adds_a_transit_day(double km)
    {
        var dc = Quote(km, ShipperType.DistributionCentre);
        var dropShip = Quote(km, ShipperType.DropShipSupplier);

        Assert.Equal(dc.Zone, dropShip.Zone);
        Assert.Equal(dc.ShipmentCost + 2.50m, dropShip.ShipmentCost);
        Assert.Equal(dc.UnitCost + 0.10m, dropShip.UnitCost);
        Assert.Equal(dc.TransitDays + 1, dropShip.TransitDays);
    }

    [Fact]
    public void Zone_1_quotes_by_shipper_type()
    {
        Assert.Equal(new ShippingQuote(4.50m, 0.40m, 1, 1), Quote(50, ShipperType.DistributionCentre));
        Assert.Equal(new ShippingQuote(6.00m, 0.70m, 1, 1), Quote(50, ShipperType.Store));
        Assert.Equal(new ShippingQuote(7.00m, 0.50m, 2, 1), Quote(50, ShipperType.DropShipSupplier));
    }

    [Fact]
    public void Unknown_shipper_type_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Quote(50, (ShipperType)42));
    }

    [Theory]
    [InlineData(0, "4.50")]
    [InlineData(1, "4.90")]
    [InlineData(3, "5.70")]
    [InlineData(10, "8.50")]
    public void CostFor_is_parcel_cost_plus_unit_cost_times_units(int units, string expected)
    {
        var quote = new ShippingQuote(4.50m, 0.40m, TransitDays: 1, Zone: 1);

        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), quote.CostFor(units));
    }

    [Fact]
    public void CostFor_on_model_quotes()
    {
        Assert.Equal(19.50m, Quote(5000, ShipperType.DistributionCentre).CostFor(4)); // 14.50 + 4 x 1.25
        Assert.Equal(9.50m, Quote(50, ShipperType.Store).CostFor(5));                // 6.00 + 5 x 0.70
        Assert.Equal(13.90m, Quote(400, ShipperType.DropShipSupplier).CostFor(7));    // 9.00 + 7 x 0.70
    }
}
