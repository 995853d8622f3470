namespace OrleansOrders.Contracts;

/// <summary>Network availability of one SKU, keyed by SKU; fed by the stock grains.</summary>
[Alias("oo.ISkuAvailabilityGrain")]
public interface ISkuAvailabilityGrain : IGrainWithStringKey
{
    /// <summary>
    /// A stock grain's latest available quantity and expected receipts not yet promised
    /// (<paramref name="inbound"/>); <paramref name="version"/> orders reports from one node.
    /// </summary>
    [Alias("Report")]
    Task Report(string nodeId, int available, long version, int inbound = 0);

    /// <summary>
    /// Several nodes' reports (<see cref="Report"/>) at once, as one silo gathered them over a short
    /// interval (<c>Grid:StockReportInterval</c>); each applies only if newer than what is known of its node.
    /// </summary>
    [Alias("ReportMany")]
    Task ReportMany(IReadOnlyList<NodeAvailabilityReport> reports);

    /// <summary>
    /// Interleaves with everything: it reads memory only, and routing must not queue behind a waiting
    /// list's write (with a hot SKU's backorders, those writes become the grain's whole day).
    /// </summary>
    [Alias("Get"), AlwaysInterleave]
    Task<NetworkAvailability> Get();

    /// <summary>
    /// An order waits for this SKU: it is told (in order of waiting) when stock becomes available.
    /// Answers once the wait is durable. Interleaves, so the joins that arrive while one write is in
    /// flight share the next (group commit): a hot SKU's backorders do not queue one write each.
    /// </summary>
    [Alias("WaitForStock"), AlwaysInterleave]
    Task WaitForStock(string orderId);

    /// <summary>The order no longer waits for this SKU (durable when it answers; group-committed like <see cref="WaitForStock"/>).</summary>
    [Alias("StopWaiting"), AlwaysInterleave]
    Task StopWaiting(string orderId);
}

/// <summary>One stock grain's report to its SKU's availability grain: see <see cref="ISkuAvailabilityGrain.Report"/>.</summary>
[GenerateSerializer, Immutable, Alias("oo.NodeAvailabilityReport")]
public sealed record NodeAvailabilityReport(
    [property: Id(0)] string NodeId,
    [property: Id(1)] int Available,
    [property: Id(2)] long Version,
    [property: Id(3)] int Inbound);
