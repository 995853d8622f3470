using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansOrders.Client;
using OrleansOrders.LoadTest.Cli;

namespace OrleansOrders.LoadTest.Hosting;

/// <summary>Where a running cluster is: its localhost gateway and identity.</summary>
public sealed record ClusterAddress(int GatewayPort = 40111, string ClusterId = "orleans-orders-dev", string ServiceId = "OrleansOrders")
{
    public override string ToString() => $"localhost:{GatewayPort} (cluster {ClusterId}, service {ServiceId})";
}

/// <summary>A client of a running cluster, through the client library (<c>AddOrderGridClient</c>).</summary>
public sealed class ClusterConnection : IGridTarget
{
    private readonly IHost _host;

    private ClusterConnection(IHost host, ClusterAddress address)
    {
        _host = host;
        Address = address;
        Grains = host.Services.GetRequiredService<IClusterClient>();
        Client = host.Services.GetRequiredService<IOrderGridClient>();
    }

    public ClusterAddress Address { get; }

    public IGrainFactory Grains { get; }

    public IOrderGridClient Client { get; }

    public bool InProcess => false;

    public string Description => $"cluster at {Address}";

    /// <exception cref="RunFailedException">The cluster could not be reached.</exception>
    public static async Task<ClusterConnection> ConnectAsync(ClusterAddress address, LogLevel minimumLogLevel = LogLevel.Error, CancellationToken cancellationToken = default)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(minimumLogLevel);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddOrderGridClient(o =>
        {
            o.Clustering = "Localhost";
            o.GatewayPorts = [address.GatewayPort];
            o.ClusterId = address.ClusterId;
            o.ServiceId = address.ServiceId;
        });
        var host = builder.Build();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await host.StartAsync(timeout.Token);
            return new ClusterConnection(host, address);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            throw new RunFailedException($"could not connect to the cluster at {address}: {ex.GetBaseException().Message}", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _host.StopAsync(timeout.Token);
        }
        catch (Exception)
        {
            // Closing a client whose cluster went away is not worth a failure.
        }
        finally
        {
            _host.Dispose();
        }
    }
}
