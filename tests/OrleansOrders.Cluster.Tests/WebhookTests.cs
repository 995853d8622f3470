using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains.Webhooks;

namespace OrleansOrders.Cluster.Tests;

/// <summary>Webhooks against a local test receiver: signatures, retries with back-off, dead letters.</summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class WebhookTests(GridClusterFixture fixture) : IAsyncLifetime
{
    private const string Secret = "test-secret-0123456789";
    private readonly IGrainFactory _grains = fixture.Grains;
    private readonly ConcurrentQueue<(string Path, string EventId, string Signature, byte[] Body, int Status)> _received = new();
    private WebApplication _receiver = null!;
    private int _flakyFailuresLeft = 2;
    private string _baseUrl = "";

    public async Task InitializeAsync()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            _baseUrl = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(_baseUrl);
        builder.Logging.ClearProviders();
        _receiver = builder.Build();
        _receiver.MapPost("/{kind}", async (string kind, HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            var status = kind switch
            {
                "flaky" when Interlocked.Decrement(ref _flakyFailuresLeft) >= 0 => 503,
                "down" => 500,
                _ => 200,
            };
            _received.Enqueue((kind, request.Headers[WebhookSender.EventIdHeader].ToString(), request.Headers[WebhookSender.SignatureHeader].ToString(), buffer.ToArray(), status));
            return Results.StatusCode(status);
        });
        await _receiver.StartAsync();
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task Events_are_signed_retried_until_delivered_and_dead_lettered_after_the_bound()
    {
        var net = new TestNetwork(_grains, "hook");
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 10);
        await net.WaitForAvailability(sku, 10);
        var registry = _grains.GetGrain<IWebhookRegistryGrain>(0);
        await registry.Subscribe(new WebhookSubscription("erp-flaky", $"{_baseUrl}/flaky", Secret, []));
        await registry.Subscribe(new WebhookSubscription("crm-down", $"{_baseUrl}/down", Secret, ["OrderAccepted"]));
        await Assert.ThrowsAsync<ArgumentException>(() => registry.Subscribe(new WebhookSubscription("bad", "ftp://x", "short", [])));

        var placed = await _grains.GetGrain<IOrderGrain>("hook-o1").Submit(net.Order("hook-o1", TestNetwork.NewYork, (sku, 1)));
        Assert.Equal(OrderStatus.Allocated, placed.Order!.Status); // the order never waits for webhooks

        var ours = new[] { "hook-o1:1", "hook-o1:2" };
        await Eventually.True(() => Task.FromResult(ours.All(id => _received.Any(r => r.Path == "flaky" && r.EventId == id && r.Status == 200))),
            "both events of hook-o1 to reach the flaky receiver with a success");
        // Delivered in order, each exactly once with success (the refused attempts were retried).
        Assert.Equal(ours, _received.Where(r => r.Path == "flaky" && r.Status == 200 && ours.Contains(r.EventId)).Select(r => r.EventId).ToArray());
        foreach (var (_, _, signature, body, _) in _received.Where(r => ours.Contains(r.EventId)))
        {
            Assert.Equal(WebhookSender.Sign(Secret, body), signature); // the receiver can verify every delivery
            Assert.Contains("hook-o1", System.Text.Encoding.UTF8.GetString(body));
        }
        var flakyStatus = await _grains.GetGrain<IWebhookDispatcherGrain>("erp-flaky").GetStatus();
        Assert.True(flakyStatus.FailedAttempts >= 2, $"expected the two refused deliveries to be retried, saw {flakyStatus.FailedAttempts} failures");
        Assert.Empty(flakyStatus.DeadLetters);

        await Eventually.True(async () => (await _grains.GetGrain<IWebhookDispatcherGrain>("crm-down").GetStatus()).DeadLetters.Any(d => d.EventId == "hook-o1:1"),
            "the accepted event to be dead-lettered for the endpoint that is down");
        var down = await _grains.GetGrain<IWebhookDispatcherGrain>("crm-down").GetStatus();
        var dead = down.DeadLetters.First(d => d.EventId == "hook-o1:1");
        Assert.Equal(4, dead.Attempts);
        Assert.Equal("HTTP 500", dead.LastError);
        Assert.Equal(4, _received.Count(r => r.Path == "down" && r.EventId == "hook-o1:1"));
        Assert.DoesNotContain(_received, r => r.Path == "down" && r.EventId == "hook-o1:2"); // filtered: OrderAccepted only

        await registry.Unsubscribe("erp-flaky");
        await registry.Unsubscribe("crm-down");
    }
}
