using OrleansOrders.Routing;

namespace OrleansOrders.LoadTest.RoutingQuality;

/// <summary>US metro areas (approximate centres and metro populations in millions) for the <see cref="Geography.Cities"/> network.</summary>
internal static class BenchCities
{
    public static IReadOnlyList<(string Name, GeoPoint Centre, double Millions)> All { get; } =
    [
        ("New York", new(40.71, -74.01), 19.5), ("Los Angeles", new(34.05, -118.24), 12.8), ("Chicago", new(41.88, -87.63), 9.4),
        ("Dallas", new(32.78, -96.80), 7.9), ("Houston", new(29.76, -95.37), 7.3), ("Washington", new(38.91, -77.04), 6.3),
        ("Philadelphia", new(39.95, -75.17), 6.2), ("Miami", new(25.76, -80.19), 6.1), ("Atlanta", new(33.75, -84.39), 6.2),
        ("Boston", new(42.36, -71.06), 4.9), ("Phoenix", new(33.45, -112.07), 5.0), ("San Francisco", new(37.77, -122.42), 4.6),
        ("Riverside", new(33.95, -117.40), 4.6), ("Detroit", new(42.33, -83.05), 4.3), ("Seattle", new(47.61, -122.33), 4.0),
        ("Minneapolis", new(44.98, -93.27), 3.7), ("San Diego", new(32.72, -117.16), 3.3), ("Tampa", new(27.95, -82.46), 3.3),
        ("Denver", new(39.74, -104.99), 3.0), ("St. Louis", new(38.63, -90.20), 2.8), ("Baltimore", new(39.29, -76.61), 2.8),
        ("Charlotte", new(35.23, -80.84), 2.7), ("Orlando", new(28.54, -81.38), 2.7), ("San Antonio", new(29.42, -98.49), 2.6),
        ("Portland", new(45.52, -122.68), 2.5), ("Sacramento", new(38.58, -121.49), 2.4), ("Pittsburgh", new(40.44, -79.99), 2.4),
        ("Austin", new(30.27, -97.74), 2.4), ("Las Vegas", new(36.17, -115.14), 2.3), ("Cincinnati", new(39.10, -84.51), 2.3),
        ("Kansas City", new(39.10, -94.58), 2.2), ("Columbus", new(39.96, -83.00), 2.1), ("Indianapolis", new(39.77, -86.16), 2.1),
        ("Cleveland", new(41.50, -81.69), 2.1), ("Nashville", new(36.16, -86.78), 2.0), ("Salt Lake City", new(40.76, -111.89), 1.3),
        ("Memphis", new(35.15, -90.05), 1.3), ("Albuquerque", new(35.08, -106.65), 0.9), ("Omaha", new(41.26, -95.93), 1.0),
    ];

    /// <summary>Where distribution centres usually are: central, well connected.</summary>
    public static IReadOnlyList<string> DcCities { get; } =
    [
        "Chicago", "Dallas", "Atlanta", "Riverside", "Philadelphia", "Memphis", "Indianapolis", "Columbus", "Reno", "Kansas City",
        "Salt Lake City", "Nashville", "Houston", "Phoenix", "Denver", "Seattle", "Charlotte", "Cincinnati", "Omaha", "Sacramento",
    ];

    public static GeoPoint Reno { get; } = new(39.53, -119.81);

    public static GeoPoint Locate(string city) =>
        city == "Reno" ? Reno : All.First(c => c.Name == city).Centre;
}
