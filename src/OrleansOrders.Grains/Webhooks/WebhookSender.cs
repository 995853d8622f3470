using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Webhooks;

/// <summary>
/// Posts one event to a webhook, signed: <c>X-OrleansOrders-Signature: sha256=HEX</c> is the
/// HMAC-SHA256 of the exact body with the subscription's secret; <c>X-OrleansOrders-Event-Id</c>
/// lets the receiver drop duplicates (delivery is at least once). One shared HttpClient, so
/// connections are pooled across all dispatchers of the silo.
/// </summary>
public sealed class WebhookSender
{
    public const string SignatureHeader = "X-OrleansOrders-Signature";
    public const string EventIdHeader = "X-OrleansOrders-Event-Id";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body)).ToLowerInvariant();

    /// <summary>Null on success (2xx), else why it failed.</summary>
    public async Task<string?> Send(WebhookSubscription subscription, OrderEvent orderEvent, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(orderEvent, Json);
        using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(SignatureHeader, Sign(subscription.Secret, body));
        request.Headers.Add(EventIdHeader, orderEvent.EventId);
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return ex.GetType().Name + ": " + ex.Message;
        }
    }
}
