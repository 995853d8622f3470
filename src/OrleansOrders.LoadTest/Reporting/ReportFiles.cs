using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansOrders.LoadTest.Reporting;

/// <summary>The files <c>run --out DIR</c> writes: report.json, report.md, orders.txt and PNG charts.</summary>
public static class ReportFiles
{
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>
    /// Writes the report and the run's order ids (one per line, the input of the audit command).
    /// Charts are best effort: a rendering failure is answered as a warning, not thrown.
    /// </summary>
    public static async Task<(IReadOnlyList<string> Written, string? ChartWarning)> WriteAsync(
        string directory, LoadReport report, IEnumerable<string> orderIds, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        var json = Path.Combine(directory, "report.json");
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, Json), cancellationToken);
        written.Add(json);
        var md = Path.Combine(directory, "report.md");
        await File.WriteAllTextAsync(md, MarkdownReport.Render(report), cancellationToken);
        written.Add(md);
        var orders = Path.Combine(directory, "orders.txt");
        await File.WriteAllLinesAsync(orders, orderIds, cancellationToken);
        written.Add(orders);

        string? warning = null;
        try
        {
            written.AddRange(Charts.Write(directory, report.Timeline, $"{report.Parameters.Scenario}, {report.RunId}"));
        }
        catch (Exception ex)
        {
            warning = $"charts skipped: {ex.GetBaseException().Message}";
        }
        return (written, warning);
    }
}
