namespace OrleansOrders.Client;

/// <summary>How the client finds the cluster; bound from the "OrderGrid" configuration section.</summary>
public sealed class OrderGridClientOptions
{
    public const string SectionName = "OrderGrid";

    /// <summary>"Localhost" (gateways on this machine) or "AzureStorage" (Azure Table membership).</summary>
    public string Clustering { get; set; } = "Localhost";

    public string ClusterId { get; set; } = "orleans-orders-dev";

    public string ServiceId { get; set; } = "OrleansOrders";

    /// <summary>Gateway ports for localhost clustering.</summary>
    public int[] GatewayPorts { get; set; } = [40111];

    /// <summary>Connection string of the membership table for AzureStorage clustering.</summary>
    public string? AzureStorageConnectionString { get; set; }

    /// <summary>Attempts at an idempotent call (submit by order id, reads) when the outcome is unknown.</summary>
    public int MaxAttempts { get; set; } = 3;
}
