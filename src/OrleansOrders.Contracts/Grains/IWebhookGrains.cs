namespace OrleansOrders.Contracts;

/// <summary>An HTTP endpoint (ERP, CRM, carrier) that receives order events, signed with its secret.</summary>
/// <param name="EventTypes">Event types to send (e.g. OrderAccepted, ShipmentShipped); empty for all.</param>
[GenerateSerializer, Immutable, Alias("oo.WebhookSubscription")]
public sealed record WebhookSubscription(
    [property: Id(0)] string SubscriptionId,
    [property: Id(1)] string Url,
    [property: Id(2)] string Secret,
    [property: Id(3)] IReadOnlyList<string> EventTypes)
{
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Identifiers.IsValid(SubscriptionId))
        {
            errors.Add("subscriptionId must be 1-64 letters, digits or . _ : -.");
        }
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || Url.Length > 2000)
        {
            errors.Add("url must be an absolute http or https URL.");
        }
        if (string.IsNullOrEmpty(Secret) || Secret.Length is < 16 or > 256)
        {
            errors.Add("secret must be 16-256 characters (it signs every delivery with HMAC-SHA256).");
        }
        if (EventTypes is null || EventTypes.Count > 50 || EventTypes.Any(t => !Identifiers.IsValid(t)))
        {
            errors.Add("eventTypes must be a list of event type names (empty for all).");
        }
        return errors;
    }
}

/// <summary>Webhook subscriptions. Key 0.</summary>
[Alias("oo.IWebhookRegistryGrain")]
public interface IWebhookRegistryGrain : IGrainWithIntegerKey
{
    [Alias("Subscribe")]
    Task Subscribe(WebhookSubscription subscription);

    [Alias("Unsubscribe")]
    Task<bool> Unsubscribe(string subscriptionId);

    [Alias("List"), ReadOnly]
    Task<IReadOnlyList<WebhookSubscription>> List();
}

[GenerateSerializer, Immutable, Alias("oo.WebhookDeadLetter")]
public sealed record WebhookDeadLetter(
    [property: Id(0)] string EventId,
    [property: Id(1)] string Type,
    [property: Id(2)] int Attempts,
    [property: Id(3)] string LastError,
    [property: Id(4)] DateTimeOffset At);

[GenerateSerializer, Immutable, Alias("oo.WebhookStatus")]
public sealed record WebhookStatus(
    [property: Id(0)] string SubscriptionId,
    [property: Id(1)] int Pending,
    [property: Id(2)] long Delivered,
    [property: Id(3)] long FailedAttempts,
    [property: Id(4)] IReadOnlyList<WebhookDeadLetter> DeadLetters);

/// <summary>Delivers one subscription's events in order, retrying with back-off; keyed by subscription id.</summary>
[Alias("oo.IWebhookDispatcherGrain")]
public interface IWebhookDispatcherGrain : IGrainWithStringKey
{
    [Alias("Enqueue")]
    Task Enqueue(IReadOnlyList<OrderEvent> events);

    [Alias("GetStatus"), ReadOnly]
    Task<WebhookStatus> GetStatus();
}
