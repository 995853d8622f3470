using OrleansOrders.Contracts;

namespace OrleansOrders.LoadTest.Network;

/// <summary>
/// Large US metro areas (approximate centres). Nodes and customers are placed around them with a
/// random offset, so the synthetic network has the geography of a real one: dense on the coasts,
/// sparse in the middle, and customers near cities.
/// </summary>
public static class UsMetros
{
    public static IReadOnlyList<(string City, Location Centre)> All { get; } =
    [
        ("New York", new(40.71, -74.01)), ("Los Angeles", new(34.05, -118.24)), ("Chicago", new(41.88, -87.63)),
        ("Houston", new(29.76, -95.37)), ("Phoenix", new(33.45, -112.07)), ("Philadelphia", new(39.95, -75.17)),
        ("San Antonio", new(29.42, -98.49)), ("San Diego", new(32.72, -117.16)), ("Dallas", new(32.78, -96.80)),
        ("Jacksonville", new(30.33, -81.66)), ("Austin", new(30.27, -97.74)), ("Columbus", new(39.96, -83.00)),
        ("Charlotte", new(35.23, -80.84)), ("Indianapolis", new(39.77, -86.16)), ("San Francisco", new(37.77, -122.42)),
        ("Seattle", new(47.61, -122.33)), ("Denver", new(39.74, -104.99)), ("Nashville", new(36.16, -86.78)),
        ("Washington", new(38.91, -77.04)), ("Boston", new(42.36, -71.06)), ("Detroit", new(42.33, -83.05)),
        ("Portland", new(45.52, -122.68)), ("Las Vegas", new(36.17, -115.14)), ("Memphis", new(35.15, -90.05)),
        ("Atlanta", new(33.75, -84.39)), ("Miami", new(25.76, -80.19)), ("Minneapolis", new(44.98, -93.27)),
        ("Kansas City", new(39.10, -94.58)), ("Salt Lake City", new(40.76, -111.89)), ("St. Louis", new(38.63, -90.20)),
        ("Pittsburgh", new(40.44, -79.99)), ("Cincinnati", new(39.10, -84.51)), ("Orlando", new(28.54, -81.38)),
        ("Cleveland", new(41.50, -81.69)), ("Tampa", new(27.95, -82.46)), ("Sacramento", new(38.58, -121.49)),
    ];

    /// <summary>A point within about <paramref name="radiusKm"/> of a random metro centre.</summary>
    public static (string City, Location Point) Near(Random random, double radiusKm)
    {
        var (city, centre) = All[random.Next(All.Count)];
        return (city, Jitter(random, centre, radiusKm));
    }

    /// <summary>A point within about <paramref name="radiusKm"/> of <paramref name="centre"/>.</summary>
    public static Location Jitter(Random random, Location centre, double radiusKm)
    {
        const double KmPerDegree = 111.0;
        var dLat = (random.NextDouble() * 2 - 1) * radiusKm / KmPerDegree;
        var dLon = (random.NextDouble() * 2 - 1) * radiusKm / (KmPerDegree * Math.Cos(centre.Latitude * Math.PI / 180));
        return new Location(Math.Round(centre.Latitude + dLat, 5), Math.Round(centre.Longitude + dLon, 5));
    }
}
