using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using OrleansOrders.Gateway.Tests.Support;
using static OrleansOrders.Gateway.Tests.Support.HttpAssert;

namespace OrleansOrders.Gateway.Tests;

/// <summary>Metrics (Orleans' meter and the grid's own) on /metrics, trace context through the gateway into grain calls, the dashboard behind the operator role.</summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class TelemetryTests(GridFixture grid)
{
    [Fact]
    public async Task Silo_metrics_carry_orleans_and_grid_instruments_for_the_operator_role_only()
    {
        var storefront = grid.Gateway.Client(Keys.Storefront);
        Assert.Equal(HttpStatusCode.Created, (await storefront.PostAsync("/orders", Json(OrderJson("metrics-1")))).StatusCode);

        var silo = grid.Silo.CreateClient();
        await Problem(await silo.GetAsync("/metrics"), HttpStatusCode.Unauthorized);
        silo.DefaultRequestHeaders.Add("X-Api-Key", Keys.Operator);
        var text = await silo.GetStringAsync("/metrics");
        Assert.Contains("orleansorders_allocation_duration_seconds_bucket", text, StringComparison.Ordinal);
        Assert.Contains("orleansorders_routing_rounds", text, StringComparison.Ordinal);
        Assert.Contains("orleansorders_routing_bids_total{", text, StringComparison.Ordinal);
        Assert.Contains("orleansorders_node_capacity_used{", text, StringComparison.Ordinal);
        Assert.Contains("otel_scope_name=\"Microsoft.Orleans\"", text, StringComparison.Ordinal);

        var gateway = await grid.Gateway.Client(Keys.Operator).GetStringAsync("/metrics");
        Assert.Contains("http_server_request_duration_seconds", gateway, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_trace_started_by_the_caller_flows_through_the_gateway_into_the_silos_grain_calls()
    {
        var activities = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Microsoft.AspNetCore" || source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Add,
        };
        ActivitySource.AddActivityListener(listener);

        var traceId = ActivityTraceId.CreateRandom();
        var request = new HttpRequestMessage(HttpMethod.Get, "/availability/SKU-0002");
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        Assert.Equal(HttpStatusCode.OK, (await grid.Gateway.Client(Keys.Storefront).SendAsync(request)).StatusCode);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        // Activities are seen when they stop, and the gateway's request activity stops after the
        // response went out (a loaded machine lets the client read it first): wait for both ends.
        while (!(activities.Any(a => a.TraceId == traceId && a.Kind == ActivityKind.Server && a.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal))
                 && activities.Any(a => a.TraceId == traceId && a.Source.Name == "Microsoft.AspNetCore")) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        var traced = activities.Where(a => a.TraceId == traceId).ToList();
        Assert.Contains(traced, a => a.Source.Name == "Microsoft.AspNetCore");                                                  // the gateway's request
        Assert.Contains(traced, a => a.Kind == ActivityKind.Client && a.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal)); // its grain call
        Assert.Contains(traced, a => a.Kind == ActivityKind.Server && a.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal)); // the silo answering it
    }

    [Fact]
    public async Task The_orleans_dashboard_is_on_the_silo_behind_the_operator_role()
    {
        var anonymous = grid.Silo.CreateClient();
        await Problem(await anonymous.GetAsync("/dashboard/"), HttpStatusCode.Unauthorized);
        var storefront = grid.Silo.CreateClient();
        storefront.DefaultRequestHeaders.Add("X-Api-Key", Keys.Storefront);
        await Problem(await storefront.GetAsync("/dashboard/"), HttpStatusCode.Forbidden);
        var operatorClient = grid.Silo.CreateClient();
        operatorClient.DefaultRequestHeaders.Add("X-Api-Key", Keys.Operator);
        var page = await operatorClient.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
    }
}
