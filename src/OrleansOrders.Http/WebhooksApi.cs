using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansOrders.Contracts;

namespace OrleansOrders.Http;

public sealed record WebhookBody(string? SubscriptionId, string? Url, string? Secret, List<string>? EventTypes);

/// <summary>Operators subscribe ERP, CRM or carrier endpoints to order events, and watch their delivery.</summary>
public static class WebhooksApi
{
    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/webhooks");
        hooks.MapPost("/", async (WebhookBody? body, IGrainFactory grains) =>
        {
            var subscription = new WebhookSubscription(body?.SubscriptionId ?? "", body?.Url ?? "", body?.Secret ?? "", body?.EventTypes ?? []);
            if (subscription.Validate() is { Count: > 0 } errors)
            {
                return Problems.Invalid(errors);
            }
            await grains.GetGrain<IWebhookRegistryGrain>(0).Subscribe(subscription);
            return Results.Ok(new { subscription.SubscriptionId, subscription.Url, subscription.EventTypes });
        });
        hooks.MapGet("/", async (IGrainFactory grains) =>
            Results.Ok((await grains.GetGrain<IWebhookRegistryGrain>(0).List()).Select(s => new { s.SubscriptionId, s.Url, s.EventTypes })));
        hooks.MapDelete("/{subscriptionId}", async (string subscriptionId, IGrainFactory grains) =>
            Identifiers.IsValid(subscriptionId) && await grains.GetGrain<IWebhookRegistryGrain>(0).Unsubscribe(subscriptionId)
                ? Results.NoContent()
                : Problems.NotFound($"No webhook subscription '{subscriptionId}'."));
        hooks.MapGet("/{subscriptionId}/status", async (string subscriptionId, IGrainFactory grains) =>
        {
            if (!Identifiers.IsValid(subscriptionId) ||
                !(await grains.GetGrain<IWebhookRegistryGrain>(0).List()).Any(s => s.SubscriptionId == subscriptionId))
            {
                return Problems.NotFound($"No webhook subscription '{subscriptionId}'.");
            }
            return Results.Ok(await grains.GetGrain<IWebhookDispatcherGrain>(subscriptionId).GetStatus());
        });
        return app;
    }
}
