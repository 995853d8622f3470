using Orleans.Connections.Security;
using Orleans.Dashboard;
using OrleansOrders.Http;
using OrleansOrders.Http.OpenApi;

namespace OrleansOrders.Silo.Hosting;

/// <summary>
/// What operators get from a silo: OpenTelemetry (Orleans' meter and activity sources with trace
/// propagation across grain calls, the grid's meter, Prometheus and OTLP by configuration), the
/// Orleans dashboard at <c>/dashboard</c> behind the operator role, and TLS between silos and
/// for clients by configuration (section <c>Tls</c>).
/// </summary>
public static class Operations
{
    public static WebApplicationBuilder AddGridOperations(this WebApplicationBuilder builder)
    {
        builder.AddOrderGridTelemetry();
        var dashboard = builder.Configuration.GetValue("Dashboard:Enabled", true);
        var tls = GridTlsOptions.FromConfiguration(builder.Configuration, builder.Environment.IsDevelopment());
        builder.UseOrleans(silo =>
        {
            // Trace context flows from the HTTP request (or a client) through every grain call.
            silo.AddActivityPropagation();
            if (dashboard)
            {
                silo.AddDashboard();
            }
            if (tls is not null)
            {
                silo.UseTls(tls.LoadCertificate(), o => ConfigureTls(o, tls));
            }
        });
        return builder;
    }

    public static WebApplication MapGridOperations(this WebApplication app)
    {
        app.MapOrderGridTelemetry();
        if (app.Configuration.GetValue("Dashboard:Enabled", true))
        {
            app.MapOrleansDashboard(routePrefix: "/dashboard").RequireAuthorization(GridPolicies.Operator)
                .WithTags("Orleans dashboard").WithSummary("The Orleans dashboard: its page and its own JSON (Orleans' format, not this API's contract)")
                .DocumentFrontDoorRefusals();
        }
        return app;
    }

    /// <summary>Mutual TLS: both ends present a certificate and check the other's (pinned thumbprints or a clean chain).</summary>
    internal static void ConfigureTls(TlsOptions o, GridTlsOptions tls)
    {
        o.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        o.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        o.RemoteCertificateValidation = (certificate, _, errors) => tls.ValidateRemote(certificate, errors);
    }
}
