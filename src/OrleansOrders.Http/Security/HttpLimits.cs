using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace OrleansOrders.Http;

/// <summary>Limits of the HTTP front door; bound from the "Http" configuration section.</summary>
public sealed class GridHttpOptions
{
    public const string SectionName = "Http";

    /// <summary>Requests per second each API key may make (token bucket refill).</summary>
    public int PermitsPerSecondPerKey { get; set; } = 500;

    /// <summary>Requests a key may make at once above its rate (token bucket size).</summary>
    public int BurstPerKey { get; set; } = 1000;

    /// <summary>Requests per second from one address without a recognised key (sign-in page, health, refusals).</summary>
    public int AnonymousPermitsPerSecond { get; set; } = 50;

    /// <summary>Largest request body in bytes, unless an endpoint says otherwise (<see cref="GridHttp.WithBodyLimit{TBuilder}"/>).</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Longest an endpoint may take before the caller gets 504 (the grid may still finish; retry with the same id).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<string> Validate()
    {
        if (PermitsPerSecondPerKey < 1 || BurstPerKey < 1 || AnonymousPermitsPerSecond < 1)
        {
            yield return "Http:PermitsPerSecondPerKey, Http:BurstPerKey and Http:AnonymousPermitsPerSecond must be at least 1.";
        }
        if (MaxRequestBodyBytes < 1024)
        {
            yield return "Http:MaxRequestBodyBytes must be at least 1024.";
        }
        if (RequestTimeout <= TimeSpan.Zero)
        {
            yield return "Http:RequestTimeout must be positive.";
        }
    }
}

/// <summary>An endpoint's own request body limit (a bulk feed takes more than an order).</summary>
public sealed record BodySizeLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;

public static partial class GridHttp
{
    public const string RateLimitPolicy = "grid-per-key";

    /// <summary>Lets this endpoint or group take bodies up to <paramref name="bytes"/>.</summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long bytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new BodySizeLimit(bytes));

    internal static void AddGridRateLimiting(IServiceCollection services)
    {
        services.AddRateLimiter(o =>
        {
            // Every request is limited, by key when it has a recognised one, else by client address.
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var limits = context.RequestServices.GetRequiredService<IOptions<GridHttpOptions>>().Value;
                if (context.User.Identity is { IsAuthenticated: true, Name: { } key })
                {
                    return RateLimitPartition.GetTokenBucketLimiter("key:" + key, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = limits.BurstPerKey,
                        TokensPerPeriod = limits.PermitsPerSecondPerKey,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    });
                }
                var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                return RateLimitPartition.GetTokenBucketLimiter("ip:" + address, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.AnonymousPermitsPerSecond,
                    TokensPerPeriod = limits.AnonymousPermitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = $"This key (or address) is over its rate limit; retry after {seconds} s.",
                    },
                });
            };
        });
    }

    /// <summary>
    /// Refuses a body larger than the endpoint allows before it is read (413), and caps what a
    /// chunked body may stream. Runs after routing, so an endpoint's own limit is known.
    /// </summary>
    internal static async Task LimitBodySize(HttpContext context, RequestDelegate next)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize
                    ?? context.RequestServices.GetRequiredService<IOptions<GridHttpOptions>>().Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status413PayloadTooLarge,
                    Title = "The request body is too large",
                    Detail = $"At most {limit} bytes here.",
                },
            });
            return;
        }
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = limit;
        }
        else if (context.Request.ContentLength is null && feature is null)
        {
            // A server without the feature (an in-memory test server): cap the stream ourselves.
            context.Request.Body = new LimitedReadStream(context.Request.Body, limit);
        }
        await next(context);
    }

    /// <summary>
    /// Answers 504 when the handler has not produced its result within Http:RequestTimeout. The
    /// grain call goes on (its outcome is unknown to the caller, who retries with the same id);
    /// nothing was written to the response yet, so answering here is safe.
    /// </summary>
    internal static async ValueTask<object?> TimeoutFilter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var timeout = context.HttpContext.RequestServices.GetRequiredService<IOptions<GridHttpOptions>>().Value.RequestTimeout;
        var handler = next(context).AsTask();
        try
        {
            return await handler.WaitAsync(timeout);
        }
        catch (TimeoutException) when (!handler.IsCompleted)
        {
            return Results.Problem(statusCode: StatusCodes.Status504GatewayTimeout, title: "The grid did not answer in time",
                detail: $"No answer within {timeout.TotalSeconds:0.#} s. The outcome is unknown: retry with the same ids (submits and stock changes are idempotent).");
        }
    }

    private sealed class LimitedReadStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            if (_read > limit)
            {
                throw new BadHttpRequestException($"The request body is larger than {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
            }
            return read;
        }
    }
}
