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
/// keeps the read models in step: the recent-orders list, each customer's orders, webhooks, and the
/// demand sample of the opportunity-cost forecast (batched: one call per flush interval, not per
/// order). Drops duplicates by event id, since publishing is at least once.
/// </summary>
[ImplicitStreamSubscription(OrderEventStreams.Namespace)]
public sealed class OrderEventsProjectionGrain(
    IOptions<GridOptions> options,
    ILogger<OrderEventsProjectionGrain> logger) : Grain, IOrderEventsProjectionGrain
{
    private const int RememberedOrders = 50_000;
    private readonly Dictionary<string, long> _lastSequence = new(StringComparer.Ordinal);
    private readonly Queue<string> _remembered = new();
    /// <summary>Most demand samples held for the next flush; past it the oldest go (the forecast is a sample).</summary>
    private const int MaxPendingDemand = 10_000;
    private readonly List<DemandSample> _pendingDemand = [];
    private IReadOnlyList<WebhookSubscription>? _subscriptions;
    private DateTime _subscriptionsReadAt;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var costs = options.Value.OpportunityCost;
        if (costs.Enabled)
        {
            this.RegisterGrainTimer(FlushDemandAsync, costs.DemandFlushInterval, costs.DemandFlushInterval);
        }
        var stream = this.GetStreamProvider(options.Value.EventStreamProvider)
            .GetStream<OrderEventBatch>(OrderEventStreams.Namespace, this.GetPrimaryKeyString());
        await stream.SubscribeAsync((batch, _) => Apply(batch));
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => FlushDemandAsync();

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
        foreach (var accepted in fresh.Where(e => e.Kind == OrderEventKind.OrderAccepted && e.CustomerId.Length > 0))
        {
            tasks.Add(GrainFactory.GetGrain<ICustomerOrdersGrain>(accepted.CustomerId).Add(accepted.OrderId, accepted.At));
        }
        if (options.Value.OpportunityCost.Enabled)
        {
            _pendingDemand.AddRange(fresh.Select(e => e.Demand).OfType<DemandSample>());
            if (_pendingDemand.Count > MaxPendingDemand)
            {
                _pendingDemand.RemoveRange(0, _pendingDemand.Count - MaxPendingDemand);
            }
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

    /// <summary>Passes the demand seen since the last flush on; a failed call keeps it for the next.</summary>
    private async Task FlushDemandAsync()
    {
        if (_pendingDemand.Count == 0)
        {
            return;
        }
        var batch = _pendingDemand.ToList();
        _pendingDemand.Clear();
        try
        {
            await GrainFactory.GetGrain<IOpportunityCostGrain>(0).RecordDemand(batch);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Order events projection {Shard}: demand not passed on; will retry", this.GetPrimaryKeyString());
            _pendingDemand.InsertRange(0, batch);
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
