using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using OrleansOrders.Contracts;
using OrleansOrders.Http.OpenApi;

namespace OrleansOrders.Http;

/// <summary>
/// What happens to an order after allocation: shipment steps at the node, rejections, line
/// cancels, returns received anywhere, the order's history, a customer's orders. Refusals are
/// problem details (400 bad input, 404 unknown, 409 not allowed in the current state) and change
/// nothing. The optional <c>X-Actor</c> header names who acts (a node, a store, an agent) for the history.
/// </summary>
public static class LifecycleApi
{
    private const int MaxLines = 100;

    /// <summary>Names who acts (a node, a store, an agent) for the order's history; bound as a parameter so the document lists it.</summary>
    private const string ActorHeader = "X-Actor";

    public static IEndpointRouteBuilder MapOrderLifecycleApi(this IEndpointRouteBuilder app)
    {
        // Nodes (operators) move shipments and receive returns; storefronts act for customers.
        const int Invalid = StatusCodes.Status400BadRequest, Unknown = StatusCodes.Status404NotFound, NotNow = StatusCodes.Status409Conflict;
        var shipments = app.MapGroup("/orders/{orderId}/shipments/{shipmentId}").RequireAuthorization(GridPolicies.Operator).WithTags("Shipments");
        void MapStep(string path, ShipmentStep step, string name, string summary) =>
            shipments.MapPost(path, (string orderId, string shipmentId, [FromHeader(Name = ActorHeader)] string? actor, IGrainFactory grains) =>
                    Step(orderId, shipmentId, step, null, actor, grains))
                .Answers<OrderView>(name, summary, Invalid, Unknown, NotNow);
        MapStep("/acknowledge", ShipmentStep.Acknowledge, "AcknowledgeShipment", "The node acknowledges a shipment");
        MapStep("/pick", ShipmentStep.Pick, "PickShipment", "The node picked a shipment");
        MapStep("/pack", ShipmentStep.Pack, "PackShipment", "The node packed a shipment");
        shipments.MapPost("/ship", (string orderId, string shipmentId, ShipBody? body, [FromHeader(Name = ActorHeader)] string? actor, IGrainFactory grains) => Step(orderId, shipmentId, ShipmentStep.Ship, body ?? new ShipBody(null, null), actor, grains))
            .Answers<OrderView>("ShipShipment", "The node shipped a shipment: its units leave on hand and committed", Invalid, Unknown, NotNow);
        MapStep("/deliver", ShipmentStep.Deliver, "DeliverShipment", "The shipment was delivered");
        shipments.MapPost("/reject", Reject)
            .Answers<OrderView>("RejectShipment", "The node rejects a shipment (or some of its lines): re-routed elsewhere", Invalid, Unknown, NotNow);

        var orders = app.MapGroup("/orders/{orderId}").WithTags("Orders");
        orders.MapPost("/cancel-lines", CancelLines).RequireAuthorization(GridPolicies.Storefront)
            .Answers<OrderView>("CancelLines", "Cancel units of some lines: backordered first, then unshipped parcels", Invalid, Unknown, NotNow);
        orders.MapPost("/address", ChangeAddress).RequireAuthorization(GridPolicies.Storefront)
            .Answers<OrderView>("ChangeAddress", "Change where an order ships, before any node started: every parcel is re-routed", Invalid, Unknown, NotNow);
        orders.MapPost("/returns", StartReturn).RequireAuthorization(GridPolicies.Storefront)
            .Answers<OrderView>("StartReturn", "Start a return of shipped units, optionally with an exchange order", Invalid, Unknown, NotNow);
        orders.MapPost("/returns/{returnId}/receive", ReceiveReturn).RequireAuthorization(GridPolicies.Operator)
            .Answers<OrderView>("ReceiveReturn", "Receive a return at any node: restocked units become sellable there", Invalid, Unknown, NotNow);
        orders.MapGet("/history", History).RequireAuthorization(GridPolicies.Storefront)
            .Answers<IReadOnlyList<OrderEvent>>("GetOrderHistory", "Every transition of an order: time, actor, reason, what changed", Invalid, Unknown);
        app.MapGet("/customers/{customerId}/orders", CustomerOrders).RequireAuthorization(GridPolicies.Storefront).WithTags("Orders")
            .Answers<CustomerOrdersView>("GetCustomerOrders", "A customer's orders (at most 100, fed by the event stream)", Invalid);
        return app;
    }

    private static async Task<IResult> Step(string orderId, string shipmentId, ShipmentStep step, ShipBody? body, [FromHeader(Name = ActorHeader)] string? actor, IGrainFactory grains)
    {
        if (Ids(("orderId", orderId), ("shipmentId", shipmentId)) is { } bad)
        {
            return bad;
        }
        var result = await grains.Reference<IOrderGrain>(orderId).AdvanceShipment(shipmentId, step, Actor(actor, "node"), body?.Carrier, body?.TrackingNumber);
        return ToHttp(result);
    }

    private static async Task<IResult> Reject(string orderId, string shipmentId, RejectShipmentBody? body, [FromHeader(Name = ActorHeader)] string? actor, IGrainFactory grains)
    {
        if (Ids(("orderId", orderId), ("shipmentId", shipmentId)) is { } bad)
        {
            return bad;
        }
        if (string.IsNullOrWhiteSpace(body?.Reason))
        {
            return Problems.Invalid(["reason is required: say why the node rejects the shipment."]);
        }
        List<OrderLine>? lines = null;
        if (body.Lines is not null)
        {
            if (Lines(body.Lines, "lines") is { Errors.Count: > 0 } parsed)
            {
                return Problems.Invalid(parsed.Errors);
            }
            lines = body.Lines.Select(l => l!.ToLine()).ToList();
        }
        var result = await grains.Reference<IOrderGrain>(orderId).RejectShipment(shipmentId, lines, body.Reason, body.StockMissing ?? false, Actor(actor, "node"));
        return ToHttp(result);
    }

    private static async Task<IResult> CancelLines(string orderId, CancelLinesBody? body, [FromHeader(Name = ActorHeader)] string? actor, IGrainFactory grains)
    {
        if (Ids(("orderId", orderId)) is { } bad)
        {
            return bad;
        }
        var parsed = Lines(body?.Lines, "lines");
        if (parsed.Errors.Count > 0)
        {
            return Problems.Invalid(parsed.Errors);
        }
        var result = await grains.Reference<IOrderGrain>(orderId).CancelLines(parsed.Lines, body?.Reason ?? "cancelled by customer", Actor(actor, "customer"));
        return ToHttp(result);
    }

    private static async Task<IResult> ChangeAddress(string orderId, LocationBody? body, [FromHeader(Name = ActorHeader)] string? actor, IGrainFactory grains)
    {
        if (Ids(("orderId", orderId)) is { } bad)
        {
            return bad;
        }
        var shipTo = body?.ToLocation() ?? new Location(double.NaN, double.NaN);
        if (!shipTo.IsValid)
        {
            return Problems.Invalid(["The body must be {latitude, longitude} with latitude in [-90, 90] and longitude in [-180, 180]."]);
        }
        return ToHttp(await grains.Reference<IOrderGrain>(orderId).ChangeAddress(shipTo, Actor(actor, "customer")));
    }

    private static async Task<IResult> StartReturn(string orderId, StartReturnBody? body, [FromHeader(Name = ActorHeader)] string? actor, IGrainFactory grains)
    {
        var errors = new List<string>();
        if (!Identifiers.IsValid(orderId))
        {
            errors.Add("orderId is not a valid id.");
        }
        if (!Identifiers.IsValid(body?.ReturnId))
        {
            errors.Add("returnId must be 1-64 letters, digits or . _ : -.");
        }
        if (!Identifiers.IsValid(body?.Channel))
        {
            errors.Add("channel must be 1-64 letters, digits or . _ : - (web, store, call-centre...).");
        }
        var lines = Lines(body?.Lines, "lines");
        errors.AddRange(lines.Errors);
        (List<OrderLine> Lines, List<string> Errors)? exchange = body?.ExchangeFor is null ? null : Lines(body.ExchangeFor, "exchangeFor");
        errors.AddRange(exchange?.Errors ?? []);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        var request = new ReturnRequest(body!.ReturnId!, lines.Lines, body.Channel!, body.Reason ?? "", exchange?.Lines);
        return ToHttp(await grains.Reference<IOrderGrain>(orderId).StartReturn(request, Actor(actor, "customer")));
    }

    private static async Task<IResult> ReceiveReturn(string orderId, string returnId, ReceiveReturnBody? body, [FromHeader(Name = ActorHeader)] string? actor, IGrainFactory grains)
    {
        var errors = new List<string>();
        if (!Identifiers.IsValid(orderId) || !Identifiers.IsValid(returnId))
        {
            errors.Add("orderId and returnId must be valid ids.");
        }
        if (!Identifiers.IsValid(body?.NodeId))
        {
            errors.Add("nodeId (the node receiving the return) is required.");
        }
        var items = body?.Items ?? [];
        if (items.Count is 0 or > MaxLines)
        {
            errors.Add($"items must list 1 to {MaxLines} received items.");
        }
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item is null || !Identifiers.IsValid(item.Sku) || item.Quantity is null or < 1 or > OrderRequest.MaxQuantityPerLine ||
                item.Disposition is null || !Enum.IsDefined(item.Disposition.Value))
            {
                errors.Add($"items[{i}] needs sku, quantity (1-{OrderRequest.MaxQuantityPerLine}) and disposition (Restock or WriteOff).");
            }
        }
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        var received = items.Select(i => new ReturnedItem(i!.Sku!, i.Quantity!.Value, i.Disposition!.Value, i.Reason)).ToList();
        return ToHttp(await grains.Reference<IOrderGrain>(orderId).ReceiveReturn(returnId, body!.NodeId!, received, Actor(actor, "returns-desk")));
    }

    private static async Task<IResult> History(string orderId, IGrainFactory grains)
    {
        if (Ids(("orderId", orderId)) is { } bad)
        {
            return bad;
        }
        var order = grains.Reference<IOrderGrain>(orderId);
        if (await order.Get() is null)
        {
            return Problems.NotFound($"Order '{orderId}' does not exist.");
        }
        return Results.Ok(await order.GetHistory());
    }

    private static async Task<IResult> CustomerOrders(string customerId, IGrainFactory grains)
    {
        if (Ids(("customerId", customerId)) is { } bad)
        {
            return bad;
        }
        var ids = await grains.Reference<ICustomerOrdersGrain>(customerId).GetOrderIds();
        var views = await Task.WhenAll(ids.Take(100).Select(id => grains.Reference<IOrderGrain>(id).Get()));
        return Results.Ok(new CustomerOrdersView(customerId, views.OfType<OrderView>().ToList()));
    }

    private static IResult ToHttp(OrderActionResult result) => result.Outcome switch
    {
        ActionOutcome.Done or ActionOutcome.NoChange => Results.Ok(result.Order),
        ActionOutcome.NotFound => Problems.NotFound(result.Reason),
        ActionOutcome.NotAllowed => Problems.Conflict("Not allowed in the order's current state", result.Reason),
        _ => Problems.Invalid([result.Reason ?? "The request is not valid."]),
    };

    private static (List<OrderLine> Lines, List<string> Errors) Lines(List<LineBody?>? lines, string name)
    {
        var errors = new List<string>();
        if (lines is null || lines.Count is 0 or > MaxLines)
        {
            errors.Add($"{name} must list 1 to {MaxLines} lines of sku and quantity.");
            return ([], errors);
        }
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i] is not { } line || !Identifiers.IsValid(line.Sku) || line.Quantity is null or < 1 or > OrderRequest.MaxQuantityPerLine)
            {
                errors.Add($"{name}[{i}] needs a valid sku and a quantity of 1-{OrderRequest.MaxQuantityPerLine}.");
            }
        }
        return (errors.Count > 0 ? [] : lines.Select(l => l!.ToLine()).ToList(), errors);
    }

    private static IResult? Ids(params (string Name, string Value)[] ids)
    {
        var bad = ids.Where(i => !Identifiers.IsValid(i.Value)).Select(i => $"{i.Name} is not a valid id.").ToList();
        return bad.Count > 0 ? Problems.Invalid(bad) : null;
    }

    private static string Actor(string? actor, string fallback) => actor is not null && Identifiers.IsValid(actor) ? actor : fallback;
}

/// <summary>Problem details in one place, so every refusal reads the same.</summary>
public static class Problems
{
    public static IResult Invalid(IEnumerable<string> errors) =>
        Results.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is not valid",
            Detail = string.Join(" ", errors),
            Extensions = { ["errors"] = errors.ToArray() },
        });

    public static IResult NotFound(string? detail) => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);

    public static IResult Conflict(string title, string? detail) => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);
}
