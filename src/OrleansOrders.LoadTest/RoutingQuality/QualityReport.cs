using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansOrders.LoadTest.RoutingQuality;

/// <summary>One strategy's line of routing-quality.json (rates are fractions of 1, percentages are 0-100).</summary>
public sealed record QualityRow(
    string Strategy,
    decimal TotalCost,
    decimal MyopicCost,
    decimal? HindsightBound,
    decimal? GapCapturedPercent,
    double ShipmentsPerOrder,
    double SplitRate,
    double OnTimeRate,
    double FillRate,
    double ExactOptimumMatchPercent,
    decimal ShippingCost,
    long UnfilledUnits,
    decimal MeanExcessOverExactPerOrder,
    double Seconds);

/// <summary>A finished run: its settings, every strategy's row, and how the bound was obtained.</summary>
public sealed record QualityReport(QualitySettings Settings, IReadOnlyList<QualityRow> Rows, string HindsightStatus, TimeSpan HindsightElapsed, TimeSpan Elapsed, int Nodes, int Regions)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>routing-quality.json: an array with one object per strategy.</summary>
    public string ToJson() => JsonSerializer.Serialize(Rows, Json);

    /// <summary>routing-quality.md: the settings and the table.</summary>
    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var s = Settings;
        var text = new StringBuilder();
        text.AppendLine("# Routing quality");
        text.AppendLine();
        text.AppendLine(c, $"Seed {s.Seed}, {s.Orders} orders over {s.Days} days, {Nodes} nodes, {s.Skus} SKUs, {s.Geography.ToString().ToLowerInvariant()} geography ({Regions} demand regions), " +
            $"unfilled unit penalty {s.UnfilledPenalty:0.00}, {s.MaxBidCandidates} nodes asked per order (the router's candidates), at most {s.MaxShipments} parcels per order for the router. " +
            $"Cost = shipping + penalty x units not shipped. Hindsight bound: LP relaxation of the offline problem (GLOP, {HindsightStatus}, {HindsightElapsed.TotalSeconds:0.0} s). " +
            $"Gap captured = (myopic - strategy) / (myopic - bound). Run time {Elapsed.TotalSeconds:0} s.");
        text.AppendLine();
        text.AppendLine("| strategy | total cost | of which shipping | vs myopic | gap captured | parcels/order | split rate | on time | fill rate | = exact optimum |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in Rows)
        {
            var vsMyopic = row.MyopicCost == 0 ? "" : (row.TotalCost / row.MyopicCost - 1m).ToString("+0.0%;-0.0%;0.0%", c);
            var gap = row.GapCapturedPercent is { } g ? string.Create(c, $"{g:0.0}%") : "n/a";
            text.AppendLine(c, $"| {row.Strategy} | {row.TotalCost:N2} | {row.ShippingCost:N2} | {vsMyopic} | {gap} | {row.ShipmentsPerOrder:0.000} | {row.SplitRate:0.0%} | {row.OnTimeRate:0.0%} | {row.FillRate:0.0%} | {row.ExactOptimumMatchPercent:0.0}% |");
        }
        var bound = Rows.FirstOrDefault()?.HindsightBound;
        text.AppendLine(c, $"| hindsight bound (LP) | {(bound is { } b ? b.ToString("N2", c) : "n/a")} | | | 100% | | | | | |");
        return text.ToString();
    }
}
