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
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Orleans:SiloPort", FreePort().ToString());
        builder.UseSetting("Orleans:GatewayPort", FreePort().ToString());
        builder.UseSetting("Orleans:ClusterId", "http-tests-" + Guid.NewGuid().ToString("N"));
    }

    private static int FreePort()
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
