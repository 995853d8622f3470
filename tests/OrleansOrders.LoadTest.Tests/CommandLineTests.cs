using System.Globalization;
using System.Text.Json;
using OrleansOrders.Contracts;
using OrleansOrders.LoadTest.Network;
using OrleansOrders.LoadTest.Tests.Support;

namespace OrleansOrders.LoadTest.Tests;

[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public class CommandLineTests(GridFixture fixture)
{
    [Theory]
    [InlineData("unknown scenario 'nope'", "run", "--in-process", "--scenario", "nope")]
    [InlineData("'5x' is not a duration", "run", "--in-process", "--duration", "5x")]
    [InlineData("'soon' is not a duration", "run", "--in-process", "--warmup", "soon")]
    [InlineData("--concurrency must be between 1 and 10000, not -5", "run", "--in-process", "--concurrency", "-5")]
    [InlineData("not both", "run", "--in-process", "--rate", "100", "--concurrency", "8")]
    [InlineData("--rate must be more than 0", "run", "--in-process", "--rate", "0")]
    [InlineData("--duration or --orders, not both", "run", "--in-process", "--duration", "5s", "--orders", "10")]
    [InlineData("--duration must be more than 0s", "run", "--in-process", "--duration", "0s")]
    [InlineData("parent directory", "run", "--in-process", "--out", "/nonexistent-oo-dir/sub/report")]
    [InlineData("--lines must be between 1 and 20", "run", "--in-process", "--skus", "20", "--lines", "21")]
    [InlineData("--lines must be between 2 and 100, not 1", "run", "--in-process", "--scenario", "routing-mix", "--lines", "1")]
    [InlineData("--nodes must be between 3", "run", "--in-process", "--nodes", "2")]
    [InlineData("do not go with --in-process", "run", "--in-process", "--gateway-port", "40112")]
    [InlineData("--max-in-flight applies to an open loop", "run", "--in-process", "--max-in-flight", "10")]
    [InlineData("'abc'", "run", "--in-process", "--nodes", "abc")]
    [InlineData("use it with --in-process", "run", "--call-stats")]
    [InlineData("--replenish-every must be more than 0s", "run", "--in-process", "--replenish-every", "0s")]
    [InlineData("'-5s' is not a duration", "run", "--in-process", "--replenish-every", "-5s")]
    [InlineData("--replenish-units must be between 1 and 1000000, not -3", "run", "--in-process", "--replenish-every", "5s", "--replenish-units", "-3")]
    [InlineData("--replenish-units goes with --replenish-every", "run", "--in-process", "--replenish-units", "10")]
    [InlineData("--cancel-share must be between 0 and 0.5, not 0.75", "run", "--in-process", "--cancel-share", "0.75")]
    [InlineData("--cancel-share must be between 0 and 0.5, not -0.2", "run", "--in-process", "--cancel-share", "-0.2")]
    [InlineData("--cancel-after goes with a --cancel-share above 0", "run", "--in-process", "--cancel-after", "1s")]
    [InlineData("--concurrency must be between 1 and 10000, not 0", "bench", "--concurrency", "0")]
    [InlineData("--orders-file", "audit")]
    [InlineData("does not exist", "audit", "--orders-file", "/nonexistent-oo-dir/orders.txt")]
    [InlineData("Required command", "")]
    [InlineData("nonsense", "nonsense")]
    public async Task Bad_arguments_exit_2_with_a_one_line_message(string expected, params string[] args)
    {
        var (exitCode, output, error) = await Harness.RunAsync(args.Where(a => a.Length > 0).ToArray());

        Assert.Equal(2, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", output + error);
    }

    [Fact]
    public async Task Help_lists_the_commands_and_exits_0()
    {
        var (exitCode, output, _) = await Harness.RunAsync("run", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("--in-process", output);
        Assert.Contains("<steady|flash-sale|baskets|pickup|routing-mix|flaky-node>", output);
        Assert.Contains("pickup: buy online, pick up in store", output);
        Assert.Contains("routing-mix: 2-4 lines per order", output);
        Assert.DoesNotContain("does not exist yet", output);
    }

    [Fact]
    public async Task An_in_process_pickup_run_allocates_store_pickups_and_reports_them()
    {
        var (json, output, dir) = await RunThreeHundredOrders("pickup", "--lines", "2");
        using var _ = json;
        var report = json.RootElement;
        var outcomes = report.GetProperty("outcomes");
        Assert.True(outcomes.GetProperty("allocated").GetInt64() >= 300 * 8 / 10, $"{outcomes}");

        // Nearly every routed order has its store parcel; what ships beside it was allowed to split.
        var routing = report.GetProperty("routing");
        var routed = routing.GetProperty("routedOrders").GetInt32();
        var live = routing.GetProperty("liveParcels").GetInt32();
        var pickups = routing.GetProperty("pickupParcels").GetInt32();
        Assert.InRange(pickups, routed * 9 / 10, routed);
        Assert.InRange(live, pickups, 2 * routed);
        var markdown = await File.ReadAllTextAsync(Path.Combine(dir, "report.md"));
        Assert.Contains($"| store pickup parcels | {pickups} of {live} live parcels |", markdown);
        Assert.Contains(output.Split('\n'), l => l.Contains("store pickup parcels") && l.Contains($"{pickups:N0} of {live:N0} live parcels"));
    }

    [Fact]
    public async Task An_in_process_routing_mix_run_is_mostly_allocated_and_audits_clean()
    {
        var (json, output, dir) = await RunThreeHundredOrders("routing-mix");
        using var _ = json;
        Assert.Contains("routing-mix (2-4 lines per order)", output);
        var report = json.RootElement;
        var parameters = report.GetProperty("parameters");
        Assert.Equal(2, parameters.GetProperty("minLinesPerOrder").GetInt32());
        Assert.Equal(4, parameters.GetProperty("linesPerOrder").GetInt32());
        var outcomes = report.GetProperty("outcomes");
        Assert.True(outcomes.GetProperty("allocated").GetInt64() >= 300 * 9 / 10, $"{outcomes}");
        Assert.Equal(0, report.GetProperty("routing").GetProperty("pickupParcels").GetInt32());
        Assert.Contains("| scenario | routing-mix (2-4 lines per order) |", await File.ReadAllTextAsync(Path.Combine(dir, "report.md")));
    }

    [Fact]
    public async Task An_in_process_flaky_node_run_rejects_about_30_percent_of_the_flaky_nodes_parcels_reroutes_them_and_audits_clean()
    {
        var (json, output, _) = await RunThreeHundredOrders("flaky-node");
        using var _ = json;
        var lines = output.Split('\n');
        var given = lines.Single(l => l.StartsWith("flaky node lt-dc-001: ", StringComparison.Ordinal));
        var match = System.Text.RegularExpressions.Regex.Match(given, @"(\d+) parcels given over 300 answered orders, (\d+) rejected \(0 refused\)");
        Assert.True(match.Success, given);
        var (parcels, rejected) = (int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value));
        Assert.True(parcels >= 30, $"the flaky node was given only {parcels} parcels: the run proves little");
        Assert.InRange(rejected, parcels / 10, parcels / 2);
        Assert.Contains(lines, l => l.StartsWith("re-routes: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("node record at the end: ", StringComparison.Ordinal) && l.Contains("node reliability on"));
    }

    /// <summary>Runs 300 orders of a scenario in process on a small network; checks the run ended well (exit 0, clean audit, no rejections or errors) and answers its report.</summary>
    private static async Task<(JsonDocument Report, string Output, string Dir)> RunThreeHundredOrders(string scenario, params string[] extra)
    {
        var dir = Path.Combine(Harness.TempDirectory(), scenario);
        string[] args = ["run", "--in-process", "--scenario", scenario, "--orders", "300", "--warmup", "0s", "--raw-duration", "0s",
            "--nodes", "8", "--skus", "100", "--concurrency", "8", "--out", dir, .. extra];

        var (exitCode, output, error) = await Harness.RunAsync(args);

        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{error}");
        var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "report.json")));
        var report = json.RootElement;
        Assert.Equal(scenario, report.GetProperty("parameters").GetProperty("scenario").GetString());
        Assert.Equal(0, report.GetProperty("audit").GetProperty("violations").GetInt32());
        var outcomes = report.GetProperty("outcomes");
        Assert.Equal(0, outcomes.GetProperty("rejected").GetInt64() + outcomes.GetProperty("errors").GetInt64());
        Assert.Equal(300, report.GetProperty("measuredOrders").GetInt64());
        return (json, output, dir);
    }

    [Fact]
    public async Task An_in_process_run_measures_audits_and_writes_its_report()
    {
        var dir = Path.Combine(Harness.TempDirectory(), "out");

        var (exitCode, output, error) = await Harness.RunAsync(
            "run", "--in-process", "--scenario", "steady", "--duration", "2s", "--warmup", "1s", "--raw-duration", "1s",
            "--nodes", "6", "--skus", "40", "--concurrency", "8", "--out", dir);

        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{error}");
        Assert.Contains("measuring", output); // periodic plain progress lines on redirected output
        foreach (var file in new[] { "report.json", "report.md", "orders.txt" })
        {
            Assert.True(File.Exists(Path.Combine(dir, file)), file);
        }
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "report.json")));
        var report = json.RootElement;
        var ordersPerSecond = report.GetProperty("ordersPerSecond").GetDouble();
        var raw = report.GetProperty("rawCallsPerSecond").GetDouble();
        Assert.True(ordersPerSecond > 0);
        Assert.True(raw > 0);
        // The report rounds the ratio to 4 decimals (and the rates themselves), so allow that much.
        Assert.InRange(report.GetProperty("ratio").GetDouble() - ordersPerSecond / raw, -1e-4, 1e-4);
        // The ceiling is measured again after the load, and the CPU an order cost is reported beside it.
        var rawAfter = report.GetProperty("rawCeilingAfter").GetProperty("callsPerSecond").GetDouble();
        Assert.True(rawAfter > 0);
        Assert.InRange(report.GetProperty("ratioAfter").GetDouble() - ordersPerSecond / rawAfter, -1e-4, 1e-4);
        Assert.True(report.GetProperty("cpuMsPerOrder").GetDouble() > 0);
        Assert.Contains("raw ceiling after the load:", output);
        var latency = report.GetProperty("latencyMs");
        Assert.True(latency.GetProperty("p50").GetDouble() > 0);
        Assert.True(latency.GetProperty("p50").GetDouble() <= latency.GetProperty("p90").GetDouble());
        Assert.True(latency.GetProperty("p90").GetDouble() <= latency.GetProperty("p99").GetDouble());
        Assert.True(latency.GetProperty("p99").GetDouble() <= latency.GetProperty("max").GetDouble());
        var outcomes = report.GetProperty("outcomes");
        var accepted = outcomes.GetProperty("allocated").GetInt64() + outcomes.GetProperty("partial").GetInt64() + outcomes.GetProperty("backordered").GetInt64();
        Assert.Equal(report.GetProperty("measuredOrders").GetInt64(), accepted);
        Assert.Equal(0, outcomes.GetProperty("rejected").GetInt64());
        Assert.Equal(0, outcomes.GetProperty("errors").GetInt64());
        Assert.True(report.GetProperty("shipmentsPerOrder").GetDouble() >= 1);
        Assert.Equal(0, report.GetProperty("audit").GetProperty("violations").GetInt32());
        Assert.Equal(2, report.GetProperty("timeline").GetArrayLength());
        Assert.Equal("steady", report.GetProperty("parameters").GetProperty("scenario").GetString());

        var orderIds = await File.ReadAllLinesAsync(Path.Combine(dir, "orders.txt"));
        Assert.True(orderIds.Length >= accepted);
        Assert.Equal(orderIds.Length, orderIds.Distinct().Count());
        Assert.Equal(report.GetProperty("audit").GetProperty("ordersAudited").GetInt32(), orderIds.Length);
        Assert.All(orderIds, id => Assert.StartsWith(report.GetProperty("runId").GetString()!, id));
        var markdown = await File.ReadAllTextAsync(Path.Combine(dir, "report.md"));
        Assert.Contains("| orders/s (accepted) |", markdown);
        Assert.Contains("| raw calls/s after the load |", markdown);
        Assert.Contains("| CPU per order |", markdown);

        // Routing figures of the run's orders as the audit read them; report.md and the console say the same.
        var routing = report.GetProperty("routing");
        var routed = routing.GetProperty("routedOrders").GetInt32();
        var meanCost = routing.GetProperty("meanShippingCost").GetDecimal();
        var promisedDays = routing.GetProperty("meanPromisedDays").GetDouble();
        var splitRate = routing.GetProperty("splitRate").GetDouble();
        Assert.InRange(routed, 1, orderIds.Length);
        Assert.True(meanCost > 0, $"mean shipping cost {meanCost}");
        Assert.InRange(promisedDays, 0, 30);
        Assert.InRange(splitRate, 0, 1);
        var costText = meanCost.ToString("#,0.00", CultureInfo.InvariantCulture);
        var splitText = splitRate.ToString("0.0%", CultureInfo.InvariantCulture);
        Assert.Contains($"| shipping cost per order (mean) | {costText} over {routed} routed orders |", markdown);
        Assert.Contains($"| promised days (mean) | {promisedDays.ToString("#,0.##", CultureInfo.InvariantCulture)} |", markdown);
        Assert.Contains($"| split rate (>1 live shipment) | {splitText} |", markdown);
        Assert.Contains(output.Split('\n'), l => l.Contains("shipping cost per order (mean)") && l.Contains($"{costText} over {routed:N0} routed orders"));
        Assert.Contains(output.Split('\n'), l => l.Contains("split rate (>1 live shipment)") && l.Contains(splitText));

        // Storage operations per order, counted by the grid's storage wrapper: every order reads and writes
        // its own state at least once, and stock is written on commit.
        var writesPerOrder = report.GetProperty("storageWritesPerOrder").GetDouble();
        var readsPerOrder = report.GetProperty("storageReadsPerOrder").GetDouble();
        Assert.True(writesPerOrder >= 1, $"storage writes per order {writesPerOrder}");
        Assert.True(readsPerOrder > 0, $"storage reads per order {readsPerOrder}");
        var storage = report.GetProperty("storage");
        var submitted = storage.GetProperty("orders").GetInt64();
        Assert.True(submitted >= accepted, $"{submitted} orders submitted, {accepted} accepted");
        Assert.InRange(writesPerOrder - (double)storage.GetProperty("writes").GetInt64() / submitted, -0.005, 0.005);
        var byState = storage.GetProperty("byState").EnumerateArray()
            .ToDictionary(s => (s.GetProperty("store").GetString(), s.GetProperty("state").GetString()));
        Assert.True(byState[("grid", "order")].GetProperty("writes").GetInt64() >= accepted, "every accepted order wrote its state");
        Assert.True(byState[("ledger", "stock")].GetProperty("writes").GetInt64() > 0, "stock grains wrote their commits to their ledgers");
        var writesText = writesPerOrder.ToString("0.##", CultureInfo.InvariantCulture);
        Assert.Contains($"| storage writes per order | {writesText} (", markdown);
        Assert.Contains($"| storage reads per order | {readsPerOrder.ToString("0.##", CultureInfo.InvariantCulture)}", markdown);
        Assert.Contains(output.Split('\n'), l => l.Contains("storage writes per order") && l.Contains(writesText));
    }

    [Fact]
    public async Task An_in_process_run_with_churn_receives_stock_cancels_orders_audits_clean_and_reports_both()
    {
        var dir = Path.Combine(Harness.TempDirectory(), "churn");

        // A measured window of a fixed length, so the receipt rounds have time to come.
        var (exitCode, output, error) = await Harness.RunAsync(
            "run", "--in-process", "--scenario", "steady", "--duration", "2s", "--warmup", "0s", "--raw-duration", "0s",
            "--nodes", "6", "--skus", "40", "--concurrency", "8", "--seed", "11", "--out", dir,
            "--replenish-every", "300ms", "--replenish-units", "7", "--cancel-share", "0.3", "--cancel-after", "50ms");

        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{error}");
        Assert.Contains("churn: stock receipts of 7 units every 300ms", output);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "report.json")));
        var report = json.RootElement;
        Assert.Equal(0, report.GetProperty("audit").GetProperty("violations").GetInt32());
        var receipts = report.GetProperty("receipts");
        var (rounds, received, units) = (receipts.GetProperty("rounds").GetInt32(), receipts.GetProperty("receipts").GetInt64(), receipts.GetProperty("units").GetInt64());
        Assert.True(rounds >= 1, $"{receipts}");
        Assert.True(received >= rounds, $"{receipts}");
        Assert.Equal(received * 7, units);
        Assert.Equal(0, receipts.GetProperty("failed").GetInt64());
        Assert.Equal("300ms", receipts.GetProperty("every").GetString());
        var cancellations = report.GetProperty("cancellations");
        var picked = cancellations.GetProperty("picked").GetInt64();
        var cancelled = cancellations.GetProperty("cancelled").GetInt64();
        Assert.True(picked > 0, $"{cancellations}");
        Assert.Equal((picked, 0L, 0L), (cancelled, cancellations.GetProperty("refused").GetInt64(), cancellations.GetProperty("failed").GetInt64()));
        Assert.Equal(0.3, cancellations.GetProperty("share").GetDouble());

        // The same picks the run made, from the order ids it wrote and its seed.
        var orderIds = await File.ReadAllLinesAsync(Path.Combine(dir, "orders.txt"));
        var runId = report.GetProperty("runId").GetString()!;
        Assert.Equal(picked, orderIds.Count(id => Churn.Cancellations.Picks(11, runId, id, 0.3)));
        // Cancelled orders ship nothing: only the others are routed.
        Assert.Equal(orderIds.Length - cancelled, report.GetProperty("routing").GetProperty("routedOrders").GetInt32());

        var receiptsText = $"{received:N0} receipts of 7 units in {rounds:N0} rounds every 300ms ({units:N0} units, 0 failed)";
        var cancelText = $"{cancelled:N0} / 0 of {picked:N0} picked (30%, 50ms after acceptance, 0 failed)";
        var markdown = await File.ReadAllTextAsync(Path.Combine(dir, "report.md"));
        Assert.Contains($"| stock receipts | {receiptsText} |", markdown);
        Assert.Contains($"| cancellations done / refused | {cancelText} |", markdown);
        Assert.Contains(output.Split('\n'), l => l.Contains("stock receipts") && l.Contains(receiptsText));
        Assert.Contains(output.Split('\n'), l => l.Contains("cancellations done / refused") && l.Contains(cancelText));
    }

    [Fact]
    public async Task Seed_run_and_audit_a_running_cluster_and_the_audit_fails_on_a_planted_oversell()
    {
        var cluster = new[] { "--gateway-port", fixture.Grid.GatewayPort.ToString(), "--cluster-id", fixture.Grid.ClusterId, "--service-id", fixture.Grid.ServiceId };
        var network = new[] { "--nodes", "5", "--skus", "30" };
        var dir = Path.Combine(Harness.TempDirectory(), "cluster-run");

        var seed = await Harness.RunAsync(["seed", "--seed", "1", .. network, .. cluster]);
        Assert.True(seed.ExitCode == 0, seed.Output + seed.Error);

        var run = await Harness.RunAsync(["run", "--scenario", "baskets", "--rate", "200", "--orders", "60", "--warmup", "0",
            "--raw-duration", "500ms", "--out", dir, .. network, .. cluster]);
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        using (var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "report.json"))))
        {
            var report = json.RootElement;
            Assert.Equal("cluster", report.GetProperty("parameters").GetProperty("mode").GetString());
            Assert.Equal("open", report.GetProperty("parameters").GetProperty("loop").GetString());
            Assert.Equal(60, report.GetProperty("measuredOrders").GetInt64());
        }

        var ordersFile = Path.Combine(dir, "orders.txt");
        var clean = await Harness.RunAsync(["audit", "--orders-file", ordersFile, .. network, .. cluster]);
        Assert.True(clean.ExitCode == 0, clean.Output + clean.Error);
        Assert.Contains("audit clean", clean.Output);

        // Plant an oversell: units committed under a reservation that no order owns.
        var (nodeId, sku) = SyntheticNetwork.Generate(new NetworkSpec(1, 5, 30)).StockKeys[0];
        var stock = fixture.Grains.GetGrain<IStockGrain>(Identifiers.StockKey(nodeId, sku));
        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("planted-oversell", 1, TimeSpan.FromMinutes(5))).Outcome);
        Assert.Equal(CommitOutcome.Committed, (await stock.Commit("planted-oversell", 1)).Outcome);

        var dirty = await Harness.RunAsync(["audit", "--orders-file", ordersFile, .. network, .. cluster]);
        Assert.Equal(1, dirty.ExitCode);
        Assert.Contains(dirty.Output.Split('\n'), line => line.StartsWith("violation: ") && line.Contains("planted-oversell"));
    }

    [Fact]
    public async Task Run_against_a_cluster_without_the_network_says_to_seed_it()
    {
        var cluster = new[] { "--gateway-port", fixture.Grid.GatewayPort.ToString(), "--cluster-id", fixture.Grid.ClusterId, "--service-id", fixture.Grid.ServiceId };

        var (exitCode, _, error) = await Harness.RunAsync(["run", "--network-seed", "99", "--nodes", "7", "--skus", "11", "--duration", "1s", .. cluster]);

        Assert.Equal(3, exitCode);
        Assert.Contains("seed", error);
    }
}
