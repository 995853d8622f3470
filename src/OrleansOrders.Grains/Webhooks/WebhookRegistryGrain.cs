using OrleansOrders.Contracts;
using OrleansOrders.Grains.Events;

namespace OrleansOrders.Grains.Webhooks;

[GenerateSerializer, Alias("oo.WebhookRegistryState")]
public sealed class WebhookRegistryState
{
    [Id(0)] public int SchemaVersion { get; set; } = 1;
    [Id(1)] public Dictionary<string, WebhookSubscription> Subscriptions { get; set; } = new(StringComparer.Ordinal);
}

public sealed class WebhookRegistryGrain(
    [PersistentState("webhooks", GridOptions.StorageName)] IPersistentState<WebhookRegistryState> state) : Grain, IWebhookRegistryGrain
{
    async Task IWebhookRegistryGrain.Subscribe(WebhookSubscription subscription)
    {
        if (subscription.Validate() is { Count: > 0 } errors)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(subscription));
        }
        state.State.Subscriptions[subscription.SubscriptionId] = subscription;
        await state.WriteStateAsync();
        await TellProjections();
    }

    /// <summary>Every event shard's projection caches the subscriptions; tell them to read again.</summary>
    private Task TellProjections() => Task.WhenAll(Enumerable.Range(0, OrderEventStreams.Shards).Select(shard =>
        GrainFactory.Reference<IOrderEventsProjectionGrain>(shard.ToString(System.Globalization.CultureInfo.InvariantCulture)).SubscriptionsChanged()));

    async Task<bool> IWebhookRegistryGrain.Unsubscribe(string subscriptionId)
    {
        if (!state.State.Subscriptions.Remove(subscriptionId))
        {
            return false;
        }
        await state.WriteStateAsync();
        await TellProjections();
        return true;
    }

    Task<IReadOnlyList<WebhookSubscription>> IWebhookRegistryGrain.List() =>
        Task.FromResult<IReadOnlyList<WebhookSubscription>>(state.State.Subscriptions.Values.ToList());
}
