using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansOrders.Grains;
using OrleansOrders.LoadTest.Hosting;

namespace OrleansOrders.LoadTest.Durability;

/// <summary>One silo in this process with its grain state in Azure Tables, as the durable cluster keeps it.</summary>
public sealed class DurableSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private DurableSilo(IHost host)
    {
        _host = host;
        Grains = host.Services.GetRequiredService<IGrainFactory>();
        StorageOperations = host.Services.GetRequiredService<StorageOperationCounter>();
    }

    public IGrainFactory Grains { get; }

    /// <summary>Storage operations the silo issued (all stores), counted by the grid's storage setup.</summary>
    public StorageOperationCounter StorageOperations { get; }

    public static async Task<DurableSilo> StartAsync(string connectionString, bool coalesceStockWrites, CancellationToken cancellationToken)
    {
        var ports = FreePorts.Take(2);
        var serviceId = $"durability-{Guid.NewGuid():N}"[..30];
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(ports[0], ports[1], serviceId: serviceId, clusterId: serviceId);
            silo.AddGridAzureTableStorage(connectionString);
            silo.UseInMemoryReminderService();
            silo.AddGridMemoryStreams();
        });
        builder.Services.AddOrderGridGrains();
        builder.Services.Configure<GridOptions>(o => o.CoalesceStockWrites = coalesceStockWrites);
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return new DurableSilo(host);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        finally
        {
            _host.Dispose();
        }
    }
}
