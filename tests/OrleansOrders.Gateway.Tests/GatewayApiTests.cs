using System.Net;
using System.Net.Http.Headers;
using OrleansOrders.Gateway.Tests.Support;
using static OrleansOrders.Gateway.Tests.Support.HttpAssert;

namespace OrleansOrders.Gateway.Tests;

/// <summary>
/// The standalone gateway serves the same API as the silo, as an Orleans client: the README's
/// calls with the development keys, roles, the operator page's sign-in and its CSRF rule.
/// </summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class GatewayApiTests(GridFixture grid)
{
    private readonly HttpClient _storefront = grid.Gateway.Client(Keys.Storefront);
    private readonly HttpClient _operator = grid.Gateway.Client(Keys.Operator);

    [Fact]
    public async Task The_gateway_serves_orders_availability_nodes_and_stock_over_the_cluster_client()
    {
        // The demo network's availability view fills in batches after seeding: the order is routed once
        // Newark shows both SKUs, or an early run on a busy machine routes by a view that does not have them yet.
        await NetworkShows("dc-newark", "SKU-0001", "SKU-0150");
        var created = await _storefront.PostAsync("/orders", Json(OrderJson("gw-1001")));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("dc-newark", (await Body(created)).GetProperty("shipments")[0].GetProperty("nodeId").GetString());
        Assert.Equal(HttpStatusCode.OK, (await _storefront.PostAsync("/orders", Json(OrderJson("gw-1001")))).StatusCode);
        Assert.Equal("Allocated", (await Body(await _storefront.GetAsync("/orders/gw-1001"))).GetProperty("status").GetString());
        Assert.True((await Body(await _storefront.GetAsync("/availability/SKU-0001"))).GetProperty("totalAvailable").GetInt32() > 0);

        var stock = await _operator.PutAsync("/nodes/dc-chicago/stock/SKU-0199", Json("""{"onHand":40,"safetyStock":4}"""));
        Assert.Equal(36, (await Body(stock)).GetProperty("available").GetInt32());
        Assert.Equal(40, (await Body(await _operator.GetAsync("/nodes/dc-chicago/stock/SKU-0199"))).GetProperty("onHand").GetInt32());

        var cancelled = await _storefront.PostAsync("/orders/gw-1001/cancel", Json("""{"reason":"test"}"""));
        Assert.Equal("Cancelled", (await Body(cancelled)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await grid.Gateway.Client().GetAsync("/health/ready")).StatusCode);
    }

    /// <summary>Waits (a bounded poll of the availability API, not a fixed sleep) until every SKU shows stock at the node.</summary>
    private async Task NetworkShows(string nodeId, params string[] skus)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        foreach (var sku in skus)
        {
            while (!(await Body(await _storefront.GetAsync($"/availability/{sku}"))).GetProperty("nodes").EnumerateArray()
                       .Any(n => n.GetProperty("nodeId").GetString() == nodeId && n.GetProperty("available").GetInt32() > 0))
            {
                Assert.True(DateTime.UtcNow < deadline, $"{sku} never showed stock at {nodeId} in the network's availability");
                await Task.Delay(50);
            }
        }
    }

    [Fact]
    public async Task Keys_and_roles_are_enforced_with_problem_details()
    {
        var anonymous = grid.Gateway.Client();
        var unauthorized = await Problem(await anonymous.GetAsync("/availability/SKU-0001"), HttpStatusCode.Unauthorized);
        Assert.Contains("X-Api-Key", unauthorized.GetProperty("detail").GetString());
        await Problem(await grid.Gateway.Client("wrong-key-0123456789").GetAsync("/availability/SKU-0001"), HttpStatusCode.Unauthorized);
        await Problem(await _operator.PostAsync("/orders", Json(OrderJson("gw-wrong-role"))), HttpStatusCode.Forbidden);
        await Problem(await _storefront.PatchAsync("/nodes/store-sf", Json("""{"status":"Paused"}""")), HttpStatusCode.Forbidden);
        await Problem(await _storefront.GetAsync("/ops/api/nodes"), HttpStatusCode.Forbidden);
        await Problem(await _storefront.GetAsync("/metrics"), HttpStatusCode.Forbidden);
        await Problem(await _storefront.PostAsync("/stock-feed", new StringContent("nodeId,sku,onHand,safetyStock\n", null, "text/csv")), HttpStatusCode.Forbidden);
        await Problem(await _storefront.GetAsync("/webhooks"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NotFound, (await _storefront.GetAsync("/orders/gw-wrong-role")).StatusCode);

        // A bearer token works as well as the header (what Prometheus and most tools send).
        var bearer = grid.Gateway.Client();
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Keys.Storefront);
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/availability/SKU-0001")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task A_browser_signs_in_with_an_operator_key_and_its_cookie_changes_nodes_only_with_the_page_header()
    {
        var browser = grid.Gateway.Client();
        browser.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        var redirected = await browser.GetAsync("/ops");
        Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
        Assert.Equal("/ops/login?returnUrl=%2Fops", redirected.Headers.Location?.ToString());

        var refused = await browser.PostAsync("/ops/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = Keys.Storefront }));
        Assert.Equal("/ops/login?error=1", refused.Headers.Location?.ToString());
        Assert.False(refused.Headers.Contains("Set-Cookie"));

        var signedIn = await browser.PostAsync("/ops/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = Keys.Operator, ["returnUrl"] = "//evil.example/x" }));
        Assert.Equal("/ops", signedIn.Headers.Location?.ToString()); // never an open redirect
        var cookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Keys.Operator, cookie, StringComparison.Ordinal); // derived from the key, not the key

        var session = grid.Gateway.Client();
        session.DefaultRequestHeaders.Add("Cookie", cookie.Split(';')[0]);
        var page = await session.GetAsync("/ops");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/ops/api/nodes")).StatusCode);

        // A write riding the cookie without the page's header is refused (CSRF); with it, it works.
        await Problem(await session.PatchAsync("/nodes/store-seattle", Json("""{"status":"Paused"}""")), HttpStatusCode.Unauthorized);
        Assert.Equal("Open", (await Body(await _operator.GetAsync("/nodes/store-seattle"))).GetProperty("profile").GetProperty("status").GetString());
        var request = new HttpRequestMessage(HttpMethod.Patch, "/nodes/store-seattle") { Content = Json("""{"dailyCapacity":300}""") };
        request.Headers.Add("X-Requested-By", "ops-page");
        Assert.Equal(HttpStatusCode.OK, (await session.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Problem_details_everywhere_unknown_routes_methods_media_types_and_bodies()
    {
        await Problem(await _storefront.GetAsync("/no/such/route"), HttpStatusCode.NotFound);
        await Problem(await _storefront.DeleteAsync("/orders/x"), HttpStatusCode.MethodNotAllowed);
        await Problem(await _storefront.PostAsync("/orders", new StringContent(OrderJson("gw-media"), null, "text/plain")), HttpStatusCode.UnsupportedMediaType);
        await Problem(await _storefront.PostAsync("/orders", Json(OrderJson("gw-big").Replace("cust-42", new string('c', 1_200_000)))), HttpStatusCode.RequestEntityTooLarge);
        await Problem(await _storefront.PostAsync("/orders", Json("{\"orderId\":")), HttpStatusCode.BadRequest);
        await Problem(await _operator.GetAsync("/ops/api/inventory?limit=1000"), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.NotFound, (await _storefront.GetAsync("/orders/gw-media")).StatusCode);
    }
}
