using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace OrleansOrders.Client;

public static class OrderGridClientExtensions
{
    /// <summary>
    /// Adds an Orleans client connected to the grid (localhost gateways or Azure Table membership,
    /// per <see cref="OrderGridClientOptions"/>) and <see cref="IOrderGridClient"/> over it.
    /// </summary>
    public static IServiceCollection AddOrderGridClient(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(OrderGridClientOptions.SectionName);
        var options = section.Get<OrderGridClientOptions>() ?? new OrderGridClientOptions();
        // The binder appends configured array items to the default [40111]: configured ports replace it.
        if (section.GetSection(nameof(OrderGridClientOptions.GatewayPorts)).Get<int[]>() is { Length: > 0 } ports)
        {
            options.GatewayPorts = ports;
        }
        return services.AddOrderGridClient(o =>
        {
            o.Clustering = options.Clustering;
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
            o.GatewayPorts = options.GatewayPorts;
            o.AzureStorageConnectionString = options.AzureStorageConnectionString;
            o.MaxAttempts = options.MaxAttempts;
        });
    }

    public static IServiceCollection AddOrderGridClient(this IServiceCollection services, Action<OrderGridClientOptions> configure)
    {
        var options = new OrderGridClientOptions();
        configure(options);
        services.Configure(configure);
        services.AddOrleansClient(client =>
        {
            switch (options.Clustering)
            {
                case "Localhost":
                    client.UseLocalhostClustering(options.GatewayPorts, options.ServiceId, options.ClusterId);
                    break;
                case "AzureStorage":
                    if (string.IsNullOrWhiteSpace(options.AzureStorageConnectionString))
                    {
                        throw new InvalidOperationException("OrderGrid:AzureStorageConnectionString is required for AzureStorage clustering.");
                    }
                    client.Configure<ClusterOptions>(c => (c.ClusterId, c.ServiceId) = (options.ClusterId, options.ServiceId));
                    client.UseAzureStorageClustering(t => t.TableServiceClient = new Azure.Data.Tables.TableServiceClient(options.AzureStorageConnectionString));
                    break;
                default:
                    throw new InvalidOperationException($"OrderGrid:Clustering must be Localhost or AzureStorage, not '{options.Clustering}'.");
            }
        });
        services.AddSingleton<IOrderGridClient>(sp => new OrderGridClient(sp.GetRequiredService<IClusterClient>(), sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<OrderGridClientOptions>>()));
        return services;
    }
}
