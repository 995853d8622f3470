using System.Net;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Orleans.Configuration;
using OrleansOrders.Grains;
using OrleansOrders.Silo.Demo;

namespace OrleansOrders.Silo.Hosting;

public static class SiloSetup
{
    /// <summary>
    /// The silo as configuration chooses it. The embedded default is one silo with localhost
    /// clustering, memory storage and memory reminders; "AzureStorage" puts membership, grain state
    /// and reminders in Azure Tables (Azurite locally). "Kubernetes" runs the silo as a pod (identity
    /// and address from the pod, see deploy/kubernetes). Bad configuration stops the start with a
    /// message naming the setting.
    /// </summary>
    public static WebApplicationBuilder AddOrderGridSilo(this WebApplicationBuilder builder)
    {
        var host = builder.Configuration.GetSection(GridHostOptions.SectionName).Get<GridHostOptions>() ?? new GridHostOptions();
        var problems = host.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Invalid configuration: " + string.Join(" ", problems));
        }

        builder.UseOrleans(silo =>
        {
            if (host.Kubernetes)
            {
                // The pod decides who and where this silo is: UseKubernetesHosting sets ClusterOptions
                // from ORLEANS_SERVICE_ID / ORLEANS_CLUSTER_ID, the silo name from POD_NAME, and listening
                // on any address. Only the ports are ours, and the advertised address: the package means
                // to take it from POD_IP, but only when nothing set it before its PostConfigure, and
                // Orleans' own default (an address of the host's interfaces) runs first; so POD_IP is applied
                // here, where every PostConfigure sees it set. GridHost:AdvertisedIPAddress still wins.
                var advertised = host.AdvertisedIPAddress ?? Environment.GetEnvironmentVariable(GridHostOptions.PodIPVariable);
                silo.Configure<EndpointOptions>(o =>
                {
                    (o.SiloPort, o.GatewayPort) = (host.SiloPort, host.GatewayPort);
                    if (!string.IsNullOrWhiteSpace(advertised))
                    {
                        o.AdvertisedIPAddress = IPAddress.Parse(advertised);
                    }
                });
                silo.UseKubernetesHosting();
            }
            else
            {
                silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (host.ClusterId, host.ServiceId));
            }

            if (host.Clustering == "Localhost")
            {
                silo.UseLocalhostClustering(host.SiloPort, host.GatewayPort, serviceId: host.ServiceId, clusterId: host.ClusterId);
            }
            else
            {
                if (!host.Kubernetes)
                {
                    silo.ConfigureEndpoints(
                        host.AdvertisedIPAddress is { } ip ? IPAddress.Parse(ip) : IPAddress.Loopback,
                        host.SiloPort, host.GatewayPort, listenOnAnyHostAddress: host.AdvertisedIPAddress is not null);
                }
                silo.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(host.AzureStorageConnectionString));
            }

            // Grain state (and the streams' pub-sub state) through GridStorageExtensions, the one place
            // storage is configured. Order events go out on stream provider "events": memory streams in
            // the embedded default, Azure Queue streams (surviving a silo) with durable storage.
            if (host.Storage == "Memory")
            {
                silo.AddGridMemoryStorage();
                silo.UseInMemoryReminderService();
                silo.AddGridMemoryStreams();
            }
            else
            {
                silo.AddGridAzureTableStorage(host.AzureStorageConnectionString!); // required by Validate when Storage is AzureStorage
                silo.UseAzureTableReminderService(o => o.TableServiceClient = new TableServiceClient(host.AzureStorageConnectionString));
                silo.AddAzureQueueStreams("events", o => o.Configure(q => q.QueueServiceClient = new QueueServiceClient(host.AzureStorageConnectionString)));
            }
        });
        builder.Services.AddOrderGridGrains(builder.Configuration);
        builder.Services.Configure<DemoOptions>(builder.Configuration.GetSection(DemoOptions.SectionName));
        builder.Services.AddHostedService<DemoNetworkSeeder>();
        return builder;
    }
}
