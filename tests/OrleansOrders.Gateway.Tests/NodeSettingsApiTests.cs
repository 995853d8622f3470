using System.Net;
using System.Text.Json;
using OrleansOrders.Gateway.Tests.Support;
using static OrleansOrders.Gateway.Tests.Support.HttpAssert;

namespace OrleansOrders.Gateway.Tests;

/// <summary>
/// <c>PATCH /nodes/{nodeId}</c> with the routing settings of a node: dispatch cutoff (UTC, HH:mm),
/// priority and service radius, and clearing them. Bad values are 400 with the profile validator's
/// message and leave the node as it was; an unknown node is 404.
/// </summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class NodeSettingsApiTests(GridFixture grid)
{
    // A drop-ship supplier far from the other tests' New York orders; every test leaves it as it found it.
    private const string Node = "ds-phoenix";

    private readonly HttpClient _operator = grid.Gateway.Client(Keys.Operator);

    private async Task<JsonElement> Profile() => (await Body(await _operator.GetAsync($"/nodes/{Node}"))).GetProperty("profile");

    [Fact]
    public async Task Operators_set_a_nodes_cutoff_priority_and_service_radius_and_clear_them()
    {
        try
        {
            var set = await _operator.PatchAsync($"/nodes/{Node}", Json("""{"cutoffUtc":"14:30","priority":5,"serviceRadiusKm":1200.5}"""));
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
            var profile = (await Body(set)).GetProperty("profile");
            Assert.Equal("14:30:00", profile.GetProperty("cutoffUtc").GetString());
            Assert.Equal(5, profile.GetProperty("priority").GetInt32());
            Assert.Equal(1200.5, profile.GetProperty("serviceRadiusKm").GetDouble());
            Assert.Equal("Open", profile.GetProperty("status").GetString()); // fields not sent stay as they are
            Assert.Equal(profile.GetRawText(), (await Profile()).GetRawText());

            // One field at a time leaves the others; the read-back form of the cutoff is accepted too.
            var cutoff = (await Body(await _operator.PatchAsync($"/nodes/{Node}", Json("""{"cutoffUtc":"23:59:00"}""")))).GetProperty("profile");
            Assert.Equal("23:59:00", cutoff.GetProperty("cutoffUtc").GetString());
            Assert.Equal(5, cutoff.GetProperty("priority").GetInt32());
            Assert.Equal(1200.5, cutoff.GetProperty("serviceRadiusKm").GetDouble());

            var cleared = (await Body(await _operator.PatchAsync($"/nodes/{Node}", Json("""{"clearCutoff":true,"clearServiceRadius":true,"priority":0}""")))).GetProperty("profile");
            Assert.Equal(JsonValueKind.Null, cleared.GetProperty("cutoffUtc").ValueKind);
            Assert.Equal(JsonValueKind.Null, cleared.GetProperty("serviceRadiusKm").ValueKind);
            Assert.Equal(0, cleared.GetProperty("priority").GetInt32());
        }
        finally
        {
            await _operator.PatchAsync($"/nodes/{Node}", Json("""{"clearCutoff":true,"clearServiceRadius":true,"priority":0,"status":"Open"}"""));
        }
    }

    public const string Nothing = "Send at least one of status (Open, Paused, Closed), dailyCapacity, cutoffUtc, priority, serviceRadiusKm, clearCutoff and clearServiceRadius.";
    public const string Cutoff = "cutoffUtc must be a UTC time of day as HH:mm (00:00 to 23:59).";

    [Theory]
    [InlineData("""{"priority":-1}""", "priority must be between 0 and 1000.")]
    [InlineData("""{"priority":1001}""", "priority must be between 0 and 1000.")]
    [InlineData("""{"status":"Paused","priority":-1}""", "priority must be between 0 and 1000.")]
    [InlineData("""{"serviceRadiusKm":0}""", "serviceRadiusKm must be above 0 and at most 20040.")]
    [InlineData("""{"serviceRadiusKm":-5}""", "serviceRadiusKm must be above 0 and at most 20040.")]
    [InlineData("""{"serviceRadiusKm":20040.5}""", "serviceRadiusKm must be above 0 and at most 20040.")]
    [InlineData("""{"cutoffUtc":"24:00"}""", Cutoff)]
    [InlineData("""{"cutoffUtc":"9:00"}""", Cutoff)]
    [InlineData("""{"cutoffUtc":"2pm"}""", Cutoff)]
    [InlineData("""{"cutoffUtc":""}""", Cutoff)]
    [InlineData("""{"cutoffUtc":"14:30Z"}""", Cutoff)]
    [InlineData("""{"cutoffUtc":"14:30","clearCutoff":true}""", "Send either cutoffUtc or clearCutoff, not both.")]
    [InlineData("""{"serviceRadiusKm":50,"clearServiceRadius":true}""", "Send either serviceRadiusKm or clearServiceRadius, not both.")]
    [InlineData("""{"clearCutoff":false}""", Nothing)]
    [InlineData("""{}""", Nothing)]
    [InlineData("""{"priority":"5"}""", "$.priority")]
    [InlineData("""{"cutoffUtc":1430}""", "$.cutoffUtc")]
    [InlineData("""{"serviceRadiusKm":"far"}""", "$.serviceRadiusKm")]
    [InlineData("""{"clearCutoff":"yes"}""", "$.clearCutoff")]
    public async Task Bad_node_settings_are_400_with_the_validators_message_and_change_nothing(string body, string message)
    {
        var before = (await Profile()).GetRawText();

        var problem = await Problem(await _operator.PatchAsync($"/nodes/{Node}", Json(body)), HttpStatusCode.BadRequest);
        Assert.Contains(message, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(before, (await Profile()).GetRawText());
    }

    [Fact]
    public async Task Node_settings_for_an_unknown_node_are_404_and_for_a_malformed_id_400()
    {
        var missing = await Problem(await _operator.PatchAsync("/nodes/dc-nowhere", Json("""{"priority":3}""")), HttpStatusCode.NotFound);
        Assert.Equal("Node 'dc-nowhere' does not exist.", missing.GetProperty("detail").GetString());
        Assert.Null(await grid.Silo.Grains.GetGrain<OrleansOrders.Contracts.IFulfilmentNodeGrain>("dc-nowhere").Get());

        // Bad values are refused before the node is even looked up.
        var bad = await Problem(await _operator.PatchAsync("/nodes/dc-nowhere", Json("""{"priority":3000}""")), HttpStatusCode.BadRequest);
        Assert.Equal("priority must be between 0 and 1000.", bad.GetProperty("detail").GetString());
        var odd = await Problem(await _operator.PatchAsync("/nodes/-odd", Json("""{"cutoffUtc":"10:00"}""")), HttpStatusCode.BadRequest);
        Assert.Equal("nodeId is not a valid id.", odd.GetProperty("detail").GetString());
        await Problem(await grid.Gateway.Client(Keys.Storefront).PatchAsync($"/nodes/{Node}", Json("""{"priority":3}""")), HttpStatusCode.Forbidden);
    }
}
