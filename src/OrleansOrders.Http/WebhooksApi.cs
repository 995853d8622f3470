using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansOrders.Contracts;
using OrleansOrders.Http.OpenApi;

namespace OrleansOrders.Http;

public sealed record WebhookBody([property: Required] string? SubscriptionId, [property: Required] string? Url, [property: Required] string? Secret, List<string>? EventTypes);

/// <summary>A subscription as the API shows it: never its secret.</summary>
public sealed record WebhookSubscriptionView(string SubscriptionId, string Url, IReadOnlyList<string> EventTypes)
{
    public static WebhookSubscriptionView Of(WebhookSubscription s) => new(s.SubscriptionId, s.Url, s.EventTypes);
}

/// <summary>Operators subscribe ERP, CRM or carrier endpoints to order events, and watch their delivery.</summary>
public static class WebhooksApi
{
    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        const int Invalid = StatusCodes.Status400BadRequest, Unknown = StatusCodes.Status404NotFound;
        var hooks = app.MapGroup("/webhooks").WithTags("Webhooks");
        hooks.MapPost("", async (WebhookBody? body, IGrainFactory grains) =>
        {
            var subscription = new WebhookSubscription(body?.SubscriptionId ?? "", body?.Url ?? "", body?.Secret ?? "", body?.EventTypes ?? []);
            if (subscription.Validate() is { Count: > 0 } errors)
            {
                return Problems.Invalid(errors);
            }
            await grains.Reference<IWebhookRegistryGrain>(0).Subscribe(subscription);
            return Results.Ok(WebhookSubscriptionView.Of(subscription));
        }).Answers<WebhookSubscriptionView>("Subscribe", "Subscribe an endpoint to order events (signed with the secret)", Invalid);
        hooks.MapGet("", async (IGrainFactory grains) =>
                Results.Ok((await grains.Reference<IWebhookRegistryGrain>(0).List()).Select(WebhookSubscriptionView.Of).ToList()))
            .Answers<IReadOnlyList<WebhookSubscriptionView>>("ListWebhooks", "The webhook subscriptions");
        hooks.MapDelete("/{subscriptionId}", async (string subscriptionId, IGrainFactory grains) =>
            Identifiers.IsValid(subscriptionId) && await grains.Reference<IWebhookRegistryGrain>(0).Unsubscribe(subscriptionId)
                ? Results.NoContent()
                : Problems.NotFound($"No webhook subscription '{subscriptionId}'."))
            .WithName("Unsubscribe").WithSummary("Remove a webhook subscription").Produces(StatusCodes.Status204NoContent).ProducesProblem(Unknown);
        hooks.MapGet("/{subscriptionId}/status", async (string subscriptionId, IGrainFactory grains) =>
        {
            if (!Identifiers.IsValid(subscriptionId) ||
                !(await grains.Reference<IWebhookRegistryGrain>(0).List()).Any(s => s.SubscriptionId == subscriptionId))
            {
                return Problems.NotFound($"No webhook subscription '{subscriptionId}'.");
            }
            return Results.Ok(await grains.Reference<IWebhookDispatcherGrain>(subscriptionId).GetStatus());
        }).Answers<WebhookStatus>("GetWebhookStatus", "A subscription's deliveries, failures and dead letters", Unknown);
        return app;
    }
}
