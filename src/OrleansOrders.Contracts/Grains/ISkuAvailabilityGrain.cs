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
