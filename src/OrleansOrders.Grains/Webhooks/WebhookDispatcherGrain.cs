using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Webhooks;

[GenerateSerializer, Alias("oo.WebhookDispatcherState")]
public sealed class WebhookDispatcherState
{
    [Id(0)] public int SchemaVersion { get; set; } = 1;
    [Id(1)] public List<OrderEvent> Queue { get; set; } = [];
    [Id(2)] public int HeadAttempts { get; set; }
    [Id(3)] public DateTimeOffset NextAttemptAt { get; set; }
    [Id(4)] public long Delivered { get; set; }
    [Id(5)] public long FailedAttempts { get; set; }
    [Id(6)] public List<WebhookDeadLetter> DeadLetters { get; set; } = [];
}

// Reentrant so that Enqueue (called by the event projection) is never held up by a slow endpoint:
// the delivery loop runs one send at a time (guarded by _sending) and only touches the head of the
// queue, while Enqueue only appends.
[Reentrant]
public sealed class WebhookDispatcherGrain(
    [PersistentState("webhook", GridOptions.StorageName)] IPersistentState<WebhookDispatcherState> state,
    WebhookSender sender,
    IOptions<GridOptions> options,
    ILogger<WebhookDispatcherGrain> logger) : Grain, IWebhookDispatcherGrain
{
    private const int MaxDeadLetters = 1000;
    private readonly GridOptions _options = options.Value;
    private bool _sending;
    private bool _dirty;

    private WebhookDispatcherState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(DeliverDue, new GrainTimerCreationOptions(_options.WebhookPollInterval, _options.WebhookPollInterval) { Interleave = true, KeepAlive = true });
        this.RegisterGrainTimer(Flush, _options.SoftStateFlushInterval, _options.SoftStateFlushInterval);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Flush();

    Task IWebhookDispatcherGrain.Enqueue(IReadOnlyList<OrderEvent> events)
    {
        S.Queue.AddRange(events);
        _dirty = true;
        return Task.CompletedTask;
    }

    Task<WebhookStatus> IWebhookDispatcherGrain.GetStatus() =>
        Task.FromResult(new WebhookStatus(this.GetPrimaryKeyString(), S.Queue.Count, S.Delivered, S.FailedAttempts, S.DeadLetters.ToList()));

    /// <summary>Sends due events in order; a failure backs off exponentially, and after the bound the event is dead-lettered.</summary>
    private async Task DeliverDue()
    {
        if (_sending || S.Queue.Count == 0 || DateTimeOffset.UtcNow < S.NextAttemptAt)
        {
            return;
        }
        _sending = true;
        try
        {
            var subscription = (await GrainFactory.Reference<IWebhookRegistryGrain>(0).List())
                .FirstOrDefault(s => s.SubscriptionId == this.GetPrimaryKeyString());
            if (subscription is null)
            {
                S.Queue.Clear(); // unsubscribed: nothing more to send
                _dirty = true;
                return;
            }
            while (S.Queue.Count > 0 && DateTimeOffset.UtcNow >= S.NextAttemptAt)
            {
                var head = S.Queue[0];
                var error = await sender.Send(subscription, head, CancellationToken.None);
                if (error is null)
                {
                    S.Queue.RemoveAt(0);
                    S.Delivered++;
                    S.HeadAttempts = 0;
                    S.NextAttemptAt = default;
                }
                else
                {
                    S.FailedAttempts++;
                    S.HeadAttempts++;
                    if (S.HeadAttempts >= _options.WebhookMaxAttempts)
                    {
                        logger.LogWarning("Webhook {Subscription}: event {Event} dead-lettered after {Attempts} attempts ({Error})",
                            subscription.SubscriptionId, head.EventId, S.HeadAttempts, error);
                        S.DeadLetters.Add(new WebhookDeadLetter(head.EventId, head.Type, S.HeadAttempts, error, DateTimeOffset.UtcNow));
                        if (S.DeadLetters.Count > MaxDeadLetters)
                        {
                            S.DeadLetters.RemoveAt(0);
                        }
                        S.Queue.RemoveAt(0);
                        S.HeadAttempts = 0;
                        S.NextAttemptAt = default;
                    }
                    else
                    {
                        var backoff = _options.WebhookBackoff * Math.Pow(2, S.HeadAttempts - 1);
                        S.NextAttemptAt = DateTimeOffset.UtcNow + (backoff < TimeSpan.FromMinutes(5) ? backoff : TimeSpan.FromMinutes(5));
                    }
                }
                _dirty = true;
            }
        }
        finally
        {
            _sending = false;
        }
    }

    private async Task Flush()
    {
        if (!_dirty)
        {
            return;
        }
        _dirty = false;
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception ex)
        {
            _dirty = true;
            logger.LogWarning(ex, "Webhook {Subscription}: saving the queue failed, will retry", this.GetPrimaryKeyString());
        }
    }
}
