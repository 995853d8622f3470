namespace OrleansOrders.Contracts;

/// <summary>Network availability of one SKU, keyed by SKU; fed by the stock grains.</summary>
[Alias("oo.ISkuAvailabilityGrain")]
public interface ISkuAvailabilityGrain : IGrainWithStringKey
{
    /// <summary>A stock grain's latest available quantity; <paramref name="version"/> orders reports from one node.</summary>
    [Alias("Report")]
    Task Report(string nodeId, int available, long version);

    [Alias("Get"), ReadOnly]
    Task<NetworkAvailability> Get();
}
