namespace OrleansOrders.Routing;

/// <summary>One recent order as demand: when it was accepted, where it ships, what it asks for.</summary>
public sealed record DemandOrder(DateTimeOffset AcceptedAt, GeoPoint ShipTo, IReadOnlyList<DemandLine> Lines);

/// <summary>
/// Expected demand per SKU and region over the horizon ahead, from the orders of a recent window:
/// each order's lines count at the region nearest its ship-to, and the units seen are scaled from
/// the span observed to the horizon (rate times horizon). Pure, so it is tested without a cluster;
/// the opportunity-cost grain and the routing-quality benchmark both forecast with it.
/// </summary>
public sealed class DemandForecast
{
    /// <summary>
    /// The shortest span a rate is taken over: a truncated sample of orders that all arrived within
    /// seconds would otherwise extrapolate a burst into a day of impossible demand.
    /// </summary>
    public static readonly TimeSpan MinObservedSpan = TimeSpan.FromMinutes(1);

    private DemandForecast(IReadOnlyList<GeoPoint> regions, IReadOnlyList<string> skus, IReadOnlyDictionary<string, double[]> bySku, int orders, double unitsPerOrder)
    {
        Regions = regions;
        Skus = skus;
        BySku = bySku;
        Orders = orders;
        UnitsPerOrder = unitsPerOrder;
    }

    public IReadOnlyList<GeoPoint> Regions { get; }

    /// <summary>The SKUs with demand, most demanded first.</summary>
    public IReadOnlyList<string> Skus { get; }

    /// <summary>Per SKU of <see cref="Skus"/>, expected units per region over the horizon.</summary>
    public IReadOnlyDictionary<string, double[]> BySku { get; }

    /// <summary>Orders of the sample that counted.</summary>
    public int Orders { get; }

    /// <summary>Mean units per counted order (at least 1): how many units share a parcel's fixed cost.</summary>
    public double UnitsPerOrder { get; }

    /// <summary>
    /// Demand regions from node locations, in the order given: a location within
    /// <paramref name="radiusKm"/> of an earlier region joins it, any other starts a new one.
    /// </summary>
    public static IReadOnlyList<GeoPoint> RegionsOf(IEnumerable<GeoPoint> locations, double radiusKm)
    {
        var regions = new List<GeoPoint>();
        foreach (var location in locations)
        {
            if (!regions.Any(r => r == location || r.DistanceKmTo(location) <= radiusKm))
            {
                regions.Add(location);
            }
        }
        return regions;
    }

    /// <summary>The index of the region nearest <paramref name="point"/> (the first on a tie).</summary>
    public static int Nearest(IReadOnlyList<GeoPoint> regions, GeoPoint point)
    {
        var best = 0;
        var bestKm = double.PositiveInfinity;
        for (var r = 0; r < regions.Count; r++)
        {
            var km = regions[r].DistanceKmTo(point);
            if (km < bestKm)
            {
                (best, bestKm) = (r, km);
            }
        }
        return best;
    }

    /// <param name="regions">Demand regions; each order counts at the one nearest its ship-to.</param>
    /// <param name="orders">The sample; orders accepted at or before <paramref name="observedFrom"/> are ignored.</param>
    /// <param name="observedFrom">Start of the span the sample covers (the grid's demand window, or the part of it its sample holds).</param>
    /// <param name="now">End of that span.</param>
    /// <param name="horizon">How far ahead demand is expected.</param>
    /// <param name="maxSkus">Most SKUs kept (the most demanded).</param>
    /// <param name="stocked">SKUs worth forecasting (some node stocks them).</param>
    public static DemandForecast Build(
        IReadOnlyList<GeoPoint> regions,
        IEnumerable<DemandOrder> orders,
        DateTimeOffset observedFrom,
        DateTimeOffset now,
        TimeSpan horizon,
        int maxSkus,
        Func<string, bool> stocked)
    {
        var units = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var counted = 0;
        var totalUnits = 0L;
        if (regions.Count > 0)
        {
            foreach (var order in orders.Where(o => o.AcceptedAt > observedFrom))
            {
                var region = Nearest(regions, order.ShipTo);
                counted++;
                foreach (var line in order.Lines.Where(l => l.Quantity > 0))
                {
                    totalUnits += line.Quantity;
                    if (!stocked(line.Sku))
                    {
                        continue;
                    }
                    if (!units.TryGetValue(line.Sku, out var byRegion))
                    {
                        units[line.Sku] = byRegion = new double[regions.Count];
                    }
                    byRegion[region] += line.Quantity;
                }
            }
        }

        var span = now - observedFrom;
        if (span < MinObservedSpan)
        {
            span = MinObservedSpan;
        }
        var scale = Math.Max(0, horizon.TotalSeconds) / span.TotalSeconds;
        var skus = units
            .OrderByDescending(u => u.Value.Sum()).ThenBy(u => u.Key, StringComparer.Ordinal)
            .Take(Math.Max(0, maxSkus))
            .Select(u => u.Key)
            .ToList();
        var bySku = skus.ToDictionary(sku => sku, sku => units[sku].Select(u => u * scale).ToArray(), StringComparer.Ordinal);
        return new DemandForecast(regions, skus, bySku, counted, counted == 0 ? 1 : Math.Max(1, (double)totalUnits / counted));
    }
}
