using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OrleansOrders.Gateway;

namespace OrleansOrders.Gateway.Tests.Support;

/// <summary>The well-known development keys, as the README's curl lines send them.</summary>
public static class Keys
{
    public const string Storefront = "dev-storefront-key";
    public const string Operator = "dev-operator-key";
}

public static class Ports
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The silo host as <c>dotnet run --project src/OrleansOrders.Silo</c> starts it (demo network, co-hosted HTTP, dashboard), on free ports.</summary>
/// <param name="services">Changes to the silo's services after its own (e.g. a storage that can be taken down).</param>
public sealed class SiloHost(IReadOnlyDictionary<string, string>? settings = null, Action<IServiceCollection>? services = null) : WebApplicationFactory<Program>
{
    public int SiloPort { get; } = Ports.Free();

    public int GatewayPort { get; } = Ports.Free();

    public string ClusterId { get; } = "gateway-tests-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The silo's own grain factory: how tests look at state without going through HTTP.</summary>
    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("GridHost:SiloPort", SiloPort.ToString());
        builder.UseSetting("GridHost:GatewayPort", GatewayPort.ToString());
        builder.UseSetting("GridHost:ClusterId", ClusterId);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }
        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }
}

/// <summary>
/// The standalone gateway (src/OrleansOrders.Gateway) as an Orleans client of <paramref name="silo"/>,
/// on real Kestrel at a free port, so browsers and raw HTTP clients reach it like a deployed one.
/// </summary>
public sealed class GatewayHost : WebApplicationFactory<GatewayProgram>
{
    private readonly SiloHost _silo;
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly string? _environment;

    public GatewayHost(SiloHost silo, IReadOnlyDictionary<string, string>? settings = null, string? environment = null)
    {
        _silo = silo;
        _settings = settings ?? new Dictionary<string, string>();
        _environment = environment;
        Port = Ports.Free();
        UseKestrel(Port);
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    /// <summary>Starts the gateway (it connects to the silo first) and answers a client for it.</summary>
    public HttpClient Start(string? apiKey = null)
    {
        StartServer();
        return Client(apiKey);
    }

    /// <summary>A plain HTTP client of the gateway, with an API key or none; redirects are not followed.</summary>
    public HttpClient Client(string? apiKey = null)
    {
        var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = BaseAddress };
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }
        return http;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        if (_environment is not null)
        {
            builder.UseEnvironment(_environment);
        }
        builder.UseSetting("OrderGrid:GatewayPorts:0", _silo.GatewayPort.ToString());
        builder.UseSetting("OrderGrid:ClusterId", _silo.ClusterId);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }
}

/// <summary>One silo and one gateway for the tests of the front door (generous rate limits: the fuzz test is loud).</summary>
public sealed class GridFixture : IAsyncLifetime
{
    /// <summary>Orders of the "waves" channel wait for hourly release waves (the release wave API tests).</summary>
    public SiloHost Silo { get; } = new(new Dictionary<string, string>
    {
        ["Grid:Release:Channels:waves:Mode"] = "Waves",
        ["Grid:Release:Channels:waves:Every"] = "01:00:00",
    });

    public GatewayHost Gateway { get; private set; } = null!;

    public Task InitializeAsync()
    {
        _ = Silo.Services; // starts the silo and seeds the demo network
        Gateway = new GatewayHost(Silo, new Dictionary<string, string>
        {
            ["Http:PermitsPerSecondPerKey"] = "100000",
            ["Http:BurstPerKey"] = "100000",
            ["Http:AnonymousPermitsPerSecond"] = "100000",
        });
        Gateway.Start().Dispose();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Silo.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class GridCollection : ICollectionFixture<GridFixture>
{
    public const string Name = "grid";
}
