using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace OrleansOrders.Cluster.Tests.Support;

/// <summary>
/// The silo host exactly as <c>dotnet run --project src/OrleansOrders.Silo</c> starts it (embedded
/// silo, demo network, HTTP API), on free ports so it never meets a silo already running here.
/// </summary>
public sealed class GridApiFactory : WebApplicationFactory<Program>
{
    private IReadOnlyDictionary<string, string>? _settings;

    /// <summary>A silo host with extra configuration (the parameterless constructor is the demo default).</summary>
    public static GridApiFactory With(IReadOnlyDictionary<string, string> settings) => new() { _settings = settings };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("GridHost:SiloPort", FreePort().ToString());
        builder.UseSetting("GridHost:GatewayPort", FreePort().ToString());
        builder.UseSetting("GridHost:ClusterId", "http-tests-" + Guid.NewGuid().ToString("N"));
        foreach (var (key, value) in _settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class HttpCollection : ICollectionFixture<GridApiFactory>
{
    public const string Name = "http";
}
