using System.Diagnostics;

namespace OrleansOrders.LoadTest.RoutingQuality;

/// <summary>
/// The routing-quality benchmark: generate a network and an order stream from the seed, run every
/// strategy over the stream (two at a time: each run is independent, so the numbers do not depend
/// on the scheduling), solve the hindsight LP, and put each strategy beside the myopic baseline,
/// the exact per-order optimum and the bound.
/// </summary>
public static class RoutingQualityBenchmark
{
    public static QualityReport Run(QualitySettings settings, Action<string>? progress = null, CancellationToken cancellationToken = default) =>
        Run(settings, QualityStrategy.All, progress, cancellationToken).Report;

    internal static (QualityReport Report, IReadOnlyList<StrategyOutcome> Outcomes, double? Bound) Run(
        QualitySettings settings, IReadOnlyList<QualityStrategy> strategies, Action<string>? progress, CancellationToken cancellationToken)
    {
        var errors = settings.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors));
        }
        var started = Stopwatch.GetTimestamp();
        var gate = new object();
        var report = progress;
        progress = report is null ? null : line =>
        {
            lock (gate)
            {
                report(line); // runs report from two threads at once
            }
        };
        var profile = new OrderProfile();
        var network = NetworkGenerator.Generate(settings, profile);
        var orders = OrderStream.Generate(settings, network, profile);
        progress?.Invoke($"network: {network.Nodes.Count} nodes, {network.Skus.Count} SKUs, {network.Regions.Count} regions; {orders.Count} orders over {settings.Days} days");

        HindsightBound.Result? hindsight = null;
        var work = new List<Action>();
        var outcomes = new StrategyOutcome[strategies.Count];
        for (var i = 0; i < strategies.Count; i++)
        {
            var index = i;
            work.Add(() =>
            {
                outcomes[index] = Simulation.Run(strategies[index], network, orders, settings, cancellationToken);
                progress?.Invoke($"{strategies[index].Name}: cost {outcomes[index].TotalCost:N2} in {outcomes[index].Elapsed.TotalSeconds:0.0} s");
            });
        }
        if (settings.Hindsight)
        {
            work.Insert(0, () =>
            {
                hindsight = HindsightBound.Solve(network, orders, settings.UnfilledPenalty);
                progress?.Invoke($"hindsight LP: {hindsight.Status}, bound {hindsight.Bound:N2}, {hindsight.Variables} variables, {hindsight.Constraints} rows, {hindsight.Elapsed.TotalSeconds:0.0} s");
            });
        }
        Parallel.Invoke(new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken }, work.ToArray());

        var bound = hindsight is { Bound: var b } && double.IsFinite(b) ? b : (double?)null;
        var myopic = outcomes.FirstOrDefault(o => o.Strategy == "Myopic")?.TotalCost ?? outcomes[0].TotalCost;
        var rows = outcomes.Select(o => Row(o, myopic, bound)).ToList();
        var result = new QualityReport(settings, rows, hindsight?.Status ?? "skipped", hindsight?.Elapsed ?? TimeSpan.Zero, Stopwatch.GetElapsedTime(started), network.Nodes.Count, network.Regions.Count);
        return (result, outcomes, bound);
    }

    private static QualityRow Row(StrategyOutcome o, decimal myopic, double? bound)
    {
        var orders = Math.Max(1, o.Orders.Count);
        var withParcels = o.Orders.Count(x => x.Parcels > 0);
        decimal? boundValue = bound is { } b ? Math.Round((decimal)b, 2) : null;
        decimal? gap = boundValue is { } lower && myopic - lower > 0.005m
            ? Math.Round(100m * (myopic - o.TotalCost) / (myopic - lower), 1)
            : null;
        return new QualityRow(
            o.Strategy,
            o.TotalCost,
            myopic,
            boundValue,
            gap,
            Math.Round(o.Orders.Sum(x => x.Parcels) / (double)orders, 4),
            Math.Round(withParcels == 0 ? 0 : o.Orders.Count(x => x.Parcels > 1) / (double)withParcels, 4),
            Math.Round(o.Orders.Count(x => x.OnTime) / (double)orders, 4),
            Math.Round(o.UnitsOrdered == 0 ? 1 : o.UnitsShipped / (double)o.UnitsOrdered, 4),
            Math.Round(100.0 * o.Orders.Count(x => x.Cost <= x.ExactCost) / orders, 2),
            o.ShippingCost,
            o.UnitsUnfilled,
            Math.Round(o.Orders.Sum(x => x.Cost - x.ExactCost) / orders, 4),
            Math.Round(o.Elapsed.TotalSeconds, 1));
    }
}
