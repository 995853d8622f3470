using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace OrleansOrders.Cluster.Tests.Support;

/// <summary>
/// The silo host exactly as <c>dotnet run --project src/OrleansOrders.Silo</c> starts it (embedded
/// silo, demo network, HTTP API), on free ports so it never meets a silo already running here.
/// Its clients send a test key with both roles unless a test picks a key (the README's
/// development keys: <see cref="StorefrontKey"/>, <see cref="OperatorKey"/>).
/// </summary>
public sealed class GridApiFactory : WebApplicationFactory<Program>
{
    /// <summary>The well-known development keys the README's curl lines carry.</summary>
    public const string StorefrontKey = "dev-storefront-key";
    public const string OperatorKey = "dev-operator-key";

    /// <summary>A test-only key with both roles: the default of <see cref="WebApplicationFactory{T}.CreateClient()"/>.</summary>
    public const string AllRolesKey = "cluster-tests-all-roles-key";

    private IReadOnlyDictionary<string, string>? _settings;

    /// <summary>A silo host with extra configuration (the parameterless constructor is the demo default).</summary>
    public static GridApiFactory With(IReadOnlyDictionary<string, string> settings) => new() { _settings = settings };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("GridHost:SiloPort", FreePort().ToString());
        builder.UseSetting("GridHost:GatewayPort", FreePort().ToString());
        builder.UseSetting("GridHost:ClusterId", "http-tests-" + Guid.NewGuid().ToString("N"));
        builder.UseSetting("Auth:Keys:cluster-tests:Key", AllRolesKey);
        builder.UseSetting("Auth:Keys:cluster-tests:Role", "storefront,operator");
        foreach (var (key, value) in _settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }
    }

    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Add("X-Api-Key", AllRolesKey);
    }

    /// <summary>A client that sends <paramref name="apiKey"/> (or no key when null) instead of the all-roles test key.</summary>
    public HttpClient CreateClient(string? apiKey)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Remove("X-Api-Key");
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }
        return client;
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
