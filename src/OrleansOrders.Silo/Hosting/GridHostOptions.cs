namespace OrleansOrders.Silo.Hosting;

/// <summary>How this silo joins a cluster and where it keeps state; bound from the "GridHost" section (not "Orleans", which Orleans reads itself).</summary>
public sealed class GridHostOptions
{
    public const string SectionName = "GridHost";

    public string ClusterId { get; set; } = "orleans-orders-dev";

    /// <summary>Part of every storage key: keep it fixed for a deployment's lifetime.</summary>
    public string ServiceId { get; set; } = "OrleansOrders";

    public int SiloPort { get; set; } = 22111;

    public int GatewayPort { get; set; } = 40111;

    /// <summary>"Localhost" (one machine, the first silo is the primary) or "AzureStorage" (Azure Table membership).</summary>
    public string Clustering { get; set; } = "Localhost";

    /// <summary>"Memory" (lost when the silo stops) or "AzureStorage" (grain state in Azure Tables, reminders too).</summary>
    public string Storage { get; set; } = "Memory";

    /// <summary>
    /// Connection string for AzureStorage clustering and storage. <c>UseDevelopmentStorage=true</c>
    /// is Azurite on its default ports; deploy/local passes explicit endpoints.
    /// </summary>
    public string? AzureStorageConnectionString { get; set; }

    /// <summary>Address other silos and clients use to reach this one; loopback for a cluster on one machine.</summary>
    public string? AdvertisedIPAddress { get; set; }

    public IEnumerable<string> Validate()
    {
        if (Clustering is not ("Localhost" or "AzureStorage"))
        {
            yield return $"GridHost:Clustering must be Localhost or AzureStorage, not '{Clustering}'.";
        }
        if (Storage is not ("Memory" or "AzureStorage"))
        {
            yield return $"GridHost:Storage must be Memory or AzureStorage, not '{Storage}'.";
        }
        if ((Clustering == "AzureStorage" || Storage == "AzureStorage") && string.IsNullOrWhiteSpace(AzureStorageConnectionString))
        {
            yield return "GridHost:AzureStorageConnectionString is required when clustering or storage is AzureStorage.";
        }
        if (SiloPort is <= 0 or > 65535 || GatewayPort is <= 0 or > 65535 || SiloPort == GatewayPort)
        {
            yield return "GridHost:SiloPort and GridHost:GatewayPort must be two different ports in 1-65535.";
        }
    }
}

/// <summary>The demo network seeded at start; bound from the "Demo" configuration section.</summary>
public sealed class DemoOptions
{
    public const string SectionName = "Demo";

    /// <summary>Seed the demo network (nodes, SKUs, stock) when the silo starts.</summary>
    public bool Seed { get; set; } = true;

    public int SkuCount { get; set; } = 200;
}
