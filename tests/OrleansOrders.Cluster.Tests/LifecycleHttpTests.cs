using System.Net;
using System.Text;
using System.Text.Json;
using OrleansOrders.Cluster.Tests.Support;

namespace OrleansOrders.Cluster.Tests;

/// <summary>The lifecycle and stock-feed endpoints against the demo network.</summary>
[Collection(HttpCollection.Name)]
[Trait("Category", "cluster")]
public sealed class LifecycleHttpTests(GridApiFactory factory)
{
    private readonly HttpClient _http = factory.CreateClient();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> Body(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private async Task<string> PlaceOrder(string orderId)
    {
        var created = await _http.PostAsync("/orders", Json(
            $$"""{"orderId":"{{orderId}}","customerId":"cust-http","channel":"web","shipTo":{"latitude":40.7128,"longitude":-74.0060},"lines":[{"sku":"SKU-0003","quantity":2}]}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await Body(created)).GetProperty("shipments")[0].GetProperty("shipmentId").GetString()!;
    }

    [Fact]
    public async Task A_node_ships_and_the_customer_returns_at_a_store()
    {
        var shipment = await PlaceOrder("http-life-1");
        var ship = await _http.PostAsync($"/orders/http-life-1/shipments/{shipment}/ship", Json("""{"carrier":"UPS","trackingNumber":"1Z0001"}"""));
        Assert.Equal(HttpStatusCode.OK, ship.StatusCode);
        Assert.Equal("Shipped", (await Body(ship)).GetProperty("status").GetString());

        Assert.Equal(HttpStatusCode.Conflict, (await _http.PostAsync("/orders/http-life-1/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _http.PostAsync("/orders/http-life-1/returns",
            Json("""{"returnId":"r1","channel":"web","reason":"x","lines":[{"sku":"SKU-0003","quantity":3}]}"""))).StatusCode);

        var started = await _http.PostAsync("/orders/http-life-1/returns", Json("""{"returnId":"r1","channel":"store","reason":"too small","lines":[{"sku":"SKU-0003","quantity":2}]}"""));
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        var received = await _http.PostAsync("/orders/http-life-1/returns/r1/receive",
            Json("""{"nodeId":"store-boston","items":[{"sku":"SKU-0003","quantity":2,"disposition":"Restock"}]}"""));
        Assert.Equal(HttpStatusCode.OK, received.StatusCode);
        Assert.Equal("Returned", (await Body(received)).GetProperty("status").GetString());

        var history = await Body(await _http.GetAsync("/orders/http-life-1/history"));
        Assert.Equal(["OrderAccepted", "OrderAllocated", "ShipmentShipped", "ReturnStarted", "ReturnReceived"],
            history.EnumerateArray().Select(e => e.GetProperty("type").GetString()!).ToArray());
    }

    [Theory]
    [InlineData("/orders/http-life-2/shipments/{s}/ship", """{"carrier":"UPS"}""", HttpStatusCode.BadRequest)]           // no tracking number
    [InlineData("/orders/http-life-2/shipments/s99/pick", "", HttpStatusCode.NotFound)]
    [InlineData("/orders/http-life-2/shipments/{s}/deliver", "", HttpStatusCode.Conflict)]                            // not shipped
    [InlineData("/orders/http-life-2/shipments/{s}/reject", """{"lines":[{"sku":"SKU-0003","quantity":-1}],"reason":"x"}""", HttpStatusCode.BadRequest)]
    [InlineData("/orders/http-life-2/shipments/{s}/reject", """{"lines":[]}""", HttpStatusCode.BadRequest)]
    [InlineData("/orders/http-life-2/cancel-lines", """{"lines":[{"sku":"SKU-0003","quantity":5}]}""", HttpStatusCode.Conflict)]
    [InlineData("/orders/http-life-2/cancel-lines", """{"lines":"all"}""", HttpStatusCode.BadRequest)]
    [InlineData("/orders/http-life-2/returns", """{"returnId":"r1","channel":"web","lines":[{"sku":"SKU-0003","quantity":1}]}""", HttpStatusCode.Conflict)] // nothing shipped
    [InlineData("/orders/http-life-2/returns/r9/receive", """{"nodeId":"store-boston","items":[{"sku":"SKU-0003","quantity":1,"disposition":"Restock"}]}""", HttpStatusCode.NotFound)]
    [InlineData("/orders/no-such-order/shipments/s1/pack", "", HttpStatusCode.NotFound)]
    public async Task Lifecycle_refusals_are_problem_details_and_change_nothing(string path, string body, HttpStatusCode expected)
    {
        var shipment = await EnsureOrder();
        var before = await (await _http.GetAsync("/orders/http-life-2")).Content.ReadAsStringAsync();

        var response = await _http.PostAsync(path.Replace("{s}", shipment), body.Length == 0 ? null : Json(body));

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await (await _http.GetAsync("/orders/http-life-2")).Content.ReadAsStringAsync());
    }

    private async Task<string> EnsureOrder()
    {
        var existing = await _http.GetAsync("/orders/http-life-2");
        return existing.IsSuccessStatusCode
            ? (await Body(existing)).GetProperty("shipments")[0].GetProperty("shipmentId").GetString()!
            : await PlaceOrder("http-life-2");
    }

    [Fact]
    public async Task A_stock_feed_applies_good_lines_and_reports_each_bad_line_by_number()
    {
        var csv = string.Join("\n",
            "nodeId,sku,onHand,safetyStock",
            "dc-reno,FEED-0001,40,2",          // 2: good
            "dc-reno,FEED-0002,-5,0",          // 3: negative
            "dc-reno,FEED-0003,ten,0",         // 4: not a number
            "no-such-node,FEED-0004,5,0",      // 5: unknown node
            "dc-reno,FEED/0005,5,0",           // 6: bad sku id
            "dc-reno,FEED-0006,5",             // 7: missing column
            "dc-atlanta,FEED-0001,12,0");      // 8: good
        var response = await _http.PostAsync("/stock-feed", new StringContent(csv, Encoding.UTF8, "text/csv"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await Body(response);
        Assert.Equal(2, result.GetProperty("applied").GetInt32());
        Assert.Equal([3, 4, 5, 6, 7], result.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("line").GetInt32()).ToArray());
        var stock = await Body(await _http.GetAsync("/nodes/dc-reno/stock/FEED-0001"));
        Assert.Equal(40, stock.GetProperty("onHand").GetInt32());
        Assert.Equal(0, (await Body(await _http.GetAsync("/nodes/dc-reno/stock/FEED-0002"))).GetProperty("onHand").GetInt32());

        // The same feed again changes nothing: its lines are idempotent.
        await _http.PostAsync("/stock-feed", new StringContent(csv, Encoding.UTF8, "text/csv"));
        var again = await Body(await _http.GetAsync("/nodes/dc-reno/stock/FEED-0001"));
        Assert.Equal(40, again.GetProperty("onHand").GetInt32());
        Assert.Equal(40, again.GetProperty("adjusted").GetInt32());
    }

    [Fact]
    public async Task A_json_lines_feed_receives_goods_and_rejects_malformed_lines()
    {
        var ndjson = string.Join("\n",
            """{"nodeId":"dc-dallas","sku":"FEED-0100","onHand":10}""",
            """{"nodeId":"dc-dallas","sku":"FEED-0100","received":5}""",
            """{"nodeId":"dc-dallas","sku":"FEED-0101","onHand":"many"}""",
            """{"nodeId":"dc-dallas","sku":"FEED-0102","onHand":1,"received":1}""",
            """{"nodeId":"dc-dallas",""",
            """[1,2]""");
        var response = await _http.PostAsync("/stock-feed", new StringContent(ndjson, Encoding.UTF8, "application/x-ndjson"));

        var result = await Body(response);
        Assert.Equal(2, result.GetProperty("applied").GetInt32());
        Assert.Equal([3, 4, 5, 6], result.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("line").GetInt32()).ToArray());
        var stock = await Body(await _http.GetAsync("/nodes/dc-dallas/stock/FEED-0100"));
        Assert.Equal(15, stock.GetProperty("onHand").GetInt32());
        Assert.Equal(5, stock.GetProperty("received").GetInt32());

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await _http.PostAsync("/stock-feed", new StringContent("x", Encoding.UTF8, "text/plain"))).StatusCode);
    }
}
