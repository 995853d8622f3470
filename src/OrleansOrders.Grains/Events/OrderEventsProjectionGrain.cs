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
/// keeps the read models in step: the recent-orders list (one call per shard per 200 ms), each customer's orders, webhooks, and the
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
    /// <summary>How long the recent-orders list may lag the stream: its touches go in one call per shard per interval, not one per order.</summary>
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMilliseconds(200);
    private readonly List<string> _pendingTouches = [];
    private IGrainTimer? _touchTimer;
    private IReadOnlyList<WebhookSubscription>? _subscriptions;
    private DateTime _subscriptionsReadAt;
    private const int MaxIndexing = 1_000;
    private readonly Queue<Task> _indexing = new();

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

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        Task.WhenAll(FlushDemandAsync(), FlushTouchesAsync(), Task.WhenAll(_indexing));

    /// <summary>
    /// Adds the order to its customer's index without holding up the next delivery: a customer's first
    /// order of an activation reads the index from storage (milliseconds), and awaiting each in turn let
    /// the shard fall behind the stream at a few thousand orders/s (0.2 of the orders indexed by the end
    /// of a 15 s run). At most <see cref="MaxIndexing"/> are in flight; past that, the delivery waits for
    /// the oldest. Entries are keyed by order id, so their order does not matter.
    /// </summary>
    private void IndexLater(OrderEvent accepted)
    {
        while (_indexing.TryPeek(out var oldest) && oldest.IsCompleted)
        {
            _indexing.Dequeue();
        }
        _indexing.Enqueue(IndexAsync(accepted));
    }

    private async Task IndexAsync(OrderEvent accepted)
    {
        try
        {
            await GrainFactory.Reference<ICustomerOrdersGrain>(accepted.CustomerId).Add(accepted.OrderId, accepted.At);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Order events projection {Shard}: order {Order} not added to customer {Customer}'s index",
                this.GetPrimaryKeyString(), accepted.OrderId, accepted.CustomerId);
        }
    }

    /// <summary>Waits while more customer-index adds are in flight than the bound.</summary>
    private async Task IndexBackpressure()
    {
        while (_indexing.Count > MaxIndexing)
        {
            await _indexing.Dequeue(); // never throws: IndexAsync logs its failures
        }
    }

    /// <summary>Queues the order for the recent-orders list; the first queued arms a one-shot timer (none runs while nothing waits).</summary>
    private void TouchLater(string orderId)
    {
        _pendingTouches.Add(orderId);
        if (_pendingTouches.Count == 1)
        {
            _touchTimer ??= this.RegisterGrainTimer(_ => FlushTouchesAsync(), new GrainTimerCreationOptions(TouchInterval, Timeout.InfiniteTimeSpan) { KeepAlive = false });
            _touchTimer.Change(TouchInterval, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Tells the recent-orders list what changed since the last flush (a cache: a failed call only leaves it staler).</summary>
    private async Task FlushTouchesAsync()
    {
        if (_pendingTouches.Count == 0)
        {
            return;
        }
        var batch = _pendingTouches.ToList();
        _pendingTouches.Clear();
        try
        {
            await GrainFactory.Reference<IRecentOrdersFeed>(0).TouchMany(batch);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Order events projection {Shard}: {Count} recent orders not passed on", this.GetPrimaryKeyString(), batch.Count);
        }
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
        // A message carries the events of every order its silo published in an interval.
        foreach (var orderId in fresh.Select(e => e.OrderId).Distinct(StringComparer.Ordinal))
        {
            TouchLater(orderId);
        }
        var tasks = new List<Task>();
        foreach (var subscription in await Subscriptions())
        {
            var wanted = fresh.Where(e => subscription.EventTypes.Count == 0 || subscription.EventTypes.Contains(e.Type)).ToList();
            if (wanted.Count > 0)
            {
                tasks.Add(GrainFactory.Reference<IWebhookDispatcherGrain>(subscription.SubscriptionId).Enqueue(wanted));
            }
        }
        foreach (var accepted in fresh.Where(e => e.Kind == OrderEventKind.OrderAccepted && e.CustomerId.Length > 0))
        {
            IndexLater(accepted);
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
        await IndexBackpressure();
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
            await GrainFactory.Reference<IOpportunityCostGrain>(0).RecordDemand(batch);
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
            _subscriptions = await GrainFactory.Reference<IWebhookRegistryGrain>(0).List();
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
