namespace OrleansOrders.Routing.Tests;

[Trait("Category", "fast")]
public class GeoPointTests
{
    private static readonly GeoPoint NewYork = new(40.7128, -74.0060);
    private static readonly GeoPoint LosAngeles = new(34.0522, -118.2437);

    private const double EarthRadiusKm = 6371.0;

    [Fact]
    public void NewYork_to_LosAngeles_is_about_3936_km()
    {
        var km = NewYork.DistanceKmTo(LosAngeles);

        Assert.InRange(km, 3936 * 0.99, 3936 * 1.01);
    }

    [Theory]
    [InlineData(51.5074, -0.1278, 48.8566, 2.3522, 343.5)]       // London - Paris
    [InlineData(-33.8688, 151.2093, -37.8136, 144.9631, 713.4)]  // Sydney - Melbourne
    [InlineData(35.6762, 139.6503, 34.6937, 135.5023, 392.4)]    // Tokyo - Osaka
    [InlineData(41.8781, -87.6298, 40.7128, -74.0060, 1144.3)]   // Chicago - New York
    [InlineData(40.7128, -74.0060, 39.9526, -75.1652, 129.6)]    // New York - Philadelphia
    public void Known_city_pairs_are_within_one_percent(double lat1, double lon1, double lat2, double lon2, double expectedKm)
    {
        var km = new GeoPoint(lat1, lon1).DistanceKmTo(new GeoPoint(lat2, lon2));

        Assert.InRange(km, expectedKm * 0.99, expectedKm * 1.01);
    }

    [Fact]
    public void Distance_is_symmetric()
    {
        Assert.Equal(NewYork.DistanceKmTo(LosAngeles), LosAngeles.DistanceKmTo(NewYork), 9);
    }

    [Theory]
    [InlineData(40.7128, -74.0060)]
    [InlineData(0, 0)]
    [InlineData(90, 0)]
    [InlineData(-90, 180)]
    [InlineData(-33.8688, 151.2093)]
    public void Distance_to_itself_is_zero(double lat, double lon)
    {
        var point = new GeoPoint(lat, lon);

        Assert.Equal(0.0, point.DistanceKmTo(point));
    }

    [Fact]
    public void One_degree_of_longitude_on_the_equator_is_about_111_km()
    {
        var km = new GeoPoint(0, 0).DistanceKmTo(new GeoPoint(0, 1));

        Assert.Equal(EarthRadiusKm * Math.PI / 180, km, 6);
    }

    [Fact]
    public void Antipodal_points_are_half_the_circumference_apart()
    {
        var expected = Math.PI * EarthRadiusKm;

        Assert.Equal(expected, new GeoPoint(0, 0).DistanceKmTo(new GeoPoint(0, 180)), 6);
        Assert.Equal(expected, new GeoPoint(90, 0).DistanceKmTo(new GeoPoint(-90, 0)), 6);
    }

    [Fact]
    public void Distance_across_the_antimeridian_takes_the_short_way()
    {
        var km = new GeoPoint(0, 179.5).DistanceKmTo(new GeoPoint(0, -179.5));

        Assert.Equal(EarthRadiusKm * Math.PI / 180, km, 6);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(90, 180)]
    [InlineData(-90, -180)]
    [InlineData(40.7128, -74.0060)]
    public void IsValid_accepts_coordinates_in_range_including_the_bounds(double lat, double lon)
    {
        Assert.True(new GeoPoint(lat, lon).IsValid);
    }

    [Theory]
    [InlineData(double.NaN, 0)]
    [InlineData(0, double.NaN)]
    [InlineData(double.PositiveInfinity, 0)]
    [InlineData(double.NegativeInfinity, 0)]
    [InlineData(0, double.PositiveInfinity)]
    [InlineData(0, double.NegativeInfinity)]
    [InlineData(91, 0)]
    [InlineData(-91, 0)]
    [InlineData(90.000001, 0)]
    [InlineData(0, 181)]
    [InlineData(0, -181)]
    [InlineData(0, -180.000001)]
    public void IsValid_rejects_non_finite_and_out_of_range_coordinates(double lat, double lon)
    {
        Assert.False(new GeoPoint(lat, lon).IsValid);
    }
}
