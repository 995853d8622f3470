using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansOrders.Contracts;
using OrleansOrders.Http.OpenApi;
using OrleansOrders.Http.Ops;

namespace OrleansOrders.Http;

/// <summary>
/// The operator page (<c>/ops</c>: static HTML and plain JavaScript embedded in this assembly)
/// and the operator JSON it reads: inventory by SKU and node, nodes with capacity and decline
/// rates, recent orders with their routing explained. Browsers sign in at <c>/ops/login</c> with
/// an operator key, which sets an HttpOnly, SameSite=Strict cookie derived from the key.
/// </summary>
public static class OpsApi
{
    public const int MaxRecentOrders = 100;
    public const int MaxInventorySkus = 100;

    private static readonly ConcurrentDictionary<string, (byte[] Bytes, string ContentType)> Assets = new(StringComparer.Ordinal);

    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

    public static IEndpointRouteBuilder MapOperatorPage(this IEndpointRouteBuilder app)
    {
        const int BadInput = StatusCodes.Status400BadRequest, Unknown = StatusCodes.Status404NotFound;
        var page = app.MapGroup("/ops").WithTags("Operator page");
        page.MapGet("", (HttpContext http) => Asset(http, "index.html")).RequireAuthorization(GridPolicies.Operator)
            .WithName("OperatorPage").WithSummary("The operator page (HTML)").Produces(StatusCodes.Status200OK, contentType: "text/html");
        page.MapGet("/login", (HttpContext http) => Asset(http, "login.html")).AllowAnonymous()
            .WithName("OperatorSignInPage").WithSummary("The operator page's sign-in form (HTML)").Produces(StatusCodes.Status200OK, contentType: "text/html");
        page.MapPost("/login", SignIn).AllowAnonymous().DisableAntiforgery()
            .Accepts<SignInForm>("application/x-www-form-urlencoded")
            .WithName("OperatorSignIn").WithSummary("Sign in with an operator key: sets the page's HttpOnly cookie and redirects")
            .Produces(StatusCodes.Status302Found)
            .ProducesProblem(BadInput).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        page.MapPost("/logout", (HttpContext http) =>
        {
            http.Response.Cookies.Delete(ApiKeyAuthenticationHandler.CookieName, new CookieOptions { Path = "/" });
            return Results.Redirect("/ops/login", permanent: false, preserveMethod: false);
        }).AllowAnonymous().DisableAntiforgery()
            .WithName("OperatorSignOut").WithSummary("Sign out of the operator page").Produces(StatusCodes.Status302Found);
        // Scripts and styles hold no data: anonymous, so the sign-in page can use them.
        page.MapGet("/assets/{file}", (string file, HttpContext http) =>
            file is "ops.js" or "ops.css" ? Asset(http, file) : Problems.NotFound($"No asset '{file}'.")).AllowAnonymous()
            .WithName("OperatorPageAsset").WithSummary("The page's script and style sheet")
            .Produces(StatusCodes.Status200OK, contentType: "text/javascript").Produces(StatusCodes.Status200OK, contentType: "text/css")
            .ProducesProblem(Unknown);

        var api = app.MapGroup("/ops/api").RequireAuthorization(GridPolicies.Operator).WithTags("Operator page");
        api.MapGet("/nodes", Nodes).Answers<NodesOverview>("OperatorNodes", "Every node: status, capacity used today, how its bids fared");
        api.MapGet("/inventory", Inventory).Answers<InventoryPage>("OperatorInventory", "Stock by SKU and node, filtered by SKU prefix and paged", BadInput);
        api.MapGet("/orders/recent", RecentOrders).Answers<RecentOrdersView>("OperatorRecentOrders", "The newest orders with their routing explained", BadInput);
        api.MapGet("/orders/{orderId}", OrderById).Answers<OrderExplained>("OperatorOrder", "An order with its routing explained", BadInput, Unknown);
        api.MapShadowRoutingApi();
        api.MapReleaseWaveApi();
        return app;
    }

    private static IResult Asset(HttpContext http, string name)
    {
        var (bytes, type) = Assets.GetOrAdd(name, Load);
        http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        http.Response.Headers.CacheControl = "no-store";
        return Results.Bytes(bytes, type);
    }

    private static (byte[], string) Load(string name)
    {
        using var stream = typeof(OpsApi).Assembly.GetManifestResourceStream("ops/" + name)
                           ?? throw new InvalidOperationException($"Embedded asset ops/{name} is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var type = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => "application/octet-stream",
        };
        return (copy.ToArray(), type);
    }

    private static async Task<IResult> SignIn(HttpContext http, ApiKeyRegistry keys)
    {
        var wantsHtml = http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
        if (!http.Request.HasFormContentType)
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Send the sign-in form",
                detail: "POST /ops/login takes application/x-www-form-urlencoded with a 'key' field.");
        }
        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync();
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException)
        {
            return Problems.Invalid(["The sign-in form could not be read."]);
        }
        var key = form["key"].ToString();
        var identity = keys.Find(key);
        if (identity is null || !identity.Roles.Contains(GridRoles.Operator))
        {
            return wantsHtml
                ? Results.Redirect("/ops/login?error=1")
                : Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Not an operator key",
                    detail: "Sign in to the operator page with a key that has the operator role.");
        }
        http.Response.Cookies.Append(ApiKeyAuthenticationHandler.CookieName, ApiKeyRegistry.SessionToken(key), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Path = "/",
            IsEssential = true,
            MaxAge = TimeSpan.FromHours(12),
        });
        var returnUrl = form["returnUrl"].ToString();
        var local = returnUrl.StartsWith('/') && !returnUrl.StartsWith("//") && !returnUrl.StartsWith("/\\") && returnUrl.Length <= 512;
        return Results.Redirect(local ? returnUrl : "/ops");
    }

    /// <summary>Every registered node with its status, today's capacity use and how its bids fared in recent orders.</summary>
    private static async Task<IResult> Nodes(IGrainFactory grains, ILoggerFactory logs)
    {
        var ids = await grains.Reference<INetworkDirectoryGrain>(0).ListNodeIds();
        var views = await Task.WhenAll(ids.Select(id => grains.Reference<IFulfilmentNodeGrain>(id).Get()));
        var (recent, available, message) = await LoadRecent(grains, MaxRecentOrders, logs);
        var nodes = NodeSummary.Of(views.Where(v => v is not null)!, recent);
        return Results.Ok(new NodesOverview(nodes, recent.Count, available, message));
    }

    /// <summary>Stock by SKU and node: on hand, available, held, committed. Filtered by SKU prefix and paged.</summary>
    private static async Task<IResult> Inventory(IGrainFactory grains, string? sku, int? offset, int? limit)
    {
        var errors = new List<string>();
        var prefix = sku ?? "";
        if (prefix.Length > 0 && !Identifiers.IsValid(prefix))
        {
            errors.Add("sku (a prefix) must be 1-64 letters, digits or . _ : -.");
        }
        if (offset is < 0 or > 1_000_000)
        {
            errors.Add("offset must be between 0 and 1000000.");
        }
        if (limit is < 1 or > MaxInventorySkus)
        {
            errors.Add($"limit must be between 1 and {MaxInventorySkus}.");
        }
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }
        var skip = offset ?? 0;
        var take = limit ?? 25;

        var ids = await grains.Reference<INetworkDirectoryGrain>(0).ListNodeIds();
        var perNode = await Task.WhenAll(ids.Select(async id =>
        {
            var node = grains.Reference<IFulfilmentNodeGrain>(id);
            var view = await node.Get();
            var skus = view is null ? [] : await node.ListSkus();
            return (Id: id, View: view, Skus: skus);
        }));
        var nodesBySku = perNode
            .SelectMany(n => n.Skus.Select(s => (Sku: s, Node: n.Id)))
            .Where(x => x.Sku.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .GroupBy(x => x.Sku, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        var page = nodesBySku.Skip(skip).Take(take).ToList();
        var rows = await Task.WhenAll(page.Select(async group =>
        {
            var cells = await Task.WhenAll(group.Select(x => grains.Reference<IStockGrain>(Identifiers.StockKey(x.Node, x.Sku)).GetSnapshot()));
            var ordered = cells.OrderBy(c => c.NodeId, StringComparer.Ordinal)
                .Select(c => new InventoryCell(c.NodeId, c.OnHand, c.SafetyStock, c.Available, c.Held, c.Committed)).ToList();
            return new InventorySku(
                group.Key, cells.Sum(c => c.OnHand), cells.Sum(c => c.Available), cells.Sum(c => c.Held), cells.Sum(c => c.Committed), ordered);
        }));
        var nodes = perNode.Where(n => n.View is not null).OrderBy(n => n.Id, StringComparer.Ordinal)
            .Select(n => new InventoryNode(n.Id, n.View!.Profile.Status)).ToList();
        return Results.Ok(new InventoryPage(nodes, rows, nodesBySku.Count, skip, take));
    }

    /// <summary>The newest orders with their routing explained; when the recent-orders read model is not there, says so and answers none.</summary>
    private static async Task<IResult> RecentOrders(IGrainFactory grains, ILoggerFactory logs, int? max)
    {
        if (max is < 1 or > MaxRecentOrders)
        {
            return Problems.Invalid([$"max must be between 1 and {MaxRecentOrders}."]);
        }
        var (orders, available, message) = await LoadRecent(grains, max ?? 20, logs);
        return Results.Ok(new RecentOrdersView(available, message, orders));
    }

    private static async Task<IResult> OrderById(string orderId, IGrainFactory grains)
    {
        if (!Identifiers.IsValid(orderId))
        {
            return Problems.Invalid(["orderId is not a valid id."]);
        }
        var order = await grains.Reference<IOrderGrain>(orderId).Get();
        return order is null ? Problems.NotFound($"Order '{orderId}' does not exist.") : Results.Ok(RoutingExplainer.Explain(order));
    }

    private static async Task<(IReadOnlyList<OrderExplained> Orders, bool Available, string? Message)> LoadRecent(IGrainFactory grains, int max, ILoggerFactory logs)
    {
        IReadOnlyList<OrderSummary> recent;
        try
        {
            recent = await grains.Reference<IRecentOrdersGrain>(0).GetRecent(max);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The read model is optional for the page: without it, inventory and nodes still work.
            logs.CreateLogger(typeof(OpsApi)).LogWarning(ex, "Recent orders are not available");
            return ([], false, "Recent orders are not available (" + ex.GetType().Name + "). Look an order up by id instead.");
        }
        var views = await Task.WhenAll(recent.Select(async s =>
        {
            try
            {
                return await grains.Reference<IOrderGrain>(s.OrderId).Get();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logs.CreateLogger(typeof(OpsApi)).LogWarning(ex, "Order {Order} could not be read for the operator page", s.OrderId);
                return null;
            }
        }));
        return (views.Where(v => v is not null).Select(v => RoutingExplainer.Explain(v!)).ToList(), true, null);
    }
}
