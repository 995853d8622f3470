using System.CommandLine;
using System.Text.Json;
using OrleansOrders.LoadTest.RoutingQuality;
using OrleansOrders.Routing;

namespace OrleansOrders.LoadTest.Tests;

/// <summary>
/// The routing-quality benchmark on tiny configurations. Only inequalities that hold by
/// construction are asserted: the hindsight LP is a relaxation of every strategy's run, so it is at
/// most every strategy's total cost (myopic included); the exact per-order optimum searches every
/// plan within the strategy's parcel limit on the same bids, so it is at most the strategy's cost
/// for that order. Whether a strategy beats the myopic baseline is a finding, not a law, and is not asserted.
/// </summary>
[Trait("Category", "fast")]
public class RoutingQualityTests
{
    private static readonly QualitySettings Tiny = new(Seed: 3, Orders: 300, Nodes: 8, Skus: 40, Days: 2);

    private static readonly Lazy<(QualityReport Report, IReadOnlyList<StrategyOutcome> Outcomes, double? Bound)> TinyRun =
        new(() => RoutingQualityBenchmark.Run(Tiny, QualityStrategy.All, null, CancellationToken.None));

    [Fact]
    public void The_hindsight_bound_is_at_most_every_strategys_total_cost()
    {
        var (report, _, bound) = TinyRun.Value;

        Assert.NotNull(bound);
        Assert.Equal("OPTIMAL", report.HindsightStatus);
        foreach (var row in report.Rows)
        {
            Assert.True((double)row.TotalCost >= bound!.Value - 1e-6 * Math.Abs(bound.Value) - 0.01, $"{row.Strategy}: {row.TotalCost} below the bound {bound}");
        }
    }

    [Fact]
    public void The_exact_optimum_of_each_order_is_at_most_what_the_strategy_paid_for_it()
    {
        var (_, outcomes, _) = TinyRun.Value;

        foreach (var outcome in outcomes)
        {
            Assert.Equal(Tiny.Orders, outcome.Orders.Count);
            Assert.All(outcome.Orders, o => Assert.True(o.ExactCost <= o.Cost, $"{outcome.Strategy}: exact {o.ExactCost} above paid {o.Cost}"));
            if (outcome.Strategy == "LowestCost")
            {
                // The solver's LowestCost searches every node set: it pays the exact optimum on every order.
                Assert.All(outcome.Orders, o => Assert.Equal(o.ExactCost, o.Cost));
            }
            else
            {
                Assert.Contains(outcome.Orders, o => o.ExactCost < o.Cost); // the comparison is not vacuous
            }
        }
    }

    [Fact]
    public void Rows_are_consistent_with_the_outcomes_and_within_their_ranges()
    {
        var (report, outcomes, bound) = TinyRun.Value;

        Assert.Equal(QualityStrategy.All.Select(s => s.Name), report.Rows.Select(r => r.Strategy));
        var myopic = report.Rows.Single(r => r.Strategy == "Myopic");
        foreach (var (row, outcome) in report.Rows.Zip(outcomes))
        {
            Assert.Equal(myopic.TotalCost, row.MyopicCost);
            Assert.Equal(row.ShippingCost + Tiny.UnfilledPenalty * row.UnfilledUnits, row.TotalCost);
            Assert.Equal(Math.Round((decimal)bound!.Value, 2), row.HindsightBound);
            var expectedGap = Math.Round(100m * (myopic.TotalCost - row.TotalCost) / (myopic.TotalCost - row.HindsightBound!.Value), 1);
            Assert.Equal(expectedGap, row.GapCapturedPercent);
            Assert.InRange(row.SplitRate, 0, 1);
            Assert.InRange(row.OnTimeRate, 0, 1);
            Assert.InRange(row.FillRate, 0, 1);
            Assert.InRange(row.ExactOptimumMatchPercent, 0, 100);
            Assert.True(row.MeanExcessOverExactPerOrder >= 0);
            Assert.Equal(Math.Round(outcome.Orders.Sum(o => o.Parcels) / (double)Tiny.Orders, 4), row.ShipmentsPerOrder);
            if (row.Strategy != "Myopic")
            {
                Assert.All(outcome.Orders, o => Assert.InRange(o.Parcels, 0, Tiny.MaxShipments));
            }
        }
        Assert.Equal(0m, myopic.GapCapturedPercent);
        Assert.Contains(outcomes.Single(o => o.Strategy == "Myopic").Orders, o => o.Parcels > 1);
    }

    [Fact]
    public void The_same_seed_gives_the_same_numbers_and_another_seed_does_not()
    {
        static string Numbers(QualityReport report) => string.Join("\n", report.Rows.Select(r => r with { Seconds = 0 }));

        var first = TinyRun.Value.Report;
        var again = RoutingQualityBenchmark.Run(Tiny with { Hindsight = true });
        var other = RoutingQualityBenchmark.Run(Tiny with { Seed = 4, Hindsight = false });

        Assert.Equal(Numbers(first), Numbers(again));
        Assert.NotEqual(first.Rows[0].TotalCost, other.Rows[0].TotalCost);
    }

    [Fact]
    public void Random_geography_runs_and_stays_above_the_bound()
    {
        var (report, _, bound) = RoutingQualityBenchmark.Run(Tiny with { Geography = Geography.Random, Seed = 9 }, QualityStrategy.All, null, CancellationToken.None);

        Assert.Equal(30, report.Regions);
        Assert.All(report.Rows, r => Assert.True((double)r.TotalCost >= bound!.Value - 0.01));
    }

    [Fact]
    public void The_exact_optimum_matches_brute_force_over_every_node_subset()
    {
        var rng = new Random(11);
        for (var i = 0; i < 300; i++)
        {
            var skus = Enumerable.Range(0, rng.Next(1, 4)).Select(s => $"s{s}").ToArray();
            var demand = skus.Select(s => new DemandLine(s, rng.Next(1, 5))).ToList();
            var offers = Enumerable.Range(0, rng.Next(0, 7)).Select(n => new NodeOffer(
                    $"n{n}",
                    skus.Where(_ => rng.Next(3) > 0).ToDictionary(s => s, _ => rng.Next(0, 5)),
                    new ShippingQuote(rng.Next(100, 1500) / 100m, 0m, 2, 2),
                    new DateOnly(2026, 3, 2))
                {
                    UnitCostBySku = skus.ToDictionary(s => s, _ => rng.Next(0, 400) / 100m),
                })
                .ToList();
            int? limit = rng.Next(3) == 0 ? null : rng.Next(1, 4);
            var penalty = rng.Next(200, 3000) / 100m;

            Assert.Equal(BruteForce(demand, offers, limit, penalty), ExactOptimum.Cost(demand, offers, limit, penalty));
        }
    }

    /// <summary>Every subset of nodes within the limit; for each, every line filled from its cheapest unit up (or left at the penalty).</summary>
    private static decimal BruteForce(List<DemandLine> demand, List<NodeOffer> offers, int? limit, decimal penalty)
    {
        var best = penalty * demand.Sum(d => d.Quantity);
        for (var mask = 1; mask < 1 << offers.Count; mask++)
        {
            var subset = offers.Where((_, i) => (mask & (1 << i)) != 0).ToList();
            if (limit is { } max && subset.Count > max)
            {
                continue;
            }
            var cost = subset.Sum(o => o.Quote.ShipmentCost);
            foreach (var line in demand)
            {
                var left = line.Quantity;
                foreach (var node in subset.OrderBy(o => o.UnitCostOf(line.Sku)))
                {
                    if (node.UnitCostOf(line.Sku) >= penalty)
                    {
                        break;
                    }
                    var take = Math.Min(left, node.Available.GetValueOrDefault(line.Sku));
                    cost += take * node.UnitCostOf(line.Sku);
                    left -= take;
                }
                cost += left * penalty;
            }
            best = Math.Min(best, cost);
        }
        return best;
    }

    [Fact]
    public async Task The_command_writes_json_with_one_object_per_strategy_and_a_markdown_table()
    {
        var directory = Path.Combine(Path.GetTempPath(), "oo-routing-quality-tests", Guid.NewGuid().ToString("N"));
        var (exitCode, output, error) = await Invoke("routing-quality", "--seed", "2", "--out", directory, "--orders", "150", "--nodes", "6", "--skus", "30", "--days", "2");

        Assert.True(exitCode == 0, error);
        Assert.Contains("wrote", output);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "routing-quality.json")));
        var rows = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(QualityStrategy.All.Count, rows.Count);
        string[] fields = ["strategy", "totalCost", "myopicCost", "hindsightBound", "gapCapturedPercent", "shipmentsPerOrder", "splitRate", "onTimeRate", "fillRate", "exactOptimumMatchPercent"];
        foreach (var row in rows)
        {
            Assert.All(fields, f => Assert.True(row.TryGetProperty(f, out _), $"missing {f}"));
            Assert.True(row.GetProperty("totalCost").GetDecimal() >= row.GetProperty("hindsightBound").GetDecimal() - 0.01m);
        }
        var markdown = await File.ReadAllTextAsync(Path.Combine(directory, "routing-quality.md"));
        Assert.Contains("| strategy | total cost |", markdown);
        Assert.Contains("| LowestCost |", markdown);
        Assert.Contains("hindsight bound (LP)", markdown);
    }

    [Theory]
    [InlineData("--orders must be between", "--orders", "0")]
    [InlineData("--nodes must be between 3", "--nodes", "2")]
    [InlineData("--skus must be between", "--skus", "-1")]
    public async Task Bad_arguments_exit_2_with_a_one_line_message(string expected, params string[] args)
    {
        var (exitCode, _, error) = await Invoke(["routing-quality", "--out", Path.GetTempPath(), .. args]);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
    }

    [Fact]
    public void The_out_directory_is_required()
    {
        var parse = new RootCommand { RoutingQualityCommand.Create() }.Parse(["routing-quality", "--seed", "1"]);

        Assert.Contains(parse.Errors, e => e.Message.Contains("--out"));
    }

    private static async Task<(int ExitCode, string Output, string Error)> Invoke(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { RoutingQualityCommand.Create() };
        var exitCode = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
