using OrleansOrders.LoadTest.Auditing;
using OrleansOrders.LoadTest.Load;

namespace OrleansOrders.LoadTest.Reporting;

public static class ReportBuilder
{
    /// <summary>Details kept in the report; the console and the exit code see them all.</summary>
    public const int MaxDetails = 1_000;

    public static LoadReport Build(string runId, DateTimeOffset startedAt, string target, RunParameters parameters,
        RawCeilingResult? raw, LoadResult load, AuditOutcome audit)
    {
        double? rawRate = raw is { CallsPerSecond: > 0 } ? raw.CallsPerSecond : null;
        return new LoadReport
        {
            RunId = runId,
            StartedAt = startedAt,
            Target = target,
            Parameters = parameters,
            OrdersPerSecond = Math.Round(load.OrdersPerSecond, 1),
            AllocatedPerSecond = Math.Round(load.AllocatedPerSecond, 1),
            RawCallsPerSecond = rawRate,
            Ratio = rawRate is { } r ? Math.Round(load.OrdersPerSecond / r, 4) : null,
            LatencyMs = load.Latency,
            Outcomes = new OutcomeCounts(load.Allocated, load.Partial, load.Backordered, load.Rejected, load.Errors),
            ShipmentsPerOrder = load.ShipmentsPerOrder,
            Routing = audit.Routing,
            Audit = Summarise(audit),
            Timeline = load.Timeline,
            MeasuredOrders = load.Accepted,
            MeasuredSeconds = Math.Round(load.Measured.TotalSeconds, 3),
            RawCeiling = raw,
            ErrorSamples = load.ErrorSamples,
        };
    }

    public static AuditSummary Summarise(AuditOutcome audit) => new(
        audit.Violations.Count,
        audit.Violations.Take(MaxDetails).ToList(),
        audit.StockKeys,
        audit.OrdersAudited,
        audit.OrdersOfEarlierRuns,
        audit.CommittedUnits,
        audit.HeldUnits);
}
