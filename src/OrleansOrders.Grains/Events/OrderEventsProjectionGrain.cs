using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Events;

[Alias("oo.IOrderEventsProjectionGrain")]
public interface IOrderEventsProjectionGrain : IGrainWithStringKey
{
    /// <summary>Webhook subscriptions changed: read them again before the next batch.</summary>
    [Alias("SubscriptionsChanged")]
    Task SubscriptionsChanged();
}

/// <summary>
/// Consumes one shard of the order-events stream (implicitly subscribed: every shard has one) and
/// keeps the read models in step: the recent-orders list and each customer's orders. Drops
/// duplicates by event id, since publishing is at least once.
/// </summary>
[ImplicitStreamSubscription(OrderEventStreams.Namespace)]
public sealed class OrderEventsProjectionGrain(
    IOptions<GridOptions> options,
    ILogger<OrderEventsProjectionGrain> logger) : Grain, IOrderEventsProjectionGrain
{
    private const int RememberedOrders = 50_000;
    private readonly Dictionary<string, long> _lastSequence = new(StringComparer.Ordinal);
    private readonly Queue<string> _remembered = new();
    private IReadOnlyList<WebhookSubscription>? _subscriptions;
    private DateTime _subscriptionsReadAt;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stream = this.GetStreamProvider(options.Value.EventStreamProvider)
            .GetStream<OrderEventBatch>(OrderEventStreams.Namespace, this.GetPrimaryKeyString());
        await stream.SubscribeAsync((batch, _) => Apply(batch));
    }

    Task IOrderEventsProjectionGrain.SubscriptionsChanged()
    {
        _subscriptions = null;
        return Task.CompletedTask;
    }

    private async Task Apply(OrderEventBatch batch)
    {
        var fresh = batch.Events.Where(IsNew).ToList();
        if (fresh.Count == 0)
        {
            return;
        }
        var latest = fresh[^1];
        var tasks = new List<Task> { GrainFactory.GetGrain<IRecentOrdersFeed>(0).Touch(latest.OrderId, latest.At) };
        foreach (var subscription in await Subscriptions())
        {
            var wanted = fresh.Where(e => subscription.EventTypes.Count == 0 || subscription.EventTypes.Contains(e.Type)).ToList();
            if (wanted.Count > 0)
            {
                tasks.Add(GrainFactory.GetGrain<IWebhookDispatcherGrain>(subscription.SubscriptionId).Enqueue(wanted));
            }
        }
        foreach (var accepted in fresh.Where(e => e.Type == "OrderAccepted" && e.CustomerId.Length > 0))
        {
            tasks.Add(GrainFactory.GetGrain<ICustomerOrdersGrain>(accepted.CustomerId).Add(accepted.OrderId, accepted.At));
        }
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Order events projection {Shard}: updating read models failed", this.GetPrimaryKeyString());
        }
    }

    /// <summary>Subscriptions, cached until the registry says they changed (and at most a minute).</summary>
    private async Task<IReadOnlyList<WebhookSubscription>> Subscriptions()
    {
        if (_subscriptions is null || DateTime.UtcNow - _subscriptionsReadAt > TimeSpan.FromMinutes(1))
        {
            _subscriptions = await GrainFactory.GetGrain<IWebhookRegistryGrain>(0).List();
            _subscriptionsReadAt = DateTime.UtcNow;
        }
        return _subscriptions;
    }

    private bool IsNew(OrderEvent e)
    {
        if (_lastSequence.TryGetValue(e.OrderId, out var last) && e.Sequence <= last)
        {
            return false;
        }
        if (!_lastSequence.ContainsKey(e.OrderId))
        {
            _remembered.Enqueue(e.OrderId);
            if (_remembered.Count > RememberedOrders)
            {
                _lastSequence.Remove(_remembered.Dequeue());
            }
        }
        _lastSequence[e.OrderId] = e.Sequence;
        return true;
    }
}
