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
    /// <summary>Seconds a client is told to wait (Retry-After) before retrying a request the grid could not serve.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>
    /// 504 when a grain call timed out; 503 when the cluster could not be reached or a grain could not
    /// read or write its storage (a storage outage, a write refused for a stale ETag); null for any
    /// other exception, which stays a 500. Either way the outcome is unknown and the caller may retry
    /// with the same ids. The whole exception chain is searched: storage failures reach the caller as an
    /// <see cref="OrleansException"/> ("Error from storage provider ...") wrapping the provider's own
    /// exception, and a grain may wrap that again.
    /// </summary>
    public static int? UnavailableStatus(Exception exception)
    {
        var unavailable = false;
        foreach (var ex in Chain(exception))
        {
            switch (ex)
            {
                case TimeoutException:
                    return StatusCodes.Status504GatewayTimeout;
                case SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException or ClientNotAvailableException:
                case OrleansException:
                case IOException:
                    unavailable = true;
                    break;
                default:
                    // The Azure SDK's failures (this library takes no dependency on it).
                    unavailable |= ex.GetType().FullName == "Azure.RequestFailedException";
                    break;
            }
        }
        return unavailable ? StatusCodes.Status503ServiceUnavailable : null;
    }

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        var pending = new Stack<Exception>([exception]);
        var seen = 0;
        while (pending.TryPop(out var ex) && seen++ < 32)
        {
            yield return ex;
            if (ex is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (ex.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }
    }

    /// <summary>Charsets a request body may declare: JSON exchanged between systems is UTF-8 (RFC 8259), and ASCII is a subset of it.</summary>
    private static readonly string[] ReadableCharsets = ["utf-8", "utf8", "us-ascii"];

    /// <summary>
    /// Refuses a body declared in a charset the API does not read (415, before any endpoint runs), and a
    /// Content-Type header that does not parse (415): otherwise the JSON reader looks the charset up
    /// and throws something that is not a bad request (utf-7 answered 500). The feed and the forms read
    /// UTF-8 too, so the rule is the same for every endpoint.
    /// </summary>
    internal static async Task RequireReadableBody(HttpContext context, RequestDelegate next)
    {
        var contentType = context.Request.ContentType;
        if (contentType is not null)
        {
            string? problem = null;
            if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media))
            {
                problem = "The Content-Type header does not parse as a media type.";
            }
            else if (media.Charset.HasValue)
            {
                var charset = media.Charset.Value!.Trim('"');
                if (!ReadableCharsets.Contains(charset, StringComparer.OrdinalIgnoreCase))
                {
                    problem = $"The body's charset '{Clip(charset)}' is not supported: send UTF-8 (charset=utf-8, or no charset).";
                }
                else if (!string.Equals(media.Charset.Value, "utf-8", StringComparison.OrdinalIgnoreCase))
                {
                    // A quoted or other spelling of UTF-8 ("UTF-8" in quotes, utf8, us-ascii) is what the
                    // readers behind would look up verbatim and fail on: hand them the canonical name.
                    media.Charset = "utf-8";
                    context.Request.ContentType = media.ToString();
                }
            }
            if (problem is not null)
            {
                context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = { Status = StatusCodes.Status415UnsupportedMediaType, Title = "The request body cannot be read", Detail = problem },
                });
                return;
            }
        }
        await next(context);
    }

    private static string Clip(string? value) => value is null ? "" : value.Length <= 40 ? value : value[..40] + "...";

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
