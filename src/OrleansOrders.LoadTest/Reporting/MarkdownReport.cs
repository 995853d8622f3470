using System.Globalization;
using System.Text;
using OrleansOrders.LoadTest.Scenarios;

namespace OrleansOrders.LoadTest.Reporting;

/// <summary>report.md: the run's figures as Markdown tables.</summary>
public static class MarkdownReport
{
    public static string Render(LoadReport r)
    {
        var p = r.Parameters;
        var md = new StringBuilder();
        md.AppendLine($"# Load test {r.RunId}");
        md.AppendLine();
        md.AppendLine($"{r.StartedAt:yyyy-MM-dd HH:mm:ss} UTC, {r.Target}.");
        md.AppendLine();
        md.AppendLine("| parameter | value |");
        md.AppendLine("| --- | --- |");
        Row(md, "scenario", $"{p.Scenario} ({OrderScenario.DescribeLines(p.MinLinesPerOrder, p.LinesPerOrder)} per order)");
        Row(md, "load", p.Loop == "open" ? $"open loop, {F(p.Rate ?? 0)} orders/s" : $"closed loop, concurrency {p.Concurrency}");
        Row(md, "length", p.Duration is not null ? $"{p.Duration} after {p.Warmup} warm-up" : $"{p.Orders} orders after {p.Warmup} warm-up");
        Row(md, "network", $"seed {p.NetworkSeed}, {p.Nodes} nodes, {p.Skus} SKUs");
        Row(md, "order seed", p.Seed.ToString(CultureInfo.InvariantCulture));
        Row(md, "raw ceiling", $"ping grain, closed loop at concurrency {p.RawConcurrency} for {p.RawDuration}");
        md.AppendLine();
        md.AppendLine("| metric | value |");
        md.AppendLine("| --- | --- |");
        Row(md, "orders/s (accepted)", F(r.OrdersPerSecond));
        Row(md, "allocated/s", F(r.AllocatedPerSecond));
        Row(md, "raw calls/s (ping)", r.RawCallsPerSecond is { } raw ? F(raw) : "not measured");
        Row(md, "ratio orders/raw", r.Ratio is { } ratio ? ratio.ToString("0.0000", CultureInfo.InvariantCulture) : "-");
        if (r.RawCeilingAfter is { } after)
        {
            Row(md, "raw calls/s after the load", $"{F(after.CallsPerSecond)} (ratio {r.RatioAfter?.ToString("0.0000", CultureInfo.InvariantCulture)})");
        }
        if (r.CpuMsPerOrder is { } cpu)
        {
            Row(md, "CPU per order", $"{cpu.ToString("0.###", CultureInfo.InvariantCulture)} ms");
        }
        Row(md, "latency p50 / p90 / p99 / max (ms)", $"{F(r.LatencyMs.P50)} / {F(r.LatencyMs.P90)} / {F(r.LatencyMs.P99)} / {F(r.LatencyMs.Max)}");
        Row(md, "measured", $"{r.MeasuredOrders} orders in {F(r.MeasuredSeconds)} s");
        Row(md, "allocated / partial / backordered", $"{r.Outcomes.Allocated} / {r.Outcomes.Partial} / {r.Outcomes.Backordered}");
        Row(md, "rejected / errors", $"{r.Outcomes.Rejected} / {r.Outcomes.Errors}");
        Row(md, "shipments per order", F(r.ShipmentsPerOrder));
        if (r.Storage is { } storage)
        {
            Row(md, "storage writes per order", storage.Describe(writes: true));
            Row(md, "storage reads per order", storage.Describe(writes: false));
        }
        Row(md, "shipping cost per order (mean)", $"{r.Routing.MeanShippingCost.ToString("#,0.00", CultureInfo.InvariantCulture)} over {r.Routing.RoutedOrders} routed orders");
        Row(md, "promised days (mean)", F(r.Routing.MeanPromisedDays));
        Row(md, "split rate (>1 live shipment)", r.Routing.SplitRate.ToString("0.0%", CultureInfo.InvariantCulture));
        Row(md, "store pickup parcels", $"{r.Routing.PickupParcels} of {r.Routing.LiveParcels} live parcels");
        foreach (var (name, value) in ChurnText.Rows(r))
        {
            Row(md, name, value);
        }
        if (r.HeapAtEnd is { } heapEnd)
        {
            Row(md, "live heap after a full GC", Reporting.HeapText.Of(r.HeapEarly, heapEnd, r.HeapGrowth));
        }
        if (r.Process is { } process)
        {
            Row(md, "process during the load", $"{F(process.CoresBusy)} cores busy, GC {process.Gen0}/{process.Gen1}/{process.Gen2} (gen0/1/2), {F(process.GcPauseMs)} ms paused, heap {F(process.HeapMb)} MB");
        }
        Row(md, "audit", r.Audit.Violations == 0
            ? $"clean: {r.Audit.StockKeys} stock grains, {r.Audit.OrdersAudited} orders, {r.Audit.CommittedUnits} units committed"
            : $"**{r.Audit.Violations} violation(s)**");
        md.AppendLine();
        if (r.Audit.Details.Count > 0)
        {
            md.AppendLine("## Audit violations");
            md.AppendLine();
            foreach (var detail in r.Audit.Details)
            {
                md.AppendLine($"- {detail}");
            }
            md.AppendLine();
        }
        if (r.GrainCalls is { Count: > 0 } calls)
        {
            md.AppendLine($"## Grain calls during the load ({F(r.GrainCallsPerOrder ?? 0)} per order)");
            md.AppendLine();
            md.AppendLine("| method | calls | per order | mean round trip ms | max ms |");
            md.AppendLine("| --- | ---: | ---: | ---: | ---: |");
            foreach (var c in calls)
            {
                md.AppendLine($"| {c.Method} | {c.Calls} | {F(c.PerOrder)} | {c.MeanMs.ToString("0.000", CultureInfo.InvariantCulture)} | {F(c.MaxMs)} |");
            }
            md.AppendLine();
        }
        md.AppendLine("## Timeline");
        md.AppendLine();
        md.AppendLine("| second | orders/s | p50 ms | p99 ms | errors |");
        md.AppendLine("| ---: | ---: | ---: | ---: | ---: |");
        foreach (var t in r.Timeline)
        {
            md.AppendLine($"| {t.Second} | {F(t.OrdersPerSecond)} | {F(t.P50Ms)} | {F(t.P99Ms)} | {t.Errors} |");
        }
        return md.ToString();
    }

    private static void Row(StringBuilder md, string name, string value) => md.AppendLine($"| {name} | {value.Replace("|", "\\|")} |");

    private static string F(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);
}
