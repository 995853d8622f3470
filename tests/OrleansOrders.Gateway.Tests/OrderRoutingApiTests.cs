using System.Net;
using System.Text.Json;
using OrleansOrders.Gateway.Tests.Support;
using static OrleansOrders.Gateway.Tests.Support.HttpAssert;

namespace OrleansOrders.Gateway.Tests;

/// <summary>
/// An order's own routing choices (<c>routing: {goal, shipComplete, maxShipments}</c>) and kit ids on
/// its lines, through the standalone gateway: accepted and echoed, part of the idempotency key, and
/// every malformed value refused with a 400 that names it, creating nothing.
/// </summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class OrderRoutingApiTests(GridFixture grid)
{
    private readonly HttpClient _storefront = grid.Gateway.Client(Keys.Storefront);

    private static string Order(string orderId, string extra = "", string lines = """[{"sku":"SKU-0100","quantity":1}]""") =>
        $$"""{"orderId":"{{orderId}}","customerId":"cust-42","channel":"web","shipTo":{"latitude":40.7128,"longitude":-74.0060},"lines":{{lines}}{{extra}}}""";

    [Fact]
    public async Task An_order_carries_its_routing_choices_and_kit_ids_and_they_are_part_of_its_identity()
    {
        var body = Order("rt-1001",
            extra: ""","routing":{"goal":"fastest","shipComplete":false,"maxShipments":2}""",
            lines: """[{"sku":"SKU-0100","quantity":1,"kitId":"desk-kit"},{"sku":"SKU-0101","quantity":1,"kitId":"desk-kit"},{"sku":"SKU-0102","quantity":1}]""");
        var created = await _storefront.PostAsync("/orders", Json(body));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var request = (await Body(await _storefront.GetAsync("/orders/rt-1001"))).GetProperty("request");
        var routing = request.GetProperty("routing");
        Assert.Equal("Fastest", routing.GetProperty("goal").GetString()); // names are case-insensitive in, canonical out
        Assert.False(routing.GetProperty("shipComplete").GetBoolean());
        Assert.Equal(2, routing.GetProperty("maxShipments").GetInt32());
        var lines = request.GetProperty("lines");
        Assert.Equal("desk-kit", lines[0].GetProperty("kitId").GetString());
        Assert.Equal("desk-kit", lines[1].GetProperty("kitId").GetString());
        Assert.Equal(JsonValueKind.Null, lines[2].GetProperty("kitId").ValueKind);

        Assert.Equal(HttpStatusCode.OK, (await _storefront.PostAsync("/orders", Json(body))).StatusCode); // replay
        await Problem(await _storefront.PostAsync("/orders", Json(body.Replace("fastest", "LowestCost"))), HttpStatusCode.Conflict);
        await Problem(await _storefront.PostAsync("/orders", Json(body.Replace("\"kitId\":\"desk-kit\"},{\"sku\":\"SKU-0101\"", "\"kitId\":\"other\"},{\"sku\":\"SKU-0101\""))), HttpStatusCode.Conflict);

        Assert.Equal(HttpStatusCode.OK, (await _storefront.PostAsync("/orders/rt-1001/cancel", Json("""{"reason":"test"}"""))).StatusCode);
    }

    [Fact]
    public async Task An_empty_or_null_routing_object_is_the_same_order_as_none()
    {
        Assert.Equal(HttpStatusCode.Created, (await _storefront.PostAsync("/orders", Json(Order("rt-1002")))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _storefront.PostAsync("/orders", Json(Order("rt-1002", extra: ""","routing":{}""")))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _storefront.PostAsync("/orders", Json(Order("rt-1002", extra: ""","routing":null""")))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _storefront.PostAsync("/orders", Json(Order("rt-1002", extra: ""","routing":{"goal":null}""")))).StatusCode);
        var request = (await Body(await _storefront.GetAsync("/orders/rt-1002"))).GetProperty("request");
        Assert.Equal(JsonValueKind.Null, request.GetProperty("routing").ValueKind);
        Assert.Equal(HttpStatusCode.OK, (await _storefront.PostAsync("/orders/rt-1002/cancel", Json("""{"reason":"test"}"""))).StatusCode);
    }

    public const string GoalMessage = "routing.goal must be one of LowestCost, Fastest, StockBalance, Weighted.";

    [Theory]
    [InlineData("rt-bad-1", ""","routing":{"goal":"Cheapest"}""", null, GoalMessage)]
    [InlineData("rt-bad-2", ""","routing":{"goal":""}""", null, GoalMessage)]
    [InlineData("rt-bad-3", ""","routing":{"goal":2}""", null, GoalMessage)]
    [InlineData("rt-bad-4", ""","routing":{"goal":" Fastest"}""", null, GoalMessage)]
    [InlineData("rt-bad-5", ""","routing":{"goal":["Fastest"]}""", null, GoalMessage)]
    [InlineData("rt-bad-6", ""","routing":{"maxShipments":0}""", null, "routing.maxShipments must be between 1 and 10.")]
    [InlineData("rt-bad-7", ""","routing":{"maxShipments":11}""", null, "routing.maxShipments must be between 1 and 10.")]
    [InlineData("rt-bad-8", ""","routing":{"maxShipments":1.5}""", null, "$.routing.maxShipments")]
    [InlineData("rt-bad-9", ""","routing":{"shipComplete":"yes"}""", null, "$.routing.shipComplete")]
    [InlineData("rt-bad-10", ""","routing":"fast" """, null, "$.routing")]
    [InlineData("rt-bad-11", "", """[{"sku":"SKU-0103","quantity":1,"kitId":""}]""", "lines[0].kitId must be 1-64 letters, digits or . _ : -")]
    [InlineData("rt-bad-12", "", """[{"sku":"SKU-0103","quantity":1},{"sku":"SKU-0104","quantity":1,"kitId":"kit/1"}]""", "lines[1].kitId must be 1-64 letters, digits or . _ : -")]
    [InlineData("rt-bad-13", "", """[{"sku":"SKU-0103","quantity":1,"kitId":7}]""", "$.lines[0].kitId")]
    public async Task Malformed_routing_choices_and_kit_ids_are_400_naming_the_field_and_create_nothing(string orderId, string extra, string? lines, string message)
    {
        var before = (await Body(await _storefront.GetAsync("/availability/SKU-0103"))).GetProperty("totalAvailable").GetInt32();

        var body = Order(orderId, extra, lines ?? """[{"sku":"SKU-0103","quantity":1}]""");
        var problem = await Problem(await _storefront.PostAsync("/orders", Json(body)), HttpStatusCode.BadRequest);
        Assert.Contains(message, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NotFound, (await _storefront.GetAsync($"/orders/{orderId}")).StatusCode);
        Assert.Equal(before, (await Body(await _storefront.GetAsync("/availability/SKU-0103"))).GetProperty("totalAvailable").GetInt32());
    }
}
