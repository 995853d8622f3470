using OrleansOrders.Routing;

namespace OrleansOrders.LoadTest.RoutingQuality;

/// <summary>One order of the stream: its customer, time, channel (and so its due date) and lines (distinct SKUs).</summary>
internal sealed record BenchOrder(int Index, string Id, int Region, GeoPoint ShipTo, DateTimeOffset OrderedAt, string Channel, int DueDays, IReadOnlyList<(int Sku, int Quantity)> Lines)
{
    public int Units => Lines.Sum(l => l.Quantity);

    public DateOnly Day => DateOnly.FromDateTime(OrderedAt.UtcDateTime);

    public DateOnly DueBy => Day.AddDays(DueDays);
}

/// <summary>The shape of orders: how many lines, what quantities, which channels and their delivery targets.</summary>
internal sealed class OrderProfile
{
    /// <summary>Probability of 1, 2, 3... lines.</summary>
    public IReadOnlyList<double> Lines { get; } = [0.46, 0.25, 0.15, 0.09, 0.05];

    /// <summary>Probability of quantity 1, 2, 3.</summary>
    public IReadOnlyList<double> Quantities { get; } = [0.76, 0.18, 0.06];

    /// <summary>Channel, share of orders, promised-delivery target in days.</summary>
    public IReadOnlyList<(string Channel, double Share, int DueDays)> Channels { get; } = [("web", 0.7, 4), ("express", 0.3, 2)];

    public double MeanLines => Lines.Select((p, i) => p * (i + 1)).Sum();

    public double MeanQuantity => Quantities.Select((p, i) => p * (i + 1)).Sum();

    public static int Draw(IReadOnlyList<double> probabilities, Random rng)
    {
        var u = rng.NextDouble();
        for (var i = 0; i < probabilities.Count; i++)
        {
            u -= probabilities[i];
            if (u <= 0)
            {
                return i;
            }
        }
        return probabilities.Count - 1;
    }
}

/// <summary>
/// The order stream, deterministic by seed: orders arrive in time order, uniformly over the days
/// and the hours; each customer is near a demand region drawn by weight; lines are distinct SKUs
/// drawn by Zipf popularity.
/// </summary>
internal static class OrderStream
{
    public static IReadOnlyList<BenchOrder> Generate(QualitySettings settings, BenchNetwork network, OrderProfile profile)
    {
        var rng = new Random(settings.Seed * 104729 + 3);
        var zipf = new ZipfPopularity(network.Skus.Count, 1.0);
        var start = new DateTimeOffset(network.Start.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var span = TimeSpan.FromDays(settings.Days).Ticks;
        var times = Enumerable.Range(0, settings.Orders).Select(_ => (long)(rng.NextDouble() * span)).Order().ToArray();
        var orders = new List<BenchOrder>(settings.Orders);
        for (var i = 0; i < settings.Orders; i++)
        {
            var regionIndex = Region(network.Regions, rng);
            var region = network.Regions[regionIndex];
            var shipTo = NetworkGenerator.Jitter(rng, region.Centre, 60);
            var lineCount = Math.Min(network.Skus.Count, OrderProfile.Draw(profile.Lines, rng) + 1);
            var skus = new List<int>();
            while (skus.Count < lineCount)
            {
                var sku = zipf.Sample(rng);
                if (!skus.Contains(sku))
                {
                    skus.Add(sku);
                }
            }
            var lines = skus.Select(s => (s, OrderProfile.Draw(profile.Quantities, rng) + 1)).ToList();
            var channel = profile.Channels[OrderProfile.Draw(profile.Channels.Select(c => c.Share).ToList(), rng)];
            orders.Add(new BenchOrder(i, $"rq-{i + 1:D6}", regionIndex, shipTo, start.AddTicks(times[i]), channel.Channel, channel.DueDays, lines));
        }
        return orders;
    }

    private static int Region(IReadOnlyList<BenchRegion> regions, Random rng)
    {
        var u = rng.NextDouble();
        for (var r = 0; r < regions.Count; r++)
        {
            u -= regions[r].Weight;
            if (u <= 0)
            {
                return r;
            }
        }
        return regions.Count - 1;
    }
}
