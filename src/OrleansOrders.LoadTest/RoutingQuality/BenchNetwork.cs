using OrleansOrders.Routing;

namespace OrleansOrders.LoadTest.RoutingQuality;

internal sealed record BenchNode(string Id, ShipperType Kind, GeoPoint Location, int CapacityPerDay, TimeOnly CutoffUtc);

/// <summary>A SKU of the catalogue. <paramref name="WeightKg"/> is drawn with it (so a seed gives the same network as before) but not priced: the grid's <see cref="ShippingModel"/> charges per unit, not by weight.</summary>
internal sealed record BenchSku(string Id, double Probability, double WeightKg);

internal sealed record BenchRegion(string Name, GeoPoint Centre, double Weight);

/// <summary>A generated network: nodes, SKUs with Zipf popularity, demand regions, and the stock at the start.</summary>
internal sealed class BenchNetwork
{
    public required IReadOnlyList<BenchNode> Nodes { get; init; }
    public required IReadOnlyList<BenchSku> Skus { get; init; }
    public required IReadOnlyList<BenchRegion> Regions { get; init; }

    /// <summary>Units on hand at the start, [node, sku].</summary>
    public required int[,] Stock { get; init; }

    public required DateOnly Start { get; init; }

    /// <summary>Mean units of one SKU line and mean lines per order, for demand forecasts.</summary>
    public required double MeanUnitsPerOrder { get; init; }

    /// <summary>Expected units of SKU <paramref name="sku"/> per order.</summary>
    public double UnitsPerOrder(int sku) => Skus[sku].Probability * MeanUnitsPerOrder;
}

/// <summary>
/// Generates a network, deterministic by seed. About 30% of nodes are distribution centres holding
/// most of the stock, 12% drop-ship suppliers (each carrying a third of the catalogue, at a fee),
/// the rest stores carrying the more popular SKUs in small quantities. Each SKU's total stock is its
/// expected demand over the stream times a coverage drawn per SKU, spread over nodes with random
/// weights that do not follow regional demand: that mismatch is what routing decisions trade on.
/// </summary>
internal static class NetworkGenerator
{
    private static readonly (double Lat, double Lon) SouthWest = (25.5, -123.5);
    private static readonly (double Lat, double Lon) NorthEast = (48.5, -69.5);

    public static BenchNetwork Generate(QualitySettings settings, OrderProfile profile)
    {
        var rng = new Random(settings.Seed * 7919 + 17);
        var regions = Regions(settings, rng);
        var nodes = Nodes(settings, regions, rng);
        var skus = Skus(settings.Skus, rng);
        var stock = Stock(settings, profile, nodes, skus, rng);
        return new BenchNetwork
        {
            Nodes = nodes,
            Skus = skus,
            Regions = regions,
            Stock = stock,
            Start = new DateOnly(2026, 3, 2),
            MeanUnitsPerOrder = profile.MeanLines * profile.MeanQuantity,
        };
    }

    private static IReadOnlyList<BenchRegion> Regions(QualitySettings settings, Random rng)
    {
        if (settings.Geography == Geography.Cities)
        {
            var total = BenchCities.All.Sum(c => c.Millions);
            return BenchCities.All.Select(c => new BenchRegion(c.Name, c.Centre, c.Millions / total)).ToList();
        }
        var weights = Enumerable.Range(0, 30).Select(_ => -Math.Log(1 - rng.NextDouble())).ToArray();
        var sum = weights.Sum();
        return weights.Select((w, i) => new BenchRegion($"region-{i + 1:D2}", RandomPoint(rng), w / sum)).ToList();
    }

    private static IReadOnlyList<BenchNode> Nodes(QualitySettings settings, IReadOnlyList<BenchRegion> regions, Random rng)
    {
        var dcs = Math.Max(1, (int)Math.Round(settings.Nodes * 0.3));
        var suppliers = Math.Max(1, (int)Math.Round(settings.Nodes * 0.12));
        var stores = Math.Max(1, settings.Nodes - dcs - suppliers);
        dcs = settings.Nodes - suppliers - stores;
        var ordersPerDay = (double)settings.Orders / settings.Days;
        TimeOnly[] cutoffs = [new(14, 0), new(16, 0), new(18, 0), new(20, 0)];
        var nodes = new List<BenchNode>();

        var dcCities = BenchCities.DcCities.OrderBy(_ => rng.Next()).ToList();
        for (var i = 0; i < dcs; i++)
        {
            var at = settings.Geography == Geography.Cities ? Jitter(rng, BenchCities.Locate(dcCities[i % dcCities.Count]), 40) : RandomPoint(rng);
            nodes.Add(new BenchNode($"dc-{i + 1:D2}", ShipperType.DistributionCentre, at, Math.Max(5, (int)Math.Ceiling(1.2 * ordersPerDay / dcs)), cutoffs[rng.Next(cutoffs.Length)]));
        }
        for (var i = 0; i < stores; i++)
        {
            var at = settings.Geography == Geography.Cities ? Jitter(rng, PickRegion(regions, rng).Centre, 25) : RandomPoint(rng);
            nodes.Add(new BenchNode($"store-{i + 1:D2}", ShipperType.Store, at, Math.Max(3, (int)Math.Ceiling(0.04 * ordersPerDay)), cutoffs[rng.Next(cutoffs.Length)]));
        }
        for (var i = 0; i < suppliers; i++)
        {
            var at = settings.Geography == Geography.Cities ? Jitter(rng, BenchCities.All[rng.Next(BenchCities.All.Count)].Centre, 60) : RandomPoint(rng);
            nodes.Add(new BenchNode($"ds-{i + 1:D2}", ShipperType.DropShipSupplier, at, Math.Max(5, (int)Math.Ceiling(0.15 * ordersPerDay)), cutoffs[rng.Next(cutoffs.Length)]));
        }
        return nodes;
    }

    private static IReadOnlyList<BenchSku> Skus(int count, Random rng)
    {
        var zipf = new ZipfPopularity(count, 1.0);
        return Enumerable.Range(0, count)
            .Select(k => new BenchSku($"SKU-{k + 1:D5}", zipf.Probability(k), Math.Round(0.2 * Math.Pow(40, rng.NextDouble()), 2)))
            .ToList();
    }

    private static int[,] Stock(QualitySettings settings, OrderProfile profile, IReadOnlyList<BenchNode> nodes, IReadOnlyList<BenchSku> skus, Random rng)
    {
        var stock = new int[nodes.Count, skus.Count];
        var unitsPerOrder = profile.MeanLines * profile.MeanQuantity;
        var dcs = Enumerable.Range(0, nodes.Count).Where(n => nodes[n].Kind == ShipperType.DistributionCentre).ToArray();
        var stores = Enumerable.Range(0, nodes.Count).Where(n => nodes[n].Kind == ShipperType.Store).ToArray();
        var suppliers = Enumerable.Range(0, nodes.Count).Where(n => nodes[n].Kind == ShipperType.DropShipSupplier).ToArray();
        for (var s = 0; s < skus.Count; s++)
        {
            var expected = settings.Orders * unitsPerOrder * skus[s].Probability;
            var coverage = settings.StockCoverage.Min + rng.NextDouble() * (settings.StockCoverage.Max - settings.StockCoverage.Min);
            var total = expected * coverage;
            var popular = s < Math.Max(1, skus.Count * 0.4);

            var supplierHolders = suppliers.Where(_ => rng.NextDouble() < 0.34).ToArray();
            var storeHolders = popular ? stores.Where(_ => rng.NextDouble() < 0.6).ToArray() : [];
            var dcHolders = dcs.Where(_ => rng.NextDouble() < 0.8).ToArray();
            if (dcHolders.Length == 0)
            {
                dcHolders = [dcs[rng.Next(dcs.Length)]];
            }
            var shares = (Dc: 0.72, Store: storeHolders.Length > 0 ? 0.18 : 0.0, Supplier: supplierHolders.Length > 0 ? 0.10 : 0.0);
            var norm = shares.Dc + shares.Store + shares.Supplier;
            Spread(stock, s, dcHolders, total * shares.Dc / norm, rng);
            Spread(stock, s, storeHolders, total * shares.Store / norm, rng);
            Spread(stock, s, supplierHolders, total * shares.Supplier / norm, rng);
        }
        return stock;
    }

    /// <summary>Splits <paramref name="units"/> over holders with random (exponential) weights, rounding randomly so small SKUs still get units.</summary>
    private static void Spread(int[,] stock, int sku, int[] holders, double units, Random rng)
    {
        if (holders.Length == 0 || units <= 0)
        {
            return;
        }
        var weights = holders.Select(_ => -Math.Log(1 - rng.NextDouble())).ToArray();
        var sum = weights.Sum();
        for (var i = 0; i < holders.Length; i++)
        {
            var share = units * weights[i] / sum;
            var whole = (int)Math.Floor(share);
            stock[holders[i], sku] += whole + (rng.NextDouble() < share - whole ? 1 : 0);
        }
    }

    public static BenchRegion PickRegion(IReadOnlyList<BenchRegion> regions, Random rng)
    {
        var u = rng.NextDouble();
        foreach (var region in regions)
        {
            u -= region.Weight;
            if (u <= 0)
            {
                return region;
            }
        }
        return regions[^1];
    }

    public static GeoPoint Jitter(Random rng, GeoPoint centre, double radiusKm)
    {
        const double KmPerDegree = 111.0;
        var lat = centre.Latitude + (rng.NextDouble() * 2 - 1) * radiusKm / KmPerDegree;
        var lon = centre.Longitude + (rng.NextDouble() * 2 - 1) * radiusKm / (KmPerDegree * Math.Cos(centre.Latitude * Math.PI / 180));
        return new GeoPoint(Math.Clamp(lat, -90, 90), Math.Clamp(lon, -180, 180));
    }

    private static GeoPoint RandomPoint(Random rng) =>
        new(SouthWest.Lat + rng.NextDouble() * (NorthEast.Lat - SouthWest.Lat), SouthWest.Lon + rng.NextDouble() * (NorthEast.Lon - SouthWest.Lon));
}

/// <summary>Zipf popularity over ranks 0..n-1: rank k with probability proportional to 1/(k+1)^s; sampled by binary search.</summary>
internal sealed class ZipfPopularity
{
    private readonly double[] _cumulative;

    public ZipfPopularity(int n, double exponent)
    {
        _cumulative = new double[n];
        var sum = 0.0;
        for (var k = 0; k < n; k++)
        {
            sum += 1.0 / Math.Pow(k + 1, exponent);
            _cumulative[k] = sum;
        }
        for (var k = 0; k < n; k++)
        {
            _cumulative[k] /= sum;
        }
        _cumulative[n - 1] = 1.0;
    }

    public double Probability(int rank) => rank == 0 ? _cumulative[0] : _cumulative[rank] - _cumulative[rank - 1];

    public int Sample(Random rng)
    {
        var index = Array.BinarySearch(_cumulative, rng.NextDouble());
        return index >= 0 ? index : Math.Min(~index, _cumulative.Length - 1);
    }
}
