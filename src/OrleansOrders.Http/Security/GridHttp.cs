using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace OrleansOrders.Http;

public static partial class GridHttp
{
    /// <summary>
    /// 504 when a grain call timed out, 503 when the cluster could not be reached; null for any
    /// other exception. Either way the outcome is unknown and the caller may retry with the same ids.
    /// </summary>
    public static int? UnavailableStatus(Exception exception) => exception switch
    {
        TimeoutException => StatusCodes.Status504GatewayTimeout,
        SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException or ClientNotAvailableException
            => StatusCodes.Status503ServiceUnavailable,
        _ => null,
    };

    internal static Task SecurityHeaders(HttpContext context, RequestDelegate next)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        return next(context);
    }

    /// <summary>Logs the well-known development keys once the host listens, so the first run shows how to call it.</summary>
    internal static void AnnounceDevelopmentKeys(WebApplication app)
    {
        var registry = app.Services.GetRequiredService<ApiKeyRegistry>();
        if (!registry.UsesDevelopmentKeys)
        {
            return;
        }
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OrleansOrders.Http.ApiKeys");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var address = app.Services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "";
            logger.LogWarning(
                "Development API keys (well-known, like Azurite's account key; the Development environment only): " +
                "storefront {StorefrontKey}, operator {OperatorKey}. Send one as the {Header} header. Operator page: {Address}/ops",
                ApiKeyRegistry.DevelopmentKeys[GridRoles.Storefront], ApiKeyRegistry.DevelopmentKeys[GridRoles.Operator],
                ApiKeyRegistry.HeaderName, address);
        });
    }
}
