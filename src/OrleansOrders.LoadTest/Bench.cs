using System.Globalization;
using System.Text;
using System.Text.Json;
using OrleansOrders.LoadTest.Auditing;
using OrleansOrders.LoadTest.Cli;
using OrleansOrders.LoadTest.Hosting;
using OrleansOrders.LoadTest.Load;
using OrleansOrders.LoadTest.Network;
using OrleansOrders.LoadTest.Reporting;
using Spectre.Console;

namespace OrleansOrders.LoadTest;

/// <summary>One row of the benchmark table.</summary>
public sealed record BenchRow(
    string Scenario,
    int Lines,
    int Concurrency,
    double OrdersPerSecond,
    double AllocatedPerSecond,
    double RawCallsPerSecond,
    double Ratio,
    double P50Ms,
    double P99Ms,
    double ShipmentsPerOrder,
    long Errors);

/// <summary>Shadow routing's cost on one case: the mean orders/s of its runs with the policy against those without.</summary>
public sealed record ShadowCost(string Scenario, double WithoutOrdersPerSecond, double WithOrdersPerSecond, double Ratio);

public sealed record BenchReport(DateTimeOffset StartedAt, string Target, int ProcessorCount, string Network, IReadOnlyList<BenchRow> Rows, AuditSummary Audit,
    IReadOnlyList<ShadowCost>? ShadowCosts = null);

/// <summary>
/// The short fixed benchmark: one in-process silo and network; 1-line (steady) and 3-line (baskets)
/// orders at one concurrency, each after its own raw-ceiling measurement and warm-up; one audit of
/// everything at the end.
/// </summary>
public static class Bench
{
    /// <param name="ShadowGoal">
    /// When set, each case runs four times: without, with, with and without a shadow policy of this goal
    /// (shadow routing's cost to the live path, in one run). The mirrored order cancels what drifts
    /// through a run (stock running down, the grid warming up) from the comparison of the means.
    /// </param>
    public sealed record Settings(int Concurrency, TimeSpan Duration, TimeSpan Warmup, TimeSpan RawDuration, NetworkSpec Network, int Seed, string? OutDirectory,
        Contracts.RoutingGoal? ShadowGoal = null, double? ShadowSample = null);

    public static readonly IReadOnlyList<(string Scenario, int Lines)> Cases = [(Scenarios.Scenarios.Steady, 1), (Scenarios.Scenarios.Baskets, 3)];

    public static async Task<(int ExitCode, BenchReport Report)> ExecuteAsync(Settings settings, Terminal terminal, CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var network = SyntheticNetwork.Generate(settings.Network);
        await using var target = await GridTargets.OpenAsync(inProcess: true, new ClusterAddress(), terminal, cancellationToken);
        await GridTargets.SeedAsync(target, network, terminal, cancellationToken);

        var rows = new List<BenchRow>();
        var accepted = new List<string>();
        var unknown = new List<string>();
        var runs = Cases.SelectMany(c => settings.ShadowGoal is null
            ? [(c.Scenario, c.Lines, Shadow: false)]
            : new[] { false, true, true, false }.Select(shadowed => (c.Scenario, c.Lines, Shadow: shadowed)));
        var shadowRates = new List<(string Scenario, bool Shadowed, double OrdersPerSecond)>();
        foreach (var (name, lines, shadowed) in runs)
        {
            var shadow = Contracts.GrainReferences.Reference<Contracts.IShadowRoutingGrain>(target.Grains, 0);
            if (shadowed)
            {
                // Started before the warm-up, which covers the planners' policy refresh.
                await shadow.Start(new Contracts.ShadowPolicy("bench", Goal: settings.ShadowGoal, SampleRate: settings.ShadowSample));
            }
            var raw = await RawCeiling.MeasureAsync(target.Grains, settings.Concurrency, settings.RawDuration, TimeSpan.FromSeconds(1), cancellationToken);
            terminal.Line($"{name} ({lines} line(s)): raw ceiling {raw.CallsPerSecond:N0} ping calls/s at concurrency {settings.Concurrency}");
            var scenario = Scenarios.Scenarios.Create(name, network, settings.Seed, lines);
            var plan = new LoadPlan { Concurrency = settings.Concurrency, Duration = settings.Duration, Warmup = settings.Warmup };
            var driver = new LoadDriver(target.Client, scenario, plan, new OrderIds(OrderIds.NewRunId()));
            var load = await LiveProgress.TrackAsync(terminal, $"bench {name}, {lines} line(s)", driver.RunAsync(cancellationToken), driver.Sample, driver.Planned);
            cancellationToken.ThrowIfCancellationRequested();
            accepted.AddRange(load.AcceptedOrderIds);
            unknown.AddRange(load.UnknownOrderIds);
            if (shadowed)
            {
                var compared = await shadow.Report(TimeSpan.FromMinutes(5));
                await shadow.Stop();
                terminal.Line($"shadow {settings.ShadowGoal}: {compared.Orders:N0} orders planned beside the live path ({compared.PlannedDifferently:N0} differently), " +
                              $"{compared.FastPathSkipped:N0} settled on one bid (not compared), {compared.NotSampled:N0} not sampled, {compared.Dropped:N0} dropped; cost/order live {compared.Live.CostPerOrder} vs shadow {compared.Shadow.CostPerOrder}, " +
                              $"promised days {compared.Live.PromisedDays} vs {compared.Shadow.PromisedDays}");
            }
            shadowRates.Add((name, shadowed, load.OrdersPerSecond));
            rows.Add(new BenchRow(shadowed ? $"{name} + shadow {settings.ShadowGoal}" : name, lines, settings.Concurrency,
                Math.Round(load.OrdersPerSecond, 1), Math.Round(load.AllocatedPerSecond, 1), raw.CallsPerSecond,
                raw.CallsPerSecond > 0 ? Math.Round(load.OrdersPerSecond / raw.CallsPerSecond, 4) : 0,
                load.Latency.P50, load.Latency.P99, load.ShipmentsPerOrder, load.Errors));
            terminal.Line($"{name} ({lines} line(s)): {load.OrdersPerSecond:N0} orders/s, p50 {load.Latency.P50} ms, p99 {load.Latency.P99} ms");
        }

        terminal.Line($"auditing {network.StockKeys.Count} stock grains and {accepted.Count} orders...");
        var audit = await AuditStep.RunAsync(target.Grains, network.StockKeys, accepted, unknown, cancellationToken: cancellationToken);
        var report = new BenchReport(startedAt, target.Description, Environment.ProcessorCount,
            $"seed {network.Spec.Seed}, {network.Spec.Nodes} nodes, {network.Spec.Skus} SKUs", rows, ReportBuilder.Summarise(audit),
            settings.ShadowGoal is null ? null : ShadowCosts(shadowRates));

        terminal.Console.Write(Table(report, settings));
        foreach (var cost in report.ShadowCosts ?? [])
        {
            terminal.Line(Describe(cost));
        }
        ConsoleSummary.WriteViolations(terminal, audit.Violations);
        terminal.Line(audit.Clean ? $"audit clean ({audit.StockKeys} stock grains, {audit.OrdersAudited} orders)." : "");
        if (settings.OutDirectory is { } directory)
        {
            Directory.CreateDirectory(directory);
            var json = Path.Combine(directory, "bench.json");
            var md = Path.Combine(directory, "bench.md");
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, ReportFiles.Json), cancellationToken);
            await File.WriteAllTextAsync(md, Markdown(report, settings), cancellationToken);
            terminal.Line($"wrote {json}, {md}");
        }
        return (audit.Clean ? ExitCodes.Ok : ExitCodes.AuditViolation, report);
    }

    private static Table Table(BenchReport report, Settings settings)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title(Markup.Escape($"bench: in-process, concurrency {settings.Concurrency}, {Durations.Format(settings.Duration)} each after {Durations.Format(settings.Warmup)} warm-up, {report.ProcessorCount} cores"));
        foreach (var column in new[] { "scenario", "lines", "orders/s", "allocated/s", "raw calls/s", "ratio", "p50 ms", "p99 ms", "shipments/order", "errors" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }
        foreach (var r in report.Rows)
        {
            table.AddRow(r.Scenario, I(r.Lines), F(r.OrdersPerSecond), F(r.AllocatedPerSecond), F(r.RawCallsPerSecond),
                r.Ratio.ToString("0.0000", CultureInfo.InvariantCulture), F(r.P50Ms), F(r.P99Ms), F(r.ShipmentsPerOrder), I(r.Errors));
        }
        return table;
    }

    private static string Markdown(BenchReport report, Settings settings)
    {
        var md = new StringBuilder();
        md.AppendLine($"Bench {report.StartedAt:yyyy-MM-dd HH:mm} UTC: {report.Target}; network {report.Network}; " +
                      $"concurrency {settings.Concurrency}, {Durations.Format(settings.Duration)} each after {Durations.Format(settings.Warmup)} warm-up; {report.ProcessorCount} cores.");
        md.AppendLine();
        md.AppendLine("| scenario | lines | orders/s | allocated/s | raw calls/s | ratio | p50 ms | p99 ms | shipments/order | errors |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in report.Rows)
        {
            md.AppendLine($"| {r.Scenario} | {r.Lines} | {F(r.OrdersPerSecond)} | {F(r.AllocatedPerSecond)} | {F(r.RawCallsPerSecond)} | " +
                          $"{r.Ratio.ToString("0.0000", CultureInfo.InvariantCulture)} | {F(r.P50Ms)} | {F(r.P99Ms)} | {F(r.ShipmentsPerOrder)} | {r.Errors} |");
        }
        md.AppendLine();
        foreach (var cost in report.ShadowCosts ?? [])
        {
            md.AppendLine($"- {Describe(cost)}");
        }
        md.AppendLine();
        md.AppendLine(report.Audit.Violations == 0 ? "Audit: clean." : $"Audit: {report.Audit.Violations} violation(s).");
        return md.ToString();
    }

    /// <summary>Per case, the mean rate of the shadowed runs against the mean of the others.</summary>
    public static IReadOnlyList<ShadowCost> ShadowCosts(IEnumerable<(string Scenario, bool Shadowed, double OrdersPerSecond)> rates) =>
        rates.GroupBy(r => r.Scenario).Select(g =>
        {
            var without = g.Where(r => !r.Shadowed).Select(r => r.OrdersPerSecond).DefaultIfEmpty().Average();
            var with = g.Where(r => r.Shadowed).Select(r => r.OrdersPerSecond).DefaultIfEmpty().Average();
            return new ShadowCost(g.Key, Math.Round(without, 1), Math.Round(with, 1), without > 0 ? Math.Round(with / without, 3) : 0);
        }).ToList();

    private static string Describe(ShadowCost cost) =>
        $"{cost.Scenario}: {F(cost.WithOrdersPerSecond)} orders/s with the shadow policy, {F(cost.WithoutOrdersPerSecond)} without (means of the mirrored runs): {cost.Ratio.ToString("0.000", CultureInfo.InvariantCulture)}x";

    private static string F(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);

    private static string I(long value) => value.ToString(CultureInfo.InvariantCulture);
}
