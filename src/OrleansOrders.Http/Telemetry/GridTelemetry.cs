using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace OrleansOrders.Http;

/// <summary>Telemetry settings; bound from the "Telemetry" configuration section.</summary>
public sealed class GridTelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>The service name on every metric and span; defaults to the host's application name.</summary>
    public string? ServiceName { get; set; }

    /// <summary>Serve <c>/metrics</c> in the Prometheus text format (operator role).</summary>
    public bool Prometheus { get; set; } = true;

    /// <summary>
    /// OTLP collector for metrics and traces, e.g. <c>http://localhost:4317</c>. Unset: no OTLP
    /// export (the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable turns it on too).
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
    public string OtlpProtocol { get; set; } = "grpc";
}

/// <summary>
/// OpenTelemetry for a grid host, silo or gateway: Orleans' own meter (<c>Microsoft.Orleans</c>)
/// and activity sources, the grid's meter (<c>OrleansOrders</c>), ASP.NET Core and .NET runtime
/// instruments; a Prometheus scrape endpoint and an OTLP exporter by configuration.
/// </summary>
public static class GridTelemetry
{
    /// <summary>The grid's own meter (GridMetrics in the grains).</summary>
    public const string GridMeterName = "OrleansOrders";

    /// <summary>Where Prometheus scrapes, operator role.</summary>
    public const string MetricsPath = "/metrics";

    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>Orleans' activity sources: grain calls as the runtime sees them and as the application does.</summary>
    public static readonly string[] OrleansActivitySources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    public static WebApplicationBuilder AddOrderGridTelemetry(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(GridTelemetryOptions.SectionName).Get<GridTelemetryOptions>() ?? new GridTelemetryOptions();
        var otlp = options.OtlpEndpoint ?? builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (options.OtlpProtocol is not ("grpc" or "http/protobuf"))
        {
            throw new InvalidOperationException($"Telemetry:OtlpProtocol must be grpc or http/protobuf, not '{options.OtlpProtocol}'.");
        }
        if (!string.IsNullOrWhiteSpace(otlp) && !Uri.TryCreate(otlp, UriKind.Absolute, out _))
        {
            throw new InvalidOperationException($"Telemetry:OtlpEndpoint must be an absolute URI, not '{otlp}'.");
        }
        builder.Services.AddSingleton(options);

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(options.ServiceName ?? builder.Environment.ApplicationName, serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(OrleansMeterName, GridMeterName)
                    .AddAspNetCoreInstrumentation()
                    .AddRuntimeInstrumentation();
                if (options.Prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
                if (!string.IsNullOrWhiteSpace(otlp))
                {
                    metrics.AddOtlpExporter(o => Otlp(o, otlp, options.OtlpProtocol, "v1/metrics"));
                }
            });
        if (!string.IsNullOrWhiteSpace(otlp))
        {
            // Spans cost something only when exported: traces are on when a collector is configured.
            telemetry.WithTracing(tracing => tracing
                .AddSource(OrleansActivitySources)
                .AddSource(GridMeterName)
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/metrics") && !http.Request.Path.StartsWithSegments("/health"))
                .AddOtlpExporter(o => Otlp(o, otlp, options.OtlpProtocol, "v1/traces")));
        }
        return builder;
    }

    /// <summary>Maps <c>/metrics</c> (Prometheus text format) for the operator role, when enabled.</summary>
    public static WebApplication MapOrderGridTelemetry(this WebApplication app)
    {
        if (app.Services.GetRequiredService<GridTelemetryOptions>().Prometheus)
        {
            app.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(GridPolicies.Operator);
        }
        return app;
    }

    private static void Otlp(OtlpExporterOptions o, string endpoint, string protocol, string signalPath)
    {
        if (protocol == "http/protobuf")
        {
            o.Protocol = OtlpExportProtocol.HttpProtobuf;
            o.Endpoint = new Uri(endpoint.TrimEnd('/') + "/" + signalPath);
        }
        else
        {
            o.Protocol = OtlpExportProtocol.Grpc;
            o.Endpoint = new Uri(endpoint);
        }
    }
}
