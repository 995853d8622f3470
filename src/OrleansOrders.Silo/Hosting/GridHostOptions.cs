using System.Net;

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

    /// <summary>
    /// Run as a pod of a Kubernetes Deployment (Microsoft.Orleans.Hosting.Kubernetes): the pod's
    /// environment names the silo (<c>POD_NAME</c>), its address (<c>POD_IP</c>, listening on any
    /// address) and the cluster (<c>ORLEANS_SERVICE_ID</c>, <c>ORLEANS_CLUSTER_ID</c>, which then
    /// replace ServiceId and ClusterId above), and silos whose pods are deleted are declared dead.
    /// Membership still needs a provider: Clustering must be AzureStorage. See deploy/kubernetes.
    /// </summary>
    public bool Kubernetes { get; set; }

    /// <summary>The environment variables Kubernetes hosting takes the cluster's identity from.</summary>
    public static readonly IReadOnlyList<string> KubernetesIdentityVariables = ["ORLEANS_SERVICE_ID", "ORLEANS_CLUSTER_ID"];

    /// <summary>The pod's IP (downward API <c>status.podIP</c>): the address a silo in Kubernetes advertises.</summary>
    public const string PodIPVariable = "POD_IP";

    public IEnumerable<string> Validate() => Validate(Environment.GetEnvironmentVariable);

    /// <summary>Problems with this configuration, each naming the setting; <paramref name="environment"/> reads environment variables.</summary>
    public IEnumerable<string> Validate(Func<string, string?> environment)
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
        if (Kubernetes && Clustering != "AzureStorage")
        {
            yield return $"GridHost:Kubernetes needs GridHost:Clustering AzureStorage (membership in Azure Tables), not '{Clustering}'.";
        }
        if (Kubernetes)
        {
            // Without them Orleans would fall back to its "default" ids, and every storage key with them.
            foreach (var variable in KubernetesIdentityVariables.Where(v => string.IsNullOrWhiteSpace(environment(v))))
            {
                yield return $"GridHost:Kubernetes takes the cluster's identity from the pod: set the {variable} environment variable (deploy/kubernetes sets it from the pod's labels).";
            }
            if (environment(PodIPVariable) is { Length: > 0 } podIP && !IPAddress.TryParse(podIP, out _))
            {
                yield return $"{PodIPVariable} must be an IP address (the downward API's status.podIP), not '{podIP}'.";
            }
            if (AdvertisedIPAddress is not null && !IPAddress.TryParse(AdvertisedIPAddress, out _))
            {
                yield return $"GridHost:AdvertisedIPAddress must be an IP address, not '{AdvertisedIPAddress}'.";
            }
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
