using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrleansOrders.Cluster.Tests.Support;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// The HTTP API against the seeded demo network: the README's quick-start calls with the
/// development keys they carry (storefront for orders and availability, operator for nodes and
/// stock), and the refusals (400 problem details, 401, 403, 404, 409) that must change nothing.
/// </summary>
[Collection(HttpCollection.Name)]
[Trait("Category", "cluster")]
public sealed class HttpApiTests(GridApiFactory factory)
{
    private readonly HttpClient _http = factory.CreateClient(GridApiFactory.StorefrontKey);
    private readonly HttpClient _ops = factory.CreateClient(GridApiFactory.OperatorKey);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string OrderJson(string orderId, string sku = "SKU-0001", int quantity = 2) =>
        $$"""{"orderId":"{{orderId}}","customerId":"cust-42","channel":"web","shipTo":{"latitude":40.7128,"longitude":-74.0060},"lines":[{"sku":"{{sku}}","quantity":{{quantity}}},{"sku":"SKU-0150","quantity":1}]}""";

    private static async Task<JsonElement> Body(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await Body(response);
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("title").GetString()));
    }

    [Fact]
    public async Task Submit_get_replay_and_cancel_an_order_against_the_demo_network()
    {
        var created = await _http.PostAsync("/orders", Json(OrderJson("http-1001")));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/orders/http-1001", created.Headers.Location?.ToString());
        var order = await Body(created);
        Assert.Equal("Allocated", order.GetProperty("status").GetString());
        Assert.Equal("dc-newark", order.GetProperty("shipments")[0].GetProperty("nodeId").GetString());

        var replay = await _http.PostAsync("/orders", Json(OrderJson("http-1001")));
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(order.GetProperty("acceptedAt").GetString(), (await Body(replay)).GetProperty("acceptedAt").GetString());

        var fetched = await _http.GetAsync("/orders/http-1001");
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);

        var cancelled = await _http.PostAsync("/orders/http-1001/cancel", Json("""{"reason":"changed my mind"}"""));
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("Cancelled", (await Body(cancelled)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_different_payload_under_a_used_order_id_is_a_409_conflict()
    {
        Assert.Equal(HttpStatusCode.Created, (await _http.PostAsync("/orders", Json(OrderJson("http-conflict")))).StatusCode);
        await AssertProblem(await _http.PostAsync("/orders", Json(OrderJson("http-conflict", quantity: 5))), HttpStatusCode.Conflict);
        var order = await Body(await _http.GetAsync("/orders/http-conflict"));
        Assert.Equal(2, order.GetProperty("request").GetProperty("lines")[0].GetProperty("quantity").GetInt32());
    }

    [Theory]
    [InlineData("{\"orderId\":\"x\"")]                                              // broken JSON
    [InlineData("[1,2,3]")]                                                         // wrong shape
    [InlineData("{\"orderId\":\"http-bad-1\",\"customerId\":\"c\",\"channel\":\"web\",\"shipTo\":{\"latitude\":40,\"longitude\":-74},\"lines\":[{\"sku\":\"SKU-0001\",\"quantity\":\"two\"}]}")]
    [InlineData("{\"orderId\":\"http-bad-2\",\"customerId\":\"c\",\"channel\":\"web\",\"shipTo\":{\"latitude\":40,\"longitude\":-74},\"lines\":[{\"sku\":\"SKU-0001\",\"quantity\":99999999999}]}")]
    [InlineData("{\"orderId\":\"http-bad-3\",\"customerId\":\"c\",\"channel\":\"web\",\"shipTo\":{\"latitude\":40,\"longitude\":-74},\"lines\":[{\"sku\":\"SKU-0001\",\"quantity\":-1}]}")]
    [InlineData("{\"orderId\":\"http-bad-4\",\"customerId\":\"c\",\"channel\":\"web\",\"lines\":[{\"sku\":\"SKU-0001\",\"quantity\":1}]}")]
    [InlineData("{\"orderId\":\"http-bad-5\",\"customerId\":\"c\",\"channel\":\"web\",\"shipTo\":{\"latitude\":40,\"longitude\":-74},\"lines\":[{\"sku\":\"NO-SUCH-SKU\",\"quantity\":1}]}")]
    [InlineData("{\"orderId\":\"../../etc\",\"customerId\":\"c\",\"channel\":\"web\",\"shipTo\":{\"latitude\":40,\"longitude\":-74},\"lines\":[{\"sku\":\"SKU-0001\",\"quantity\":1}]}")]
    [InlineData("")]
    public async Task Malformed_orders_get_400_problem_details_and_change_nothing(string body)
    {
        var before = await Body(await _http.GetAsync("/availability/SKU-0001"));

        await AssertProblem(await _http.PostAsync("/orders", Json(body)), HttpStatusCode.BadRequest);

        var after = await Body(await _http.GetAsync("/availability/SKU-0001"));
        Assert.Equal(before.GetProperty("totalAvailable").GetInt32(), after.GetProperty("totalAvailable").GetInt32());
        foreach (var id in new[] { "http-bad-1", "http-bad-2", "http-bad-3", "http-bad-4", "http-bad-5" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/orders/{id}")).StatusCode);
        }
    }

    [Fact]
    public async Task Unknown_ids_are_404_problem_details()
    {
        await AssertProblem(await _http.GetAsync("/orders/never-submitted"), HttpStatusCode.NotFound);
        await AssertProblem(await _http.PostAsync("/orders/never-submitted/cancel", null), HttpStatusCode.NotFound);
        await AssertProblem(await _ops.GetAsync("/nodes/no-such-node"), HttpStatusCode.NotFound);
        await AssertProblem(await _http.GetAsync("/availability/NO-SUCH-SKU"), HttpStatusCode.NotFound);
        await AssertProblem(await _ops.PutAsync("/nodes/no-such-node/stock/SKU-0001", Json("""{"onHand":5,"safetyStock":0}""")), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Operators_set_stock_and_pause_and_resume_nodes()
    {
        var set = await _ops.PutAsync("/nodes/store-boston/stock/SKU-0002", Json("""{"onHand":25,"safetyStock":5}"""));
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var stock = await Body(set);
        Assert.Equal(25, stock.GetProperty("onHand").GetInt32());
        Assert.Equal(20, stock.GetProperty("available").GetInt32());
        await AssertProblem(await _ops.PutAsync("/nodes/store-boston/stock/SKU-0002", Json("""{"onHand":-3}""")), HttpStatusCode.BadRequest);
        Assert.Equal(25, (await Body(await _ops.GetAsync("/nodes/store-boston/stock/SKU-0002"))).GetProperty("onHand").GetInt32());

        var paused = await _ops.PatchAsync("/nodes/store-miami", Json("""{"status":"Paused"}"""));
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        Assert.Equal("Paused", (await Body(paused)).GetProperty("profile").GetProperty("status").GetString());
        await AssertProblem(await _ops.PatchAsync("/nodes/store-miami", Json("""{"status":"Sleeping"}""")), HttpStatusCode.BadRequest);
        await AssertProblem(await _ops.PatchAsync("/nodes/store-miami", Json("""{"dailyCapacity":-1}""")), HttpStatusCode.BadRequest);
        var resumed = await _ops.PatchAsync("/nodes/store-miami", Json("""{"status":"Open","dailyCapacity":250}"""));
        var node = await Body(resumed);
        Assert.Equal("Open", node.GetProperty("profile").GetProperty("status").GetString());
        Assert.Equal(250, node.GetProperty("profile").GetProperty("dailyCapacity").GetInt32());
    }

    [Fact]
    public async Task Network_availability_lists_every_node_that_stocks_a_demo_sku()
    {
        var availability = await Body(await _http.GetAsync("/availability/SKU-0001"));
        Assert.True(availability.GetProperty("known").GetBoolean());
        Assert.Equal(11, availability.GetProperty("nodes").GetArrayLength()); // SKU-0001: all 5 DCs and 6 stores, no supplier
        Assert.True(availability.GetProperty("totalAvailable").GetInt32() > 0);
    }

    [Fact]
    public async Task Requests_without_a_key_or_with_the_wrong_role_are_refused_with_problem_details_and_change_nothing()
    {
        var anonymous = factory.CreateClient(apiKey: null);
        await AssertProblem(await anonymous.PostAsync("/orders", Json(OrderJson("http-nokey"))), HttpStatusCode.Unauthorized);
        await AssertProblem(await factory.CreateClient("not-a-real-key-0000").GetAsync("/availability/SKU-0001"), HttpStatusCode.Unauthorized);
        await AssertProblem(await _ops.PostAsync("/orders", Json(OrderJson("http-wrongrole"))), HttpStatusCode.Forbidden);
        await AssertProblem(await _http.PatchAsync("/nodes/store-denver", Json("""{"status":"Paused"}""")), HttpStatusCode.Forbidden);
        await AssertProblem(await _http.PutAsync("/nodes/store-denver/stock/SKU-0003", Json("""{"onHand":1}""")), HttpStatusCode.Forbidden);

        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/orders/http-nokey")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/orders/http-wrongrole")).StatusCode);
        Assert.Equal("Open", (await Body(await _ops.GetAsync("/nodes/store-denver"))).GetProperty("profile").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
    }
}
