using Orleans.Connections.Security;
using OrleansOrders.Client;
using OrleansOrders.Contracts;
using OrleansOrders.Http;
using OrleansOrders.Http.OpenApi;

namespace OrleansOrders.Gateway;

/// <summary>
/// The standalone gateway: an Orleans client (localhost gateways or Azure Table membership, section
/// <c>OrderGrid</c>) serving the grid's HTTP API with the same keys, limits and problem details as
/// the silo, plus telemetry. <c>/health</c> says the process is up; <c>/health/ready</c> that it
/// reaches the cluster.
/// </summary>
public sealed class GatewayProgram
{
    public static void Main(string[] args) => Build(args).Run();

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddOrderGridClient(builder.Configuration);
        var tls = GridTlsOptions.FromConfiguration(builder.Configuration, builder.Environment.IsDevelopment());
        builder.UseOrleansClient(client =>
        {
            // Trace context flows from the HTTP request into the grain calls it makes.
            client.AddActivityPropagation();
            if (tls is not null)
            {
                client.UseTls(tls.LoadCertificate(), o =>
                {
                    o.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
                    o.RemoteCertificateValidation = (certificate, _, errors) => tls.ValidateRemote(certificate, errors);
                });
            }
        });
        builder.Services.AddSingleton<Orleans.IClientConnectionRetryFilter, ConnectRetry>();
        builder.AddOrderGridHttp();
        builder.Services.AddGridOpenApi();
        builder.AddOrderGridTelemetry();

        var app = builder.Build();
        app.UseOrderGridHttp();
        app.MapOrderGrid();
        app.MapGridOpenApi();
        app.MapOrderGridTelemetry();
        app.MapGet("/health/ready", async (IGrainFactory grains) =>
        {
            try
            {
                await grains.Reference<IPingGrain>(0).Ping(1).WaitAsync(TimeSpan.FromSeconds(5));
                return Results.Ok(new OrderGridApi.HealthStatus("ready"));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The grid is not reachable", detail: ex.GetType().Name);
            }
        }).AllowAnonymous().WithTags("Health")
            .Answers<OrderGridApi.HealthStatus>("Ready", "The gateway reaches the cluster (no key needed)", StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    /// <summary>
    /// Keeps trying to reach the cluster at start (silos may come up after the gateway) for
    /// OrderGrid:ConnectTimeout (default 2 minutes), then gives up so the process fails visibly.
    /// </summary>
    private sealed class ConnectRetry(IConfiguration configuration, ILogger<ConnectRetry> logger) : Orleans.IClientConnectionRetryFilter
    {
        private readonly DateTimeOffset _giveUpAt = DateTimeOffset.UtcNow + configuration.GetValue("OrderGrid:ConnectTimeout", TimeSpan.FromMinutes(2));

        public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
        {
            if (DateTimeOffset.UtcNow >= _giveUpAt)
            {
                return false;
            }
            logger.LogWarning("Cannot reach the grid yet ({Error}); retrying", exception.Message);
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            return true;
        }
    }
}
