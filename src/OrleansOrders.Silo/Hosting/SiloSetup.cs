using System.Net;
using Azure.Data.Tables;
using Orleans.Configuration;
using OrleansOrders.Grains;
using OrleansOrders.Silo.Demo;

namespace OrleansOrders.Silo.Hosting;

public static class SiloSetup
{
    /// <summary>
    /// The silo as configuration chooses it. The embedded default is one silo with localhost
    /// clustering, memory storage and memory reminders; "AzureStorage" puts membership, grain state
    /// and reminders in Azure Tables (Azurite locally). Bad configuration stops the start with a
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
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (host.ClusterId, host.ServiceId));
            if (host.Clustering == "Localhost")
            {
                silo.UseLocalhostClustering(host.SiloPort, host.GatewayPort, serviceId: host.ServiceId, clusterId: host.ClusterId);
            }
            else
            {
                silo.ConfigureEndpoints(
                    host.AdvertisedIPAddress is { } ip ? IPAddress.Parse(ip) : IPAddress.Loopback,
                    host.SiloPort, host.GatewayPort, listenOnAnyHostAddress: host.AdvertisedIPAddress is not null);
                silo.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(host.AzureStorageConnectionString));
            }

            if (host.Storage == "Memory")
            {
                silo.AddMemoryGrainStorage(GridOptions.StorageName);
                silo.UseInMemoryReminderService();
            }
            else
            {
                silo.AddAzureTableGrainStorage(GridOptions.StorageName, o => o.TableServiceClient = new TableServiceClient(host.AzureStorageConnectionString));
                silo.UseAzureTableReminderService(o => o.TableServiceClient = new TableServiceClient(host.AzureStorageConnectionString));
            }
        });
        builder.Services.AddOrderGridGrains(builder.Configuration);
        builder.Services.Configure<DemoOptions>(builder.Configuration.GetSection(DemoOptions.SectionName));
        builder.Services.AddHostedService<DemoNetworkSeeder>();
        return builder;
    }
}
