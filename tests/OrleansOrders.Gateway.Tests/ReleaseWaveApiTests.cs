using System.Net;
using OrleansOrders.Gateway.Tests.Support;
using static OrleansOrders.Gateway.Tests.Support.HttpAssert;

namespace OrleansOrders.Gateway.Tests;

/// <summary>Release waves through HTTP: a soft parcel is shown with its release time, the node cannot start on it, an operator runs the wave; bad requests change nothing.</summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class ReleaseWaveApiTests(GridFixture grid)
{
    private readonly HttpClient _operator = grid.Gateway.Client(Keys.Operator);
    private readonly HttpClient _storefront = grid.Gateway.Client(Keys.Storefront);

    [Fact]
    public async Task A_parcel_of_a_waves_channel_waits_until_an_operator_runs_its_nodes_wave()
    {
        var order = OrderJson("wave-http-1", quantity: 1).Replace("\"channel\":\"web\"", "\"channel\":\"waves\"");
        var placed = await Body(await _storefront.PostAsync("/orders", Json(order)));
        var shipments = placed.GetProperty("shipments").EnumerateArray().ToList();
        Assert.NotEmpty(shipments);
        Assert.All(shipments, s => Assert.Equal(System.Text.Json.JsonValueKind.String, s.GetProperty("releaseAt").ValueKind));
        var first = shipments[0];
        var (nodeId, shipmentId) = (first.GetProperty("nodeId").GetString()!, first.GetProperty("shipmentId").GetString()!);

        var early = await Problem(await _operator.PostAsync($"/orders/wave-http-1/shipments/{shipmentId}/acknowledge", null), HttpStatusCode.Conflict);
        Assert.Contains("not released", early.GetProperty("detail").GetString());
        var waiting = await Body(await _operator.GetAsync($"/ops/api/waves/{nodeId}"));
        Assert.Contains(waiting.GetProperty("orders").EnumerateArray(), w => w.GetProperty("orderId").GetString() == "wave-http-1");

        var notDue = await Body(await _operator.PostAsync($"/ops/api/waves/{nodeId}/run", null));
        Assert.Equal(0, notDue.GetProperty("released").GetInt32()); // the hourly wave has not come
        var run = await Body(await _operator.PostAsync($"/ops/api/waves/{nodeId}/run?force=true", null));
        Assert.True(run.GetProperty("released").GetInt32() >= 1);
        Assert.Equal(0, run.GetProperty("failed").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await _operator.PostAsync($"/orders/wave-http-1/shipments/{shipmentId}/acknowledge", null)).StatusCode);
    }

    [Fact]
    public async Task Bad_node_ids_and_limits_are_problems_and_storefronts_may_not_run_waves()
    {
        await Problem(await _operator.GetAsync("/ops/api/waves/no-such-node"), HttpStatusCode.NotFound);
        await Problem(await _operator.PostAsync("/ops/api/waves/no-such-node/run", null), HttpStatusCode.NotFound);
        await Problem(await _operator.GetAsync("/ops/api/waves/%20bad"), HttpStatusCode.BadRequest);
        await Problem(await _operator.GetAsync("/ops/api/waves/dc-chicago?limit=5000"), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.Forbidden, (await _storefront.PostAsync("/ops/api/waves/dc-chicago/run?force=true", null)).StatusCode);
    }
}
