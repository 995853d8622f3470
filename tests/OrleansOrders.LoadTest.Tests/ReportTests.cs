using System.Text.Json;
using OrleansOrders.Contracts;
using OrleansOrders.Grains;
using OrleansOrders.LoadTest.Auditing;
using OrleansOrders.LoadTest.Cli;
using OrleansOrders.LoadTest.Load;
using OrleansOrders.LoadTest.Reporting;

namespace OrleansOrders.LoadTest.Tests;

/// <summary>
/// The routing figures of a run's report, from orders as the audit read them: mean shipping cost,
/// mean promised days, split rate and store pickup parcels over the orders with a live shipment,
/// in report.json, report.md and the console table alike.
/// </summary>
[Trait("Category", "fast")]
public class ReportTests
{
    private static readonly DateOnly Day = new(2026, 3, 3);

    /// <summary>
    /// Three routed orders: one parcel (7.50, promised in 2 days, accepted late on March 2nd in
    /// New York, which is March 3rd UTC); two live parcels (a store pickup 4.00 + a shipped 6.25,
    /// the later promised in 3 days) and a cancelled one; one live parcel (5.00, in 2 days) and a
    /// cancelled one promised later. Not routed: a backordered order and one whose only parcel, a
    /// store pickup, was cancelled.
    /// </summary>
    private static readonly OrderView[] Orders =
    [
        Order("o1", new DateTimeOffset(2026, 3, 2, 20, 0, 0, TimeSpan.FromHours(-5)), 7.50m,
            Parcel(7.50m, 2)),
        Order("o2", At(9), 10.25m,
            Parcel(4.00m, 1, pickup: true), Parcel(6.25m, 3), Parcel(20m, 9, ShipmentStatus.Cancelled)),
        Order("o3", At(23), 5.00m,
            Parcel(5.00m, 2, ShipmentStatus.Delivered), Parcel(3.00m, 5, ShipmentStatus.Cancelled)),
        Order("o4", At(10), 0m),
        Order("o5", At(11), 0m, Parcel(8.00m, 1, ShipmentStatus.Cancelled, pickup: true)),
    ];

    [Fact]
    public void Routing_figures_cover_the_orders_with_a_live_shipment()
    {
        var routing = RoutingSummary.Of(Orders);

        Assert.Equal(3, routing.RoutedOrders);
        Assert.Equal(7.58m, routing.MeanShippingCost); // (7.50 + 10.25 + 5.00) / 3
        Assert.Equal(2.333, routing.MeanPromisedDays); // (2 + 3 + 2) / 3, from the UTC day of acceptance
        Assert.Equal(0.3333, routing.SplitRate); // o2 only
        Assert.Equal(4, routing.LiveParcels);
        Assert.Equal(1, routing.PickupParcels); // o2's; o5's was cancelled
        Assert.Equal(new RoutingSummary(0, 0, 0, 0, 0, 0), RoutingSummary.Of(Orders[3..]));
    }

    [Fact]
    public async Task Report_json_markdown_and_console_show_the_routing_figures()
    {
        var report = ReportBuilder.Build("r1", At(12), "in-process", Parameters(), null, Load(), Audit(Orders));
        var output = new StringWriter();

        var json = JsonDocument.Parse(JsonSerializer.Serialize(report, ReportFiles.Json)).RootElement.GetProperty("routing");
        var markdown = MarkdownReport.Render(report);
        ConsoleSummary.Write(Terminal.Plain(output), report);
        await output.FlushAsync();

        Assert.Equal(3, json.GetProperty("routedOrders").GetInt32());
        Assert.Equal(7.58m, json.GetProperty("meanShippingCost").GetDecimal());
        Assert.Equal(2.333, json.GetProperty("meanPromisedDays").GetDouble());
        Assert.Equal(0.3333, json.GetProperty("splitRate").GetDouble());
        Assert.Equal(4, json.GetProperty("liveParcels").GetInt32());
        Assert.Equal(1, json.GetProperty("pickupParcels").GetInt32());
        Assert.Contains("| shipping cost per order (mean) | 7.58 over 3 routed orders |", markdown);
        Assert.Contains("| promised days (mean) | 2.33 |", markdown);
        Assert.Contains("| split rate (>1 live shipment) | 33.3% |", markdown);
        Assert.Contains("| store pickup parcels | 1 of 4 live parcels |", markdown);
        Assert.Contains("| scenario | steady (1 line(s) per order) |", markdown);
        var lines = output.ToString().Split('\n');
        Assert.Contains(lines, l => l.Contains("shipping cost per order (mean)") && l.Contains("7.58 over 3 routed orders"));
        Assert.Contains(lines, l => l.Contains("promised days (mean)") && l.Contains("2.33"));
        Assert.Contains(lines, l => l.Contains("split rate (>1 live shipment)") && l.Contains("33.3%"));
        Assert.Contains(lines, l => l.Contains("store pickup parcels") && l.Contains("1 of 4 live parcels"));
    }

    [Fact]
    public async Task Storage_operations_of_the_load_window_are_reported_per_order_by_state()
    {
        var counter = new StorageOperationCounter();
        counter.RecordRead("grid", "order");   // before the window: not counted
        counter.RecordWrite("grid", "order");
        var before = counter.Snapshot();
        // 4 orders: each reads and writes its state once, then a second time for two of them;
        // stock writes 3 times (group commit), a ledger store writing on its own reports 2 writes.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() =>
        {
            counter.RecordRead("grid", "order");
            counter.RecordWrite("grid", "order");
            if (i % 2 == 0)
            {
                counter.RecordWrite("grid", "order");
            }
        })));
        for (var i = 0; i < 3; i++)
        {
            counter.RecordWrite("grid", "stock");
        }
        counter.RecordWrite("ledger");
        counter.RecordWrite("ledger");
        counter.RecordClear("grid", "order");

        var cost = StorageCost.Of(counter.Snapshot().Since(before), orders: 4);
        var report = ReportBuilder.Build("r3", At(12), "in-process", Parameters(), null, Load(), Audit(Orders)) with
        {
            StorageReadsPerOrder = cost.ReadsPerOrder,
            StorageWritesPerOrder = cost.WritesPerOrder,
            Storage = cost,
        };
        var output = new StringWriter();
        ConsoleSummary.Write(Terminal.Plain(output), report);
        var json = JsonDocument.Parse(JsonSerializer.Serialize(report, ReportFiles.Json)).RootElement;

        Assert.Equal((4L, 11L, 1L), (cost.Reads, cost.Writes, cost.Clears)); // 6 order + 3 stock + 2 ledger writes
        Assert.Equal((1.0, 2.75), (cost.ReadsPerOrder, cost.WritesPerOrder));
        Assert.Equal(
            [("grid", "order", 4L, 6L, 1L, 1.0, 1.5), ("grid", "stock", 0L, 3L, 0L, 0.0, 0.75), ("ledger", "", 0L, 2L, 0L, 0.0, 0.5)],
            cost.ByState.Select(s => (s.Store, s.State, s.Reads, s.Writes, s.Clears, s.ReadsPerOrder, s.WritesPerOrder)));
        Assert.Equal(2.75, json.GetProperty("storageWritesPerOrder").GetDouble());
        Assert.Equal(1.0, json.GetProperty("storageReadsPerOrder").GetDouble());
        Assert.Equal(3, json.GetProperty("storage").GetProperty("byState").GetArrayLength());
        Assert.Contains("| storage writes per order | 2.75 (order 1.5, stock 0.75, ledger 0.5) |", MarkdownReport.Render(report));
        Assert.Contains("| storage reads per order | 1 (order 1) |", MarkdownReport.Render(report));
        Assert.Contains(output.ToString().Split('\n'), l => l.Contains("storage writes per order") && l.Contains("2.75 (order 1.5, stock 0.75"));
    }

    [Fact]
    public void A_run_against_a_cluster_reports_no_storage_figures()
    {
        var report = ReportBuilder.Build("r4", At(12), "cluster", Parameters(), null, Load(), Audit(Orders));
        var json = JsonDocument.Parse(JsonSerializer.Serialize(report, ReportFiles.Json)).RootElement;

        Assert.DoesNotContain("storage writes per order", MarkdownReport.Render(report));
        Assert.True(!json.TryGetProperty("storageWritesPerOrder", out var writes) || writes.ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public void A_scenario_whose_orders_vary_in_length_reports_the_range()
    {
        var report = ReportBuilder.Build("r2", At(12), "in-process", Parameters() with { Scenario = "routing-mix", LinesPerOrder = 4, MinLinesPerOrder = 2 },
            null, Load(), Audit(Orders));

        Assert.Contains("| scenario | routing-mix (2-4 lines per order) |", MarkdownReport.Render(report));
    }

    private static DateTimeOffset At(int hour) => new(Day.Year, Day.Month, Day.Day, hour, 0, 0, TimeSpan.Zero);

    private static ShipmentAllocation Parcel(decimal cost, int days, ShipmentStatus status = ShipmentStatus.Released, bool pickup = false) =>
        new("n1", [new OrderLine("S1", 1)], cost, Day.AddDays(days), Status: status, Pickup: pickup);

    private static OrderView Order(string id, DateTimeOffset acceptedAt, decimal totalCost, params ShipmentAllocation[] shipments) =>
        new(id, shipments.Length == 0 ? OrderStatus.Backordered : OrderStatus.Allocated,
            new OrderRequest(id, "c1", "web", new Location(41.88, -87.63), [new OrderLine("S1", 1)]),
            shipments, shipments.Length == 0 ? [new OrderLine("S1", 1)] : [], totalCost, 1, acceptedAt, acceptedAt, null);

    private static AuditOutcome Audit(IReadOnlyList<OrderView> orders) =>
        new([], 4, orders.Count, 0, 0, 0, 0, orders.Select(o => o.OrderId).ToList(), orders, RoutingSummary.Of(orders));

    private static RunParameters Parameters() =>
        new("in-process", "steady", 1, "closed", 8, null, "2s", null, "1s", 1, 1, 6, 40, "0s", 8, 1);

    private static LoadResult Load() => new()
    {
        Measured = TimeSpan.FromSeconds(2),
        Allocated = 4,
        Partial = 0,
        Backordered = 1,
        Rejected = 0,
        Errors = 0,
        Latency = new LatencySummary(1, 2, 3, 4),
        ShipmentsPerOrder = 1.25,
        Timeline = [],
        AcceptedOrderIds = Orders.Select(o => o.OrderId).ToList(),
        UnknownOrderIds = [],
        ErrorSamples = [],
        Submitted = 5,
        WarmupCompleted = 0,
    };
}
