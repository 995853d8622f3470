using OrleansOrders.LoadTest.Auditing;
using OrleansOrders.LoadTest.Churn;
using OrleansOrders.LoadTest.Cli;
using OrleansOrders.LoadTest.Hosting;
using OrleansOrders.LoadTest.Load;
using OrleansOrders.LoadTest.Network;
using OrleansOrders.LoadTest.Reporting;

namespace OrleansOrders.LoadTest;

/// <summary>
/// One <c>run</c>, start to finish: open the grid (start an in-process silo or connect), seed or
/// check the network, measure the raw ceiling (ping grain, same call path, same concurrency), drive
/// the orders, audit everything the run touched, report. Exit code 1 when the audit finds a violation.
/// </summary>
public static class RunPipeline
{
    public static async Task<(int ExitCode, LoadReport Report)> ExecuteAsync(RunSettings settings, Terminal terminal, CancellationToken cancellationToken)
    {
        var runId = OrderIds.NewRunId();
        var startedAt = DateTimeOffset.UtcNow;
        var network = SyntheticNetwork.Generate(settings.Network);
        var scenario = Scenarios.Scenarios.Create(settings.Scenario, network, settings.Seed, settings.Lines);
        var plan = settings.Plan;

        var callStats = settings.CallStats ? new GrainCallStats() : null;
        await using var target = await GridTargets.OpenAsync(settings.InProcess, settings.Cluster, terminal, cancellationToken, callStats);
        await GridTargets.PrepareNetworkAsync(target, network, terminal, cancellationToken);

        RawCeilingResult? raw = null;
        if (settings.RawDuration > TimeSpan.Zero)
        {
            terminal.Line($"raw ceiling: ping grain, closed loop at concurrency {plan.EffectiveConcurrency} for {Durations.Format(settings.RawDuration)} (after 1s warm-up)");
            raw = await RawCeiling.MeasureAsync(target.Grains, plan.EffectiveConcurrency, settings.RawDuration, TimeSpan.FromSeconds(1), cancellationToken);
            terminal.Line($"raw ceiling: {raw.CallsPerSecond:N0} calls/s (p50 {raw.P50Ms:0.###} ms, p99 {raw.P99Ms:0.###} ms)");
        }

        var loop = plan.OpenLoop ? $"open loop at {plan.Rate:0.#} orders/s" : $"closed loop at concurrency {plan.EffectiveConcurrency}";
        var length = plan.Duration is { } d ? Durations.Format(d) : $"{plan.Orders} orders";
        terminal.Line($"run {runId}: {scenario.Name} ({scenario.LinesText} per order), {loop}, {length} after {Durations.Format(plan.Warmup)} warm-up");
        var flaky = scenario as Scenarios.FlakyNodeScenario;
        if (LoadChurn.Describe(settings.Churn) is { } churning)
        {
            terminal.Line("churn: " + churning);
        }
        var churn = new LoadChurn(target.Grains, target.Client, network, settings.Churn, settings.Seed, runId, cancellationToken);
        var driver = new LoadDriver(target.Client, scenario, plan, new OrderIds(runId),
            churn.AfterAnswer(flaky is null ? null : view => flaky.ActAsync(target.Grains, view)));
        // Storage operations are counted by the silo's storage wrapper: seen only when the silo runs here.
        var storageCounter = target is InProcessGrid grid ? grid.StorageOperations : null;
        callStats?.Start();
        var storageBefore = storageCounter?.Snapshot();
        var process = ProcessStats.Start();
        var heap = new HeapCheckpoints();
        var running = driver.RunAsync(cancellationToken);
        churn.Start(plan.Warmup, running, cancellationToken);
        var watchingHeap = heap.WatchAsync(plan.Warmup, running, cancellationToken);
        var load = await LiveProgress.TrackAsync(terminal, $"{scenario.Name}: {loop}", running, driver.Sample, driver.Planned);
        callStats?.Stop();
        var storage = storageCounter is null ? null : StorageCost.Of(storageCounter.Snapshot().Since(storageBefore!), load.Submitted);
        var processStats = process.Stop();
        await watchingHeap;
        var heapAtEnd = HeapCheckpoints.Take(load.Measured);
        var (receipts, cancellations) = await churn.FinishAsync();
        cancellationToken.ThrowIfCancellationRequested();
        RawCeilingResult? rawAfter = null;
        if (settings.RawDuration > TimeSpan.Zero)
        {
            // Before and after, so a grid that slowed as it worked is not hidden by a ceiling taken cold.
            rawAfter = await RawCeiling.MeasureAsync(target.Grains, plan.EffectiveConcurrency, settings.RawDuration, TimeSpan.FromSeconds(1), cancellationToken);
            terminal.Line($"raw ceiling after the load: {rawAfter.CallsPerSecond:N0} calls/s (p50 {rawAfter.P50Ms:0.###} ms, p99 {rawAfter.P99Ms:0.###} ms)");
        }
        var calls = callStats?.Snapshot(load.Submitted);

        // Parcels still waiting for a wave go out now (re-planned first where that pays): the audit reads final plans.
        var waves = await WaveDrain.RunAsync(target.Grains, network.Nodes.Select(n => n.NodeId));
        terminal.Line($"auditing {network.StockKeys.Count} stock grains and {load.AcceptedOrderIds.Count} accepted orders ({load.UnknownOrderIds.Count} with unknown outcome)...");
        var auditStarted = DateTime.UtcNow;
        // Churn wakes backordered orders with the stock it adds or frees: audit once the grid has settled.
        var audit = await AuditStep.RunAsync(target.Grains, network.StockKeys, load.AcceptedOrderIds, load.UnknownOrderIds, cancellationToken: cancellationToken,
            settleWithin: settings.Churn.Any ? TimeSpan.FromSeconds(60) : null);
        terminal.Line($"audit: {(audit.Clean ? "clean" : $"{audit.Violations.Count} violation(s)")} in {(DateTime.UtcNow - auditStarted).TotalSeconds:0.0} s " +
                      $"({audit.OrdersAudited} orders, {audit.OrdersOfEarlierRuns} of earlier runs; {audit.CommittedUnits} units committed, {audit.HeldUnits} held)");

        var parameters = new RunParameters(
            settings.InProcess ? "in-process" : "cluster",
            scenario.Name,
            scenario.LinesPerOrder,
            plan.OpenLoop ? "open" : "closed",
            plan.OpenLoop ? null : plan.EffectiveConcurrency,
            plan.Rate,
            plan.Duration is { } duration ? Durations.Format(duration) : null,
            plan.Orders,
            Durations.Format(plan.Warmup),
            settings.Seed,
            network.Spec.Seed,
            network.Spec.Nodes,
            network.Spec.Skus,
            Durations.Format(settings.RawDuration),
            plan.EffectiveConcurrency,
            scenario.MinLinesPerOrder);
        var report = ReportBuilder.Build(runId, startedAt, target.Description, parameters, raw, load, audit) with
        {
            GrainCallsPerOrder = calls is null ? null : Math.Round(calls.Sum(c => c.PerOrder), 1),
            GrainCalls = calls,
            StorageReadsPerOrder = storage?.ReadsPerOrder,
            StorageWritesPerOrder = storage?.WritesPerOrder,
            Storage = storage,
            Process = processStats,
            RawCeilingAfter = rawAfter,
            CpuMsPerOrder = load.Submitted > 0 ? Math.Round(processStats.CpuSeconds * 1000 / load.Submitted, 3) : null,
            HeapEarly = heap.Early,
            HeapAtEnd = heapAtEnd,
            Receipts = receipts,
            Waves = waves,
            Cancellations = cancellations,
        };

        ConsoleSummary.Write(terminal, report);
        if (flaky is not null)
        {
            await FlakyNodeSummary.WriteAsync(terminal, target.Grains, flaky, report);
        }
        ConsoleSummary.WriteViolations(terminal, audit.Violations);
        if (settings.OutDirectory is { } directory)
        {
            var (written, chartWarning) = await ReportFiles.WriteAsync(directory, report, audit.RunOrderIds, cancellationToken);
            if (chartWarning is not null)
            {
                terminal.Line(chartWarning);
            }
            terminal.Line("wrote " + string.Join(", ", written));
        }
        return (audit.Clean ? ExitCodes.Ok : ExitCodes.AuditViolation, report);
    }
}
