using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansOrders.Contracts;
using OrleansOrders.Http.OpenApi;

namespace OrleansOrders.Http.Ops;

/// <summary>
/// A node's release waves for operators: what waits there and when, and running the wave now
/// (what is due, or everything waiting with <c>force=true</c>: a pick wave called early). Each order
/// asked may be re-planned first by the re-optimiser.
/// </summary>
public static class ReleaseWaveApi
{
    public const int MaxListed = 1000;

    public static IEndpointRouteBuilder MapReleaseWaveApi(this IEndpointRouteBuilder api)
    {
        const int BadInput = StatusCodes.Status400BadRequest, Unknown = StatusCodes.Status404NotFound;
        api.MapGet("/waves/{nodeId}", Get)
            .Answers<ReleaseWaveView>("ReleaseWave", $"The orders waiting for release at a node, earliest first (limit 0-{MaxListed}, default 100)", BadInput, Unknown);
        api.MapPost("/waves/{nodeId}/run", Run)
            .Answers<WaveRunResult>("RunReleaseWave", "Run a node's release wave now: what is due, or everything waiting with force=true", BadInput, Unknown);
        return api;
    }

    private static async Task<IResult> Get(string nodeId, int? limit, IGrainFactory grains)
    {
        if (await Problem(nodeId, grains) is { } problem)
        {
            return problem;
        }
        if (limit is < 0 or > MaxListed)
        {
            return Problems.Invalid([$"limit must be 0-{MaxListed}."]);
        }
        return Results.Ok(await grains.Reference<IReleaseWaveGrain>(nodeId).Get(limit ?? 100));
    }

    private static async Task<IResult> Run(string nodeId, bool? force, IGrainFactory grains) =>
        await Problem(nodeId, grains) ?? Results.Ok(await grains.Reference<IReleaseWaveGrain>(nodeId).RunDue(force ?? false));

    /// <summary>A bad or unknown node id, as a problem; null when the node exists.</summary>
    private static async Task<IResult?> Problem(string nodeId, IGrainFactory grains)
    {
        if (!Identifiers.IsValid(nodeId))
        {
            return Problems.Invalid(["nodeId must be 1-64 letters, digits or . _ : - and start with a letter or digit."]);
        }
        return await grains.Reference<IFulfilmentNodeGrain>(nodeId).Get() is null ? Problems.NotFound($"No node '{nodeId}'.") : null;
    }
}
