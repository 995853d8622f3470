using System.Net;
using OrleansOrders.Gateway.Tests.Support;
using static OrleansOrders.Gateway.Tests.Support.HttpAssert;

namespace OrleansOrders.Gateway.Tests;

/// <summary>Shadow routing through HTTP: start, report, replay, stop; bad policies are 400 problems that change nothing; operators only.</summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class ShadowApiTests(GridFixture grid)
{
    private readonly HttpClient _operator = grid.Gateway.Client(Keys.Operator);

    [Fact]
    public async Task An_operator_starts_reads_replays_and_stops_a_shadow_policy_and_bad_policies_change_nothing()
    {
        try
        {
            var bad = await Problem(await _operator.PutAsync("/ops/api/shadow", Json("""{"name":"","goal":"Slowest","maxShipments":0,"candidateCount":500}""")), HttpStatusCode.BadRequest);
            Assert.Equal(4, bad.GetProperty("errors").GetArrayLength());
            await Problem(await _operator.PutAsync("/ops/api/shadow", Json("""{"name":"x","excludedNodes":[null]}""")), HttpStatusCode.BadRequest);
            await Problem(await _operator.PutAsync("/ops/api/shadow", Json("{\"name\":\"")), HttpStatusCode.BadRequest);
            Assert.Equal(JsonValueKindNull, (await Body(await _operator.GetAsync("/ops/api/shadow"))).GetProperty("policy").ValueKind);

            var started = await Body(await _operator.PutAsync("/ops/api/shadow", Json("""{"name":"fastest-no-oc","goal":"Fastest","useOpportunityCost":false,"excludedNodes":["dc-chicago"]}""")));
            Assert.Equal("fastest-no-oc", started.GetProperty("policy").GetProperty("name").GetString());
            var report = await Body(await _operator.GetAsync("/ops/api/shadow?windowMinutes=5"));
            Assert.Equal("Fastest", report.GetProperty("policy").GetProperty("goal").GetString());
            Assert.True(report.TryGetProperty("live", out _) && report.TryGetProperty("shadow", out _));
            await Problem(await _operator.GetAsync("/ops/api/shadow?windowMinutes=0"), HttpStatusCode.BadRequest);

            var replay = await Body(await _operator.PostAsync("/ops/api/shadow/replay?orders=50", Json("""{"name":"two-parcels","maxShipments":2,"candidateCount":3}""")));
            Assert.Equal("two-parcels", replay.GetProperty("policy").GetProperty("name").GetString());
            Assert.True(replay.GetProperty("orders").GetInt64() + replay.GetProperty("skipped").GetInt64() <= 50);
            await Problem(await _operator.PostAsync("/ops/api/shadow/replay?orders=5000", Json("""{"name":"x"}""")), HttpStatusCode.BadRequest);

            var storefront = grid.Gateway.Client(Keys.Storefront);
            Assert.Equal(HttpStatusCode.Forbidden, (await storefront.GetAsync("/ops/api/shadow")).StatusCode);
        }
        finally
        {
            Assert.Equal(HttpStatusCode.NoContent, (await _operator.DeleteAsync("/ops/api/shadow")).StatusCode);
        }
        Assert.Equal(JsonValueKindNull, (await Body(await _operator.GetAsync("/ops/api/shadow"))).GetProperty("policy").ValueKind);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;
}
