using OrleansOrders.LoadTest.Load;
using ScottPlot;

namespace OrleansOrders.LoadTest.Reporting;

/// <summary>PNG charts of a run's timeline with ScottPlot (rendered headless through SkiaSharp).</summary>
public static class Charts
{
    /// <summary>Writes throughput.png and latency.png; answers the paths written.</summary>
    public static IReadOnlyList<string> Write(string directory, IReadOnlyList<TimelinePoint> timeline, string title)
    {
        if (timeline.Count == 0)
        {
            return [];
        }
        var seconds = timeline.Select(t => (double)t.Second).ToArray();

        var throughput = new Plot();
        var orders = throughput.Add.Scatter(seconds, timeline.Select(t => t.OrdersPerSecond).ToArray());
        orders.LegendText = "accepted orders/s";
        throughput.Title($"Throughput: {title}");
        throughput.XLabel("second of the measured window");
        throughput.YLabel("orders/s");
        throughput.Axes.SetLimitsY(0, Math.Max(1, timeline.Max(t => t.OrdersPerSecond)) * 1.15);
        var throughputPath = Path.Combine(directory, "throughput.png");
        throughput.SavePng(throughputPath, 900, 400);

        var latency = new Plot();
        var p50 = latency.Add.Scatter(seconds, timeline.Select(t => t.P50Ms).ToArray());
        p50.LegendText = "p50";
        var p99 = latency.Add.Scatter(seconds, timeline.Select(t => t.P99Ms).ToArray());
        p99.LegendText = "p99";
        latency.ShowLegend();
        latency.Title($"Latency: {title}");
        latency.XLabel("second of the measured window");
        latency.YLabel("ms");
        latency.Axes.SetLimitsY(0, Math.Max(1, timeline.Max(t => t.P99Ms)) * 1.15);
        var latencyPath = Path.Combine(directory, "latency.png");
        latency.SavePng(latencyPath, 900, 400);

        return [throughputPath, latencyPath];
    }
}
