using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansOrders.Contracts;
using OrleansOrders.Http.OpenApi;

namespace OrleansOrders.Http;

/// <summary>
/// The grid's HTTP API: orders, network availability, nodes and stock. Refusals are problem
/// details: 400 for bad input, 404 for unknown ids, 409 for idempotency conflicts and orders past
/// cancelling. A refused request changes nothing.
/// </summary>
public static class OrderGridApi
{
    /// <summary>
    /// Everything the HTTP front door needs, the same in the silo and the standalone gateway:
    /// API keys and roles (<see cref="GridPolicies"/>), rate limits per key, body size limits,
    /// timeouts, problem details. Bad key configuration stops the start with a message naming
    /// the setting; outside Development, no keys means no start.
    /// </summary>
    public static WebApplicationBuilder AddOrderGridHttp(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var registry = ApiKeyRegistry.FromConfiguration(builder.Configuration, builder.Environment.IsDevelopment());
        services.AddSingleton(registry);

        var httpSection = builder.Configuration.GetSection(GridHttpOptions.SectionName);
        var limits = httpSection.Get<GridHttpOptions>() ?? new GridHttpOptions();
        if (limits.Validate().ToList() is { Count: > 0 } problems)
        {
            throw new InvalidOperationException("Invalid configuration: " + string.Join(" ", problems));
        }
        services.AddOptions<GridHttpOptions>().Bind(httpSection);

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(GridPolicies.Storefront, p => p.RequireAuthenticatedUser().RequireRole(GridRoles.Storefront))
            .AddPolicy(GridPolicies.Operator, p => p.RequireAuthenticatedUser().RequireRole(GridRoles.Operator))
            // An endpoint that names no policy still needs a recognised key; anonymous ones say so.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        GridHttp.AddGridRateLimiting(services);

        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            // Malformed JSON, wrong types and out-of-range numbers fail binding before a handler
            // runs; say what was wrong instead of a bare 400.
            if (context.Exception is BadHttpRequestException bad)
            {
                context.ProblemDetails.Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large" : "The request is not valid";
                context.ProblemDetails.Detail = bad.InnerException is { } inner ? $"{bad.Message} {inner.Message}" : bad.Message;
            }
            else if (context.Exception is not null && GridHttp.UnavailableStatus(context.Exception) is { } status)
            {
                context.ProblemDetails.Title = status == StatusCodes.Status504GatewayTimeout ? "The grid did not answer in time" : "The grid is unavailable";
                context.ProblemDetails.Detail = "The outcome is unknown: retry with the same ids (submits and stock changes are idempotent).";
                context.HttpContext.Response.Headers.RetryAfter = GridHttp.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        });
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
        // Binding failures become exceptions so the exception handler can describe them (see above).
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return builder;
    }

    /// <summary>The front door's middleware, in order: errors as problem details, routing, key, rate limit, body limit, role.</summary>
    public static WebApplication UseOrderGridHttp(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode
                : GridHttp.UnavailableStatus(ex) ?? StatusCodes.Status500InternalServerError,
            // A malformed request is the caller's problem, answered with a 4xx: not an error to log
            // (anyone could flood the log with broken JSON). Everything else is still logged.
            SuppressDiagnosticsCallback = context => context.Exception is BadHttpRequestException,
        });
        app.UseStatusCodePages();
        app.Use(GridHttp.SecurityHeaders);
        app.Use(GridHttp.RequireReadableBody);
        app.UseRouting();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.Use(GridHttp.LimitBodySize);
        app.UseAuthorization();
        GridHttp.AnnounceDevelopmentKeys(app);
        return app;
    }

    /// <summary>
    /// Maps the whole API (orders, availability, nodes and stock, lifecycle, stock feed, webhooks,
    /// the operator page and its JSON), behind keys and with the request timeout, plus an
    /// anonymous <c>/health</c>. Answers the group so a host can add endpoints under the same rules.
    /// </summary>
    public static RouteGroupBuilder MapOrderGrid(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", () => Results.Ok(new HealthStatus("ok"))).AllowAnonymous().DisableRateLimiting().WithTags("Health")
            .Answers<HealthStatus>("Health", "The process is up (no key needed)");

        var grid = app.MapGroup("").DocumentFrontDoorRefusals();
        grid.AddEndpointFilter(GridHttp.TimeoutFilter);
        grid.MapOrderGridApi();
        // Lifecycle endpoints need a key of either role until each names its own policy.
        grid.MapOrderLifecycleApi();
        grid.MapGroup("").RequireAuthorization(GridPolicies.Operator).WithBodyLimit(8 * 1024 * 1024).MapStockFeedApi();
        grid.MapGroup("").RequireAuthorization(GridPolicies.Operator).MapWebhooksApi();
        grid.MapOperatorPage();
        return grid;
    }

    /// <summary>Orders and availability (storefront role); nodes and stock (operator role).</summary>
    public static IEndpointRouteBuilder MapOrderGridApi(this IEndpointRouteBuilder app)
    {
        const int BadInput = StatusCodes.Status400BadRequest, Unknown = StatusCodes.Status404NotFound, Conflict = StatusCodes.Status409Conflict;
        var orders = app.MapGroup("/orders").RequireAuthorization(GridPolicies.Storefront).WithTags("Orders");
        // "" rather than "/": the route is /orders (a trailing slash still matches), as clients are told.
        orders.MapPost("", SubmitOrder)
            .Answers<OrderView>(StatusCodes.Status201Created, "SubmitOrder", "Submit an order: allocated, held and committed, or backordered", BadInput, Conflict)
            .Produces<OrderView>(StatusCodes.Status200OK)
            .WithDescription("Idempotent on orderId: the same body again answers 200 with the same result; another body under the same id is a 409.");
        orders.MapGet("/{orderId}", GetOrder).Answers<OrderView>("GetOrder", "An order: status, parcels, what is backordered", BadInput, Unknown);
        orders.MapPost("/{orderId}/cancel", CancelOrder)
            .Answers<OrderView>("CancelOrder", "Cancel an order, releasing exactly the stock and capacity it took", BadInput, Unknown, Conflict);

        app.MapGet("/availability/{sku}", GetAvailability).RequireAuthorization(GridPolicies.Storefront).WithTags("Availability")
            .Answers<NetworkAvailability>("GetAvailability", "Network availability (ATP) of a SKU, per node", BadInput, Unknown);

        var nodes = app.MapGroup("/nodes").RequireAuthorization(GridPolicies.Operator).WithTags("Nodes and stock");
        nodes.MapGet("/{nodeId}", GetNode).Answers<NodeView>("GetNode", "A fulfilment node", BadInput, Unknown);
        nodes.MapPatch("/{nodeId}", UpdateNode)
            .Answers<NodeView>("UpdateNode", "Change a node's status, daily capacity, cutoff, priority or service radius", BadInput, Unknown);
        nodes.MapGet("/{nodeId}/stock/{sku}", GetStock).Answers<StockSnapshot>("GetStock", "A SKU's stock at a node", BadInput, Unknown);
        nodes.MapPut("/{nodeId}/stock/{sku}", SetStock)
            .Answers<StockSnapshot>("SetStock", "Set a SKU's on hand and safety stock at a node (idempotent with Idempotency-Key)", BadInput, Unknown);
        nodes.MapStockTermsApi();
        return app;
    }

    private static async Task<IResult> SubmitOrder(SubmitOrderBody? body, IGrainFactory grains)
    {
        if (body is null)
        {
            return Invalid(["The request body must be a JSON order."]);
        }
        var request = body.ToRequest();
        var errors = OrderRequestValidator.Validate(request);
        if (errors.Count > 0)
        {
            return Invalid(errors);
        }
        var result = await grains.Reference<IOrderGrain>(request.OrderId).Submit(request);
        return result.Outcome switch
        {
            SubmitOutcome.Accepted => Results.Created($"/orders/{request.OrderId}", result.Order),
            SubmitOutcome.Replayed => Results.Ok(result.Order),
            SubmitOutcome.Conflict => Problem(StatusCodes.Status409Conflict, "Order id already used", string.Join(" ", result.Errors)),
            _ => Invalid(result.Errors),
        };
    }

    private static async Task<IResult> GetOrder(string orderId, IGrainFactory grains)
    {
        if (!Identifiers.IsValid(orderId))
        {
            return Invalid(["orderId is not a valid id."]);
        }
        var order = await grains.Reference<IOrderGrain>(orderId).Get();
        return order is null ? NotFound($"Order '{orderId}' does not exist.") : Results.Ok(order);
    }

    private static async Task<IResult> CancelOrder(string orderId, [FromBody] CancelOrderBody? body, IGrainFactory grains)
    {
        if (!Identifiers.IsValid(orderId))
        {
            return Invalid(["orderId is not a valid id."]);
        }
        if (body?.Reason is { Length: > 500 })
        {
            return Invalid(["reason is at most 500 characters."]);
        }
        var result = await grains.Reference<IOrderGrain>(orderId).Cancel(body?.Reason ?? "cancelled by customer");
        return result.Outcome switch
        {
            CancelOutcome.Cancelled or CancelOutcome.AlreadyCancelled => Results.Ok(result.Order),
            CancelOutcome.NotFound => NotFound(result.Reason),
            _ => Problem(StatusCodes.Status409Conflict, "Order can no longer be cancelled", result.Reason),
        };
    }

    private static async Task<IResult> GetAvailability(string sku, IGrainFactory grains)
    {
        if (!Identifiers.IsValid(sku))
        {
            return Invalid(["sku is not a valid id."]);
        }
        var availability = await grains.Reference<ISkuAvailabilityGrain>(sku).Get();
        return availability.Known ? Results.Ok(availability) : NotFound($"SKU '{sku}' is not stocked at any node.");
    }

    private static async Task<IResult> GetNode(string nodeId, IGrainFactory grains)
    {
        if (!Identifiers.IsValid(nodeId))
        {
            return Invalid(["nodeId is not a valid id."]);
        }
        var node = await grains.Reference<IFulfilmentNodeGrain>(nodeId).Get();
        return node is null ? NotFound($"Node '{nodeId}' does not exist.") : Results.Ok(node);
    }

    /// <summary>
    /// A profile valid in every respect, to check an update's own fields with the profile's validator
    /// before any grain is touched: the messages are the validator's, the node grain checks again.
    /// </summary>
    private static readonly NodeProfile ValidProfile = new(
        "validation", "validation", NodeKind.DistributionCentre, "validation", new Location(0, 0), NodeCapabilities.ShipToHome, 0);

    private static async Task<IResult> UpdateNode(string nodeId, NodeUpdateBody? body, IGrainFactory grains)
    {
        var errors = new List<string>();
        if (!Identifiers.IsValid(nodeId))
        {
            errors.Add("nodeId is not a valid id.");
        }
        if (body is null || body.ChangesNothing)
        {
            errors.Add("Send at least one of status (Open, Paused, Closed), dailyCapacity, cutoffUtc, priority, serviceRadiusKm, clearCutoff and clearServiceRadius.");
        }
        if (body?.Status is { } status && !Enum.IsDefined(status))
        {
            errors.Add("status must be Open, Paused or Closed.");
        }
        if (body?.DailyCapacity is < 0 or > 10_000_000)
        {
            errors.Add("dailyCapacity must be between 0 and 10000000.");
        }
        if (body?.CutoffUtc is not null && body.ParsedCutoff is null)
        {
            errors.Add("cutoffUtc must be a UTC time of day as HH:mm (00:00 to 23:59).");
        }
        if (body?.CutoffUtc is not null && body.ClearCutoff == true)
        {
            errors.Add("Send either cutoffUtc or clearCutoff, not both.");
        }
        if (body?.ServiceRadiusKm is not null && body.ClearServiceRadius == true)
        {
            errors.Add("Send either serviceRadiusKm or clearServiceRadius, not both.");
        }
        if (errors.Count == 0)
        {
            errors.AddRange(body!.ToUpdate().ApplyTo(ValidProfile).Validate());
        }
        if (errors.Count > 0)
        {
            return Invalid(errors);
        }
        try
        {
            var node = await grains.Reference<IFulfilmentNodeGrain>(nodeId).Update(body!.ToUpdate());
            return node is null ? NotFound($"Node '{nodeId}' does not exist.") : Results.Ok(node);
        }
        catch (ArgumentException ex)
        {
            return Invalid([GridErrors.Message(ex)]);
        }
    }

    private static async Task<IResult> GetStock(string nodeId, string sku, IGrainFactory grains)
    {
        if (!Identifiers.IsValid(nodeId) || !Identifiers.IsValid(sku))
        {
            return Invalid(["nodeId and sku must be valid ids."]);
        }
        if (await grains.Reference<IFulfilmentNodeGrain>(nodeId).Get() is null)
        {
            return NotFound($"Node '{nodeId}' does not exist.");
        }
        return Results.Ok(await grains.Reference<IStockGrain>(Identifiers.StockKey(nodeId, sku)).GetSnapshot());
    }

    private static async Task<IResult> SetStock(
        string nodeId, string sku, StockLevelBody? body, IGrainFactory grains,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey)
    {
        var errors = new List<string>();
        if (!Identifiers.IsValid(nodeId) || !Identifiers.IsValid(sku))
        {
            errors.Add("nodeId and sku must be 1-64 letters, digits or . _ : -.");
        }
        if (body?.OnHand is null)
        {
            errors.Add("onHand is required.");
        }
        if (idempotencyKey is not null && !Identifiers.IsValid(idempotencyKey))
        {
            errors.Add("Idempotency-Key must be 1-64 letters, digits or . _ : -.");
        }
        var level = new StockLevel(body?.OnHand ?? 0, body?.SafetyStock ?? 0);
        errors.AddRange(level.Validate());
        if (errors.Count > 0)
        {
            return Invalid(errors);
        }
        var operationId = idempotencyKey ?? Guid.NewGuid().ToString("N");
        var snapshot = await grains.Reference<IFulfilmentNodeGrain>(nodeId).SetStock(sku, level, operationId);
        return snapshot is null ? NotFound($"Node '{nodeId}' does not exist.") : Results.Ok(snapshot);
    }

    /// <summary>What <c>/health</c> answers.</summary>
    public sealed record HealthStatus(string Status);

    private static IResult Invalid(IEnumerable<string> errors) =>
        Results.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is not valid",
            Detail = string.Join(" ", errors),
            Extensions = { ["errors"] = errors.ToArray() },
        });

    private static IResult NotFound(string? detail) => Problem(StatusCodes.Status404NotFound, "Not found", detail);

    private static IResult Problem(int status, string title, string? detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail);
}
