using Orleans.Configuration;
using OrleansOrders.Grains;
using OrleansOrders.Silo.Demo;

namespace OrleansOrders.Silo.Hosting;

public static class SiloSetup
{
    /// <summary>
    /// The embedded default: one silo with localhost clustering, memory grain storage,
    /// plus the grid's services and, unless turned off, the demo network seeder.
    /// </summary>
    public static WebApplicationBuilder AddOrderGridSilo(this WebApplicationBuilder builder)
    {
        var host = builder.Configuration.GetSection(GridHostOptions.SectionName).Get<GridHostOptions>() ?? new GridHostOptions();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(host.SiloPort, host.GatewayPort, serviceId: host.ServiceId, clusterId: host.ClusterId);
            silo.AddMemoryGrainStorage(GridOptions.StorageName);
        });
        builder.Services.AddOrderGridGrains(builder.Configuration);
        builder.Services.Configure<DemoOptions>(builder.Configuration.GetSection(DemoOptions.SectionName));
        builder.Services.AddHostedService<DemoNetworkSeeder>();
        return builder;
    }
}
