using System.Globalization;
using OrleansOrders.LoadTest.Cli;
using Spectre.Console;

namespace OrleansOrders.LoadTest.Reporting;

/// <summary>The end-of-run table on the console, and every audit violation.</summary>
public static class ConsoleSummary
{
    public static void Write(Terminal terminal, LoadReport r)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape($"run {r.RunId}: {r.Parameters.Scenario}"));
        table.AddColumn("metric");
        table.AddColumn(new TableColumn("value").RightAligned());
        Row(table, "orders/s (accepted)", F(r.OrdersPerSecond));
        Row(table, "allocated/s", F(r.AllocatedPerSecond));
        Row(table, "raw calls/s (ping)", r.RawCallsPerSecond is { } raw ? F(raw) : "not measured");
        Row(table, "ratio orders/raw", r.Ratio is { } ratio ? ratio.ToString("0.0000", CultureInfo.InvariantCulture) : "-");
        if (r.RawCeilingAfter is { } after)
        {
            Row(table, "raw calls/s after the load", $"{F(after.CallsPerSecond)} (ratio {r.RatioAfter?.ToString("0.0000", CultureInfo.InvariantCulture)})");
        }
        if (r.CpuMsPerOrder is { } cpu)
        {
            Row(table, "CPU per order", $"{cpu.ToString("0.###", CultureInfo.InvariantCulture)} ms");
        }
        Row(table, "latency p50 / p90 / p99 / max ms", $"{F(r.LatencyMs.P50)} / {F(r.LatencyMs.P90)} / {F(r.LatencyMs.P99)} / {F(r.LatencyMs.Max)}");
        Row(table, "measured", $"{r.MeasuredOrders:N0} orders in {F(r.MeasuredSeconds)} s");
        Row(table, "allocated / partial / backordered", $"{r.Outcomes.Allocated:N0} / {r.Outcomes.Partial:N0} / {r.Outcomes.Backordered:N0}");
        Row(table, "rejected / errors", $"{r.Outcomes.Rejected:N0} / {r.Outcomes.Errors:N0}");
        Row(table, "shipments per order", F(r.ShipmentsPerOrder));
        if (r.Storage is { } storage)
        {
            Row(table, "storage writes per order", storage.Describe(writes: true));
            Row(table, "storage reads per order", storage.Describe(writes: false));
        }
        Row(table, "shipping cost per order (mean)", $"{r.Routing.MeanShippingCost.ToString("#,0.00", CultureInfo.InvariantCulture)} over {r.Routing.RoutedOrders:N0} routed orders");
        Row(table, "promised days (mean)", F(r.Routing.MeanPromisedDays));
        Row(table, "split rate (>1 live shipment)", r.Routing.SplitRate.ToString("0.0%", CultureInfo.InvariantCulture));
        Row(table, "store pickup parcels", $"{r.Routing.PickupParcels:N0} of {r.Routing.LiveParcels:N0} live parcels");
        foreach (var (name, value) in ChurnText.Rows(r))
        {
            Row(table, name, value);
        }
        if (r.HeapAtEnd is { } heapEnd)
        {
            Row(table, "live heap after a full GC", Reporting.HeapText.Of(r.HeapEarly, heapEnd, r.HeapGrowth));
        }
        if (r.Process is { } p)
        {
            Row(table, "process during the load", $"{p.CoresBusy:0.##} cores busy, GC {p.Gen0}/{p.Gen1}/{p.Gen2} (gen0/1/2), {p.GcPauseMs:0} ms paused, heap {p.HeapMb:0} MB");
        }
        Row(table, "audit", r.Audit.Violations == 0
            ? $"clean ({r.Audit.StockKeys:N0} stock grains, {r.Audit.OrdersAudited:N0} orders)"
            : $"{r.Audit.Violations} violation(s)");
        terminal.Console.Write(table);
        if (r.GrainCalls is { Count: > 0 } calls)
        {
            var callTable = new Table().Border(TableBorder.Rounded)
                .Title(Markup.Escape($"grain calls during the load: {r.GrainCallsPerOrder:0.#} per order (round trip includes queueing)"));
            callTable.AddColumn("method");
            foreach (var column in new[] { "calls", "per order", "mean ms", "max ms" })
            {
                callTable.AddColumn(new TableColumn(column).RightAligned());
            }
            foreach (var c in calls.Take(20))
            {
                callTable.AddRow(Markup.Escape(c.Method), c.Calls.ToString("N0", CultureInfo.InvariantCulture), F(c.PerOrder),
                    c.MeanMs.ToString("0.000", CultureInfo.InvariantCulture), F(c.MaxMs));
            }
            terminal.Console.Write(callTable);
        }
        foreach (var sample in r.ErrorSamples)
        {
            terminal.Line("error sample: " + sample);
        }
    }

    /// <summary>Each violation on a line of its own, then a count.</summary>
    public static void WriteViolations(Terminal terminal, IReadOnlyList<string> violations)
    {
        foreach (var violation in violations)
        {
            terminal.Line("violation: " + violation);
        }
        if (violations.Count > 0)
        {
            terminal.Line($"audit failed: {violations.Count} violation(s).");
        }
    }

    private static void Row(Table table, string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));

    private static string F(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);
}
