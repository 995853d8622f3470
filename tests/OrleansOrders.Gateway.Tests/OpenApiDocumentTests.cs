extern alias JsonEverything;

using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using JsonEverything::Json.Schema;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using OrleansOrders.Gateway.Tests.Support;
using OrleansOrders.Http;
using OrleansOrders.Http.OpenApi;
using static OrleansOrders.Gateway.Tests.Support.HttpAssert;

namespace OrleansOrders.Gateway.Tests;

/// <summary>
/// The OpenAPI document is what teams generate clients from: it must list every route the hosts
/// map, accept the bodies the README sends, name the key header the grid really checks, and sit
/// behind a key (the reference page behind an operator key).
/// </summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class OpenApiDocumentTests(GridFixture grid)
{
    [Fact]
    public async Task The_document_is_OpenAPI_3_1_and_its_key_scheme_is_the_header_the_grid_checks()
    {
        var document = await Document(grid.Gateway.Client(Keys.Storefront));

        Assert.StartsWith("3.1.", document.GetProperty("openapi").GetString());
        // What a client generator's reader makes of it: no errors, and the default validation rules hold.
        var read = OpenApiDocument.Parse(document.GetRawText(), "json");
        Assert.Empty(read.Diagnostic?.Errors ?? []);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, read.Diagnostic?.SpecificationVersion);
        Assert.Empty(read.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        var apiKey = schemes.GetProperty(GridOpenApi.ApiKeySchemeId);
        Assert.Equal("apiKey", apiKey.GetProperty("type").GetString());
        Assert.Equal("header", apiKey.GetProperty("in").GetString());
        Assert.Equal(ApiKeyRegistry.HeaderName, apiKey.GetProperty("name").GetString());
        Assert.Equal("bearer", schemes.GetProperty(GridOpenApi.BearerSchemeId).GetProperty("scheme").GetString());

        foreach (var (path, method, operation) in Operations(document))
        {
            var anonymous = path is "/health" or "/health/ready" or "/ops/login" or "/ops/logout" or "/ops/assets/{file}";
            var schemesAsked = operation.TryGetProperty("security", out var security)
                ? security.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).ToList()
                : [];
            Assert.True(anonymous ? schemesAsked.Count == 0 : schemesAsked.Contains(GridOpenApi.ApiKeySchemeId),
                $"{method} {path}: security {string.Join(", ", schemesAsked)}");
        }
    }

    [Fact]
    public async Task Every_route_the_silo_and_the_gateway_map_is_in_their_document_with_its_method()
    {
        var silo = grid.Silo.CreateClient();
        silo.DefaultRequestHeaders.Add(ApiKeyRegistry.HeaderName, Keys.Storefront);
        foreach (var (host, services, client) in new[] { ("silo", grid.Silo.Services, silo), ("gateway", grid.Gateway.Services, grid.Gateway.Client(Keys.Storefront)) })
        {
            var paths = (await Document(client)).GetProperty("paths");
            var routes = services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
                .Where(e => !IsDocumentationRoute(e.RoutePattern.RawText ?? ""))
                .ToList();
            Assert.Contains(routes, e => e.RoutePattern.RawText == "/orders/"); // the enumeration sees the API at all
            foreach (var route in routes)
            {
                var path = DocumentPath(route.RoutePattern.RawText!);
                Assert.True(paths.TryGetProperty(path, out var item), $"{host}: {route.DisplayName} ({path}) is not in the document");
                // An endpoint for every method (the Prometheus scraper) is documented for the method it is used with.
                var methods = route.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
                foreach (var method in methods)
                {
                    Assert.True(item.TryGetProperty(method.ToLowerInvariant(), out _), $"{host}: {method} {path} is not in the document");
                }
            }
        }
    }

    [Fact]
    public async Task Every_README_body_validates_against_its_operation_and_is_one_of_its_examples()
    {
        var document = await Document(grid.Gateway.Client(Keys.Storefront));
        var calls = ReadmeCalls();
        Assert.True(calls.Count >= 15, $"only {calls.Count} curl calls with a -d body found in the README");
        foreach (var (method, path, body) in calls)
        {
            var operation = OperationFor(document, method, path);
            var media = JsonRequestBody(operation);
            var errors = Validate(document, media.GetProperty("schema"), body);
            Assert.True(errors is null, $"README {method} {path} {body}: {errors}");
            var examples = media.GetProperty("examples").EnumerateObject().Select(e => JsonNode.Parse(e.Value.GetProperty("value").GetRawText()));
            Assert.True(examples.Any(e => JsonNode.DeepEquals(e, JsonNode.Parse(body))),
                $"README {method} {path} sends {body}, which is not among {operation.GetProperty("operationId")}'s examples (OpenApi/ApiExamples.cs)");
        }
    }

    [Fact]
    public async Task Every_example_is_on_its_operation_and_validates_against_its_schema()
    {
        var document = await Document(grid.Gateway.Client(Keys.Storefront));
        var operations = Operations(document).ToDictionary(o => o.Operation.GetProperty("operationId").GetString()!, o => o.Operation);
        foreach (var (name, examples) in ApiExamples.ByOperation)
        {
            Assert.True(operations.TryGetValue(name, out var operation), $"ApiExamples names {name}, which no operation is called");
            var media = JsonRequestBody(operation);
            Assert.Equal(examples.Count, media.GetProperty("examples").EnumerateObject().Count());
            foreach (var (summary, json) in examples)
            {
                var errors = Validate(document, media.GetProperty("schema"), json);
                Assert.True(errors is null, $"{name} example '{summary}': {errors}");
            }
        }
        // And the schema is strict enough to refuse something: a line without its quantity.
        var submit = JsonRequestBody(operations["SubmitOrder"]).GetProperty("schema");
        Assert.NotNull(Validate(document, submit, """{"orderId":"x","customerId":"c","channel":"web","shipTo":{"latitude":1,"longitude":2},"lines":[{"sku":"SKU-0001"}]}"""));
    }

    [Fact]
    public async Task Operations_list_their_headers_and_their_refusals_as_problem_details()
    {
        var document = await Document(grid.Gateway.Client(Keys.Storefront));
        var byId = Operations(document).ToDictionary(o => o.Operation.GetProperty("operationId").GetString()!, o => o.Operation);
        Assert.Contains("X-Actor", Headers(byId["ShipShipment"]));
        Assert.Contains("Idempotency-Key", Headers(byId["SetStock"]));
        Assert.Contains("Idempotency-Key", Headers(byId["ImportStockFeed"]));
        Assert.Equal(["200", "201", "400", "401", "403", "409", "413", "415", "429", "503", "504"], Codes(byId["SubmitOrder"]));
        Assert.Equal(["200", "400", "401", "403", "404", "429", "503", "504"], Codes(byId["GetOrder"]));
        Assert.Equal(["200", "400", "401", "403", "404", "409", "413", "415", "429", "503", "504"], Codes(byId["ShipShipment"]));
        Assert.Equal(["200"], Codes(byId["Health"]));

        // A real 400 has the documented shape, errors and all.
        var refused = await grid.Gateway.Client(Keys.Storefront).PostAsync("/orders", Json("""{"orderId":"bad id!"}"""));
        var problem = await Problem(refused, HttpStatusCode.BadRequest);
        var invalid = byId["SubmitOrder"].GetProperty("responses").GetProperty("400").GetProperty("content").GetProperty("application/problem+json");
        Assert.Null(Validate(document, invalid.GetProperty("schema"), problem.GetRawText()));
        Assert.True(problem.GetProperty("errors").GetArrayLength() > 0);
        Assert.Contains("errors", document.GetProperty("components").GetProperty("schemas").GetProperty("InvalidRequestProblem").GetProperty("properties").EnumerateObject().Select(p => p.Name));
        foreach (var (path, method, operation) in Operations(document))
        {
            foreach (var response in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
            {
                var schema = response.Value.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema");
                Assert.Contains(schema.GetProperty("$ref").GetString(), ProblemSchemas);
            }
        }
    }

    [Fact]
    public async Task The_document_needs_a_key_of_either_role()
    {
        await Problem(await grid.Gateway.Client().GetAsync(GridOpenApi.DocumentPath), HttpStatusCode.Unauthorized);
        await Problem(await grid.Gateway.Client("not-a-key-at-all-0000").GetAsync(GridOpenApi.DocumentPath), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await grid.Gateway.Client(Keys.Storefront).GetAsync(GridOpenApi.DocumentPath)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await grid.Gateway.Client(Keys.Operator).GetAsync(GridOpenApi.DocumentPath)).StatusCode);
    }

    [Fact]
    public async Task The_reference_page_is_for_operators_only()
    {
        var reference = GridOpenApi.ReferencePath + "/" + GridOpenApi.DocumentName;
        await Problem(await grid.Gateway.Client().GetAsync(reference), HttpStatusCode.Unauthorized);
        await Problem(await grid.Gateway.Client(Keys.Storefront).GetAsync(reference), HttpStatusCode.Forbidden);

        var page = await grid.Gateway.Client(Keys.Operator).GetAsync(reference);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("openapi/v1.json", await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await grid.Gateway.Client(Keys.Operator).GetAsync(GridOpenApi.ReferencePath + "/scalar.js")).StatusCode);
    }

    private static async Task<JsonElement> Document(HttpClient client)
    {
        var response = await client.GetAsync(GridOpenApi.DocumentPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Body(response);
    }

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(op => (path.Name, op.Name, op.Value)));

    private static readonly string[] ProblemSchemas = ["#/components/schemas/ProblemDetails", "#/components/schemas/InvalidRequestProblem"];

    private static JsonElement JsonRequestBody(JsonElement operation) =>
        operation.GetProperty("requestBody").GetProperty("content").GetProperty("application/json");

    private static List<string?> Headers(JsonElement operation) =>
        operation.GetProperty("parameters").EnumerateArray()
            .Where(p => p.GetProperty("in").GetString() == "header").Select(p => p.GetProperty("name").GetString()).ToList();

    private static List<string> Codes(JsonElement operation) =>
        operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal).ToList();

    private static bool IsDocumentationRoute(string route) =>
        route.StartsWith("/openapi/", StringComparison.Ordinal) || route.StartsWith(GridOpenApi.ReferencePath + "/", StringComparison.Ordinal);

    /// <summary>A route pattern as OpenAPI writes it: no constraints, catch-all stars or optional marks, no trailing slash.</summary>
    private static string DocumentPath(string route)
    {
        var path = Regex.Replace(route, @"\{\*{0,2}([^}:?=]+)[^}]*\}", "{$1}").TrimEnd('/');
        return path.Length == 0 ? "/" : path;
    }

    /// <summary>The operation a concrete call hits: the path template that matches with the fewest parameters (literals win).</summary>
    private static JsonElement OperationFor(JsonElement document, string method, string path)
    {
        var matches = document.GetProperty("paths").EnumerateObject()
            .Where(p => Regex.IsMatch(path, "^" + Regex.Replace(Regex.Escape(p.Name), @"\\\{[^}]+}", "[^/]+") + "$"))
            .OrderBy(p => p.Name.Count(c => c == '{'))
            .ToList();
        Assert.True(matches.Count > 0, $"README calls {method} {path}, which no path in the document matches");
        Assert.True(matches[0].Value.TryGetProperty(method.ToLowerInvariant(), out var operation), $"README calls {method} {path}: {matches[0].Name} has no {method}");
        return operation;
    }

    /// <summary>
    /// Validates <paramref name="json"/> against an operation's schema, its references into the
    /// document's components rewritten into <c>$defs</c> of one JSON Schema 2020-12 document.
    /// Answers null when valid, else the errors.
    /// </summary>
    private static string? Validate(JsonElement document, JsonElement schema, string json)
    {
        const string components = "#/components/schemas/";
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = JsonNode.Parse(document.GetProperty("components").GetProperty("schemas").GetRawText()),
            ["allOf"] = new JsonArray(JsonNode.Parse(schema.GetRawText())),
        };
        var text = root.ToJsonString().Replace(components, "#/$defs/", StringComparison.Ordinal);
        var jsonSchema = JsonSchema.FromText(text, new BuildOptions(), new Uri($"https://orleans-orders.test/{Guid.NewGuid():N}.json"));
        using var instance = JsonDocument.Parse(json);
        var result = jsonSchema.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return null;
        }
        var errors = (result.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"));
        return string.Join("; ", errors);
    }

    /// <summary>
    /// The README's curl calls with a JSON body (<c>-d '...'</c>): method, path and body, read from the
    /// file itself (continuation lines joined), so a body edited there is checked as written.
    /// </summary>
    private static List<(string Method, string Path, string Body)> ReadmeCalls()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")).Replace("\\\n", " ");
        var calls = new List<(string, string, string)>();
        foreach (var line in text.Split('\n').Where(l => l.Contains("curl ", StringComparison.Ordinal)))
        {
            var body = Regex.Match(line, @"\s-d\s+'([^']*)'");
            if (!body.Success)
            {
                continue;
            }
            var method = Regex.Match(line, @"\s-X\s+([A-Z]+)");
            var url = Regex.Match(line, @"https?://localhost:\d+(/[^\s'""?]*)");
            Assert.True(url.Success, $"a README curl line with a body but no URL: {line}");
            calls.Add((method.Success ? method.Groups[1].Value : "POST", url.Groups[1].Value, body.Groups[1].Value));
        }
        return calls;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OrleansOrders.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("OrleansOrders.sln not found above " + AppContext.BaseDirectory);
    }
}
