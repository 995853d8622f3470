using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansOrders.Gateway.Tests.Support;
using OrleansOrders.Http;
using static OrleansOrders.Gateway.Tests.Support.HttpAssert;

namespace OrleansOrders.Gateway.Tests;

/// <summary>Rate limits per key, body limits, timeouts, and the refusal to start without keys outside Development.</summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class LimitsTests(GridFixture grid)
{
    [Fact]
    public async Task Each_key_has_its_own_rate_limit_and_the_refusal_says_when_to_retry()
    {
        await using var strict = new GatewayHost(grid.Silo, new Dictionary<string, string>
        {
            ["Http:PermitsPerSecondPerKey"] = "1",
            ["Http:BurstPerKey"] = "3",
            ["Http:MaxRequestBodyBytes"] = "2048",
        });
        var storefront = strict.Start(Keys.Storefront);
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 8; i++)
        {
            answers.Add(await storefront.GetAsync("/availability/SKU-0001"));
        }
        var limited = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(limited.Count, 4, 7); // a bucket of 3, refilled at 1 per second
        await Problem(limited[0], HttpStatusCode.TooManyRequests);
        Assert.True(int.Parse(limited[0].Headers.GetValues("Retry-After").Single()) >= 1);

        // Another key has its own bucket.
        Assert.Equal(HttpStatusCode.OK, (await strict.Client(Keys.Operator).GetAsync("/nodes/dc-reno")).StatusCode);

        // This gateway takes bodies of at most 2 KiB.
        var big = Json(OrderJson("limits-big").Replace("cust-42", new string('c', 4000)));
        await Problem(await strict.Client(Keys.Operator).PutAsync("/nodes/dc-reno/stock/SKU-0001", big), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task A_handler_that_does_not_answer_in_time_gets_a_504_problem()
    {
        var services = new ServiceCollection();
        services.AddOptions<GridHttpOptions>().Configure(o => o.RequestTimeout = TimeSpan.FromMilliseconds(50));
        var http = new DefaultHttpContext { RequestServices = services.BuildServiceProvider() };
        var never = new TaskCompletionSource<object?>();

        var result = await GridHttp.TimeoutFilter(new DefaultEndpointFilterInvocationContext(http), _ => new ValueTask<object?>(never.Task));

        var problem = Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult>(result);
        Assert.Equal(StatusCodes.Status504GatewayTimeout, problem.StatusCode);
        var quick = await GridHttp.TimeoutFilter(new DefaultEndpointFilterInvocationContext(http), _ => new ValueTask<object?>("done"));
        Assert.Equal("done", quick);
    }

    [Fact]
    public void Outside_Development_the_gateway_refuses_to_start_without_configured_keys()
    {
        using var production = new GatewayHost(grid.Silo, environment: "Production");
        var error = Assert.ThrowsAny<Exception>(() => production.StartServer());
        Assert.Contains("No API keys are configured", Flatten(error));

        using var sneaky = new GatewayHost(grid.Silo, new Dictionary<string, string> { ["Auth:DevelopmentKeys"] = "true" }, environment: "Production");
        Assert.Contains("only allowed in the Development environment", Flatten(Assert.ThrowsAny<Exception>(() => sneaky.StartServer())));
    }

    [Fact]
    public async Task In_production_configured_keys_work_and_the_development_keys_do_not()
    {
        await using var production = new GatewayHost(grid.Silo, new Dictionary<string, string>
        {
            ["Auth:Keys:web-shop:Key"] = "prod-storefront-0123456789abcdef",
            ["Auth:Keys:web-shop:Role"] = "storefront",
        }, environment: "Production");
        var configured = production.Start("prod-storefront-0123456789abcdef");
        Assert.Equal(HttpStatusCode.OK, (await configured.GetAsync("/availability/SKU-0001")).StatusCode);
        await Problem(await production.Client(Keys.Storefront).GetAsync("/availability/SKU-0001"), HttpStatusCode.Unauthorized);
        await Problem(await configured.GetAsync("/nodes/dc-reno"), HttpStatusCode.Forbidden);
    }

    private static string Flatten(Exception error)
    {
        var text = "";
        for (var e = error; e is not null; e = e.InnerException)
        {
            text += e.Message + " | ";
        }
        return error is AggregateException aggregate ? text + string.Join(" | ", aggregate.InnerExceptions.Select(Flatten)) : text;
    }
}
