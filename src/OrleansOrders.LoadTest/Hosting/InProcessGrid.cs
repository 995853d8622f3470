using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansOrders.Client;
using OrleansOrders.Grains;

namespace OrleansOrders.LoadTest.Hosting;

/// <summary>How the in-process silo is set up; the defaults are what <c>run --in-process</c> uses.</summary>
public sealed class InProcessGridOptions
{
    /// <summary>A cluster id of its own, so it never joins a dev silo's cluster.</summary>
    public string ClusterId { get; set; } = $"orleans-orders-loadtest-{Guid.NewGuid():N}"[..40];

    public string ServiceId { get; set; } = "OrleansOrders-LoadTest";

    /// <summary>The grid's business clock (hold expiry, capacity days). Null for the system clock.</summary>
    public TimeProvider? BusinessClock { get; set; }

    /// <summary>Lowest level of silo log lines written to stderr.</summary>
    public LogLevel MinimumLogLevel { get; set; } = LogLevel.Error;

    /// <summary>When set, every outgoing grain call of the silo is counted (see <see cref="GrainCallStats"/>).</summary>
    public GrainCallStats? CallStats { get; set; }

    /// <summary>Changes to the grid's options (the defaults are the silo's).</summary>
    public Action<GridOptions>? ConfigureGrid { get; set; }
}

/// <summary>
/// A single silo in this process, configured like the embedded default silo: localhost clustering
/// (on free ports, never 11111/30000/22111/40111), the grid's memory storage (GridStorageExtensions,
/// which counts storage operations), in-memory reminders, and the grid's grains with their options and clock.
/// </summary>
public sealed class InProcessGrid : IGridTarget
{
    private readonly IHost _host;
    private readonly StopSwitch _stopping;

    private InProcessGrid(IHost host, StopSwitch stopping, int siloPort, int gatewayPort, string clusterId, string serviceId)
    {
        _host = host;
        _stopping = stopping;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        ClusterId = clusterId;
        ServiceId = serviceId;
        Grains = host.Services.GetRequiredService<IGrainFactory>();
        Client = new OrderGridClient(Grains);
        StorageOperations = host.Services.GetRequiredService<StorageOperationCounter>();
    }

    /// <summary>Storage operations the silo issued (all stores), counted by the grid's storage setup.</summary>
    public StorageOperationCounter StorageOperations { get; }

    public IGrainFactory Grains { get; }

    public IOrderGridClient Client { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public string ClusterId { get; }

    public string ServiceId { get; }

    /// <summary>Where a client (or another run of this tool) reaches this silo's gateway.</summary>
    public ClusterAddress Address => new(GatewayPort, ClusterId, ServiceId);

    public bool InProcess => true;

    public string Description => $"in-process silo (cluster {ClusterId}, silo port {SiloPort}, gateway {GatewayPort}, memory storage)";

    public static async Task<InProcessGrid> StartAsync(InProcessGridOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new InProcessGridOptions();
        // A port picked free can be taken before the silo binds it: try again with fresh ports.
        for (var attempt = 1; ; attempt++)
        {
            var ports = FreePorts.Take(2);
            var stopping = new StopSwitch();
            var host = Build(options, ports[0], ports[1], stopping);
            try
            {
                await host.StartAsync(cancellationToken);
                return new InProcessGrid(host, stopping, ports[0], ports[1], options.ClusterId, options.ServiceId);
            }
            catch (Exception) when (attempt < 3 && !cancellationToken.IsCancellationRequested)
            {
                host.Dispose();
            }
        }
    }

    private static IHost Build(InProcessGridOptions options, int siloPort, int gatewayPort, StopSwitch stopping)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);
        // While the silo shuts down, grains that flush on deactivation race the storage grains'
        // own deactivation and log failures that say nothing about the run: keep them quiet.
        builder.Logging.AddFilter((_, _, level) => level >= options.MinimumLogLevel && !stopping.On);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
            silo.AddGridMemoryStorage();
            silo.UseInMemoryReminderService();
            // The order events stream, as the silo has it: without it every order's publish threw and
            // caught two exceptions, and the projections the silo runs never ran (an unfair benchmark).
            silo.AddGridMemoryStreams();
            if (options.CallStats is { } stats)
            {
                silo.AddOutgoingGrainCallFilter(stats.Invoke);
            }
        });
        if (options.BusinessClock is { } clock)
        {
            builder.Services.AddSingleton(new GridClock(clock));
        }
        // Grid tuning from the environment (Grid__MaxBidCandidates=4 ...), for experiments; code settings win.
        builder.Configuration.AddEnvironmentVariables();
        builder.Services.AddOrderGridGrains(builder.Configuration);
        if (options.ConfigureGrid is { } configure)
        {
            builder.Services.Configure(configure);
        }
        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.On = true;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _host.StopAsync(timeout.Token);
        }
        finally
        {
            _host.Dispose();
        }
    }

    private sealed class StopSwitch
    {
        public volatile bool On;
    }
}
