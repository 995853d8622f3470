using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using OrleansOrders.Contracts;
using Scalar.AspNetCore;

namespace OrleansOrders.Http.OpenApi;

/// <summary>
/// The OpenAPI 3.1 document of the whole HTTP API (generated from the endpoints' own metadata by
/// Microsoft.AspNetCore.OpenApi, so it cannot drift from what is mapped) at <c>/openapi/v1.json</c>,
/// readable with any valid key, and the Scalar reference over it at <c>/ops/reference/v1</c>, operator only.
/// </summary>
public static class GridOpenApi
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    private const string DocumentRoutePattern = "/openapi/{documentName}.json";
    public const string ReferencePath = "/ops/reference";

    /// <summary>The security scheme ids in the document: the two ways <see cref="ApiKeyAuthenticationHandler"/> reads a key.</summary>
    public const string ApiKeySchemeId = "ApiKey";
    public const string BearerSchemeId = "Bearer";

    private const string ProblemJson = "application/problem+json";

    public static IServiceCollection AddGridOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.AddSchemaTransformer((schema, context, _) =>
            {
                RequireWhatTheValidatorRequires(schema, context);
                return Task.CompletedTask;
            });
            options.AddDocumentTransformer((document, context, _) =>
            {
                Describe(document);
                DescribeRoutingGoal(document);
                DescribeMetrics(document, context.ApplicationServices);
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                RequireKey(operation, context);
                ApiExamples.Attach(operation, context);
                return Task.CompletedTask;
            });
        });

    /// <summary>
    /// Maps the document (any valid key: it lists no data, but the fallback policy keeps the API's
    /// surface from anonymous scanners) and the reference page (operator key, or the page's cookie).
    /// Scalar serves its script bundle beside the page without the page's policy: code, no data, like
    /// the operator page's own assets.
    /// </summary>
    public static IEndpointRouteBuilder MapGridOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(DocumentRoutePattern).RequireAuthorization();
        app.MapScalarApiReference(ReferencePath, options => options
                .WithTitle("OrleansOrders API reference")
                .WithOpenApiRoutePattern(DocumentRoutePattern)
                .AddPreferredSecuritySchemes([ApiKeySchemeId]))
            .RequireAuthorization(GridPolicies.Operator);
        return app;
    }

    /// <summary>
    /// Adds to every endpoint of <paramref name="endpoints"/> the refusals the front door itself can answer,
    /// whatever the handler does: 401 and 403 from the key and role checks, 413 and 415 for bodies,
    /// 429 from the rate limiter, 503 and 504 when the grid cannot answer. Run last (Finally), so
    /// the endpoint's own policies and body metadata are already there to be read.
    /// </summary>
    public static TBuilder DocumentFrontDoorRefusals<TBuilder>(this TBuilder endpoints) where TBuilder : IEndpointConventionBuilder
    {
        endpoints.Finally(endpoint =>
        {
            var metadata = endpoint.Metadata;
            var anonymous = metadata.OfType<IAllowAnonymous>().Any();
            if (!anonymous)
            {
                Refusal(metadata, StatusCodes.Status401Unauthorized);
                if (metadata.OfType<IAuthorizeData>().Any(a => a.Policy is not null || a.Roles is not null))
                {
                    Refusal(metadata, StatusCodes.Status403Forbidden);
                }
                Refusal(metadata, StatusCodes.Status503ServiceUnavailable);
                Refusal(metadata, StatusCodes.Status504GatewayTimeout);
            }
            if (metadata.OfType<IAcceptsMetadata>().Any())
            {
                Refusal(metadata, StatusCodes.Status413PayloadTooLarge);
                Refusal(metadata, StatusCodes.Status415UnsupportedMediaType);
            }
            if (!metadata.OfType<DisableRateLimitingAttribute>().Any())
            {
                Refusal(metadata, StatusCodes.Status429TooManyRequests);
            }
        });
        return endpoints;
    }

    /// <summary>The endpoint's answers: <typeparamref name="TResponse"/> on success, then its own refusals as problem details.</summary>
    public static RouteHandlerBuilder Answers<TResponse>(this RouteHandlerBuilder endpoint, string name, string summary, params int[] problems) =>
        endpoint.Answers<TResponse>(StatusCodes.Status200OK, name, summary, problems);

    public static RouteHandlerBuilder Answers<TResponse>(this RouteHandlerBuilder endpoint, int status, string name, string summary, params int[] problems)
    {
        endpoint.WithName(name).WithSummary(summary).Produces<TResponse>(status);
        foreach (var problem in problems)
        {
            if (problem == StatusCodes.Status400BadRequest)
            {
                endpoint.Produces<InvalidRequestProblem>(problem, ProblemJson);
            }
            else
            {
                endpoint.ProducesProblem(problem);
            }
        }
        return endpoint;
    }

    /// <summary>
    /// The shape of a 400 as <see cref="Problems.Invalid"/> writes it: problem details plus every
    /// validation message. Described only (the handlers write <see cref="ProblemDetails"/> with an
    /// <c>errors</c> extension); a 400 from binding, malformed JSON, carries no <c>errors</c>.
    /// </summary>
    public sealed class InvalidRequestProblem : ProblemDetails
    {
        public IReadOnlyList<string>? Errors { get; init; }
    }

    private static void Refusal(IList<object> metadata, int status)
    {
        if (!metadata.OfType<IProducesResponseTypeMetadata>().Any(p => p.StatusCode == status))
        {
            metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), [ProblemJson]));
        }
    }

    private static void Describe(OpenApiDocument document)
    {
        document.Info = new OpenApiInfo
        {
            Title = "OrleansOrders",
            Version = DocumentName,
            Description =
                "A distributed order management grid: submit orders (idempotent on orderId), read network availability, " +
                "manage fulfilment nodes and their stock, move shipments, take returns. Every endpoint but /health needs an " +
                $"API key in {ApiKeyRegistry.HeaderName} (or Authorization: Bearer <key>); the storefront role orders and reads " +
                "availability, the operator role manages nodes, stock, feeds and webhooks. Refusals are RFC 9457 problem " +
                "details and change nothing.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiKeySchemeId] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyRegistry.HeaderName,
            Description = "A storefront or operator API key.",
        };
        document.Components.SecuritySchemes[BearerSchemeId] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The same API key as Authorization: Bearer <key> (what Prometheus and most tools can send).",
        };
    }

    /// <summary>
    /// Request bodies bind every field as nullable (the validator names a missing one), so the generated
    /// schema would call every constructor parameter required, or none: the fields marked
    /// <see cref="RequiredAttribute"/> are the ones the validator refuses to go without.
    /// </summary>
    private static void RequireWhatTheValidatorRequires(OpenApiSchema schema, OpenApiSchemaTransformerContext context)
    {
        var type = context.JsonTypeInfo.Type;
        // Also where a body is a property of another (routing in an order): that is where its component schema is made.
        if (type.Assembly != typeof(GridOpenApi).Assembly || !type.Name.EndsWith("Body", StringComparison.Ordinal))
        {
            return;
        }
        schema.Required = context.JsonTypeInfo.Properties
            .Where(p => p.AttributeProvider?.IsDefined(typeof(RequiredAttribute), inherit: true) == true)
            .Select(p => p.Name)
            .ToHashSet();
    }

    /// <summary>The goal binds as raw JSON (so a wrong one gets the validator's message); to clients it is one of the goal names.</summary>
    private static void DescribeRoutingGoal(OpenApiDocument document)
    {
        if (document.Components?.Schemas?.TryGetValue(nameof(RoutingBody), out var routing) != true ||
            routing is not OpenApiSchema { Properties: { } properties })
        {
            return;
        }
        properties["goal"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String | JsonSchemaType.Null,
            Enum = Enum.GetNames<RoutingGoal>().Select(n => (JsonNode)JsonValue.Create(n)).ToList(),
            Description = "What best means for this order (case-insensitive); left out, the channel's default.",
        };
        if (!document.Components.Schemas.Values.Any(UsesJsonElement))
        {
            document.Components.Schemas.Remove(nameof(JsonElement));
        }
    }

    private static bool UsesJsonElement(IOpenApiSchema schema) =>
        schema.Properties?.Values.Any(p => p is OpenApiSchemaReference { Reference.Id: nameof(JsonElement) } ||
                                           p.OneOf?.Any(o => o is OpenApiSchemaReference { Reference.Id: nameof(JsonElement) }) == true) == true;

    /// <summary>
    /// The Prometheus endpoint is a plain request delegate, which the generator cannot see; it is
    /// described here, when mapped, so the document still lists every route.
    /// </summary>
    private static void DescribeMetrics(OpenApiDocument document, IServiceProvider services)
    {
        var mapped = services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>().Any(e => e.RoutePattern.RawText == GridTelemetry.MetricsPath);
        if (!mapped)
        {
            return;
        }
        var problem = new OpenApiSchemaReference(nameof(ProblemDetails), document);
        OpenApiResponse Refusal(string description) => new()
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { [ProblemJson] = new() { Schema = problem } },
        };
        document.Paths ??= new OpenApiPaths();
        document.Tags ??= new HashSet<OpenApiTag>();
        document.Tags.Add(new OpenApiTag { Name = "Telemetry" });
        document.Paths[GridTelemetry.MetricsPath] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    OperationId = "Metrics",
                    Summary = "Metrics in the Prometheus text format",
                    Description = "Needs an API key with the operator role.",
                    Tags = new HashSet<OpenApiTagReference> { new("Telemetry", document) },
                    Security = KeyRequirements(document),
                    Responses = new OpenApiResponses
                    {
                        ["200"] = new OpenApiResponse
                        {
                            Description = "OK",
                            Content = new Dictionary<string, OpenApiMediaType>
                            {
                                ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                            },
                        },
                        ["401"] = Refusal("Unauthorized"),
                        ["403"] = Refusal("Forbidden"),
                    },
                },
            },
        };
    }

    private static List<OpenApiSecurityRequirement> KeyRequirements(OpenApiDocument? document) =>
    [
        new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeySchemeId, document)] = [] },
        new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerSchemeId, document)] = [] },
    ];

    /// <summary>Every operation but the anonymous ones takes a key, in either place; the description names the role.</summary>
    private static void RequireKey(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            return;
        }
        operation.Security = KeyRequirements(context.Document);
        var role = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null) switch
        {
            GridPolicies.Storefront => GridRoles.Storefront,
            GridPolicies.Operator => GridRoles.Operator,
            _ => null,
        };
        var needs = role is null ? "Needs an API key of either role." : $"Needs an API key with the {role} role.";
        operation.Description = string.IsNullOrEmpty(operation.Description) ? needs : operation.Description + " " + needs;
    }
}
