using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansOrders.Contracts;
using OrleansOrders.Http.OpenApi;

namespace OrleansOrders.Http.Ops;

/// <summary>A candidate routing policy as JSON: every field optional but the name (null keeps the live policy's).</summary>
/// <param name="Goal">LowestCost, Fastest, StockBalance or Weighted (case-insensitive).</param>
/// <param name="CandidateCount">Plan on at most this many of the live bids, best-ranked first.</param>
/// <param name="ExcludedNodes">Nodes the candidate never uses.</param>
/// <param name="SampleRate">Share of live orders planned in shadow, 0.01-1 (default 1).</param>
public sealed record ShadowPolicyBody(
    string? Name, JsonElement? Goal = null, bool? ShipComplete = null, int? MaxShipments = null, int? CandidateCount = null,
    bool? UseOpportunityCost = null, List<string?>? ExcludedNodes = null, ShadowWeightsBody? Weights = null, double? SampleRate = null)
{
    public ShadowPolicy ToPolicy() => new(
        Name ?? "", RoutingBody.ParseGoal(Goal), ShipComplete, MaxShipments, CandidateCount, UseOpportunityCost,
        ExcludedNodes?.Select(n => n ?? "").ToList(),
        Weights is null ? null : new ShadowWeights(Weights.Cost ?? 1m, Weights.PerDay ?? 1m, Weights.Depletion ?? 5m, Weights.PerShipment ?? 0m),
        SampleRate);
}

public sealed record ShadowWeightsBody(decimal? Cost, decimal? PerDay, decimal? Depletion, decimal? PerShipment);

/// <summary>
/// Shadow routing for operators (<c>/ops/api/shadow</c>): start a candidate policy that every live
/// order is also planned under on the same bids (nothing held), read live and shadow side by side
/// over a window, stop it, and replay a candidate over the last recorded orders.
/// </summary>
public static class ShadowApi
{
    public const int MaxWindowMinutes = 60;

    public static IEndpointRouteBuilder MapShadowRoutingApi(this IEndpointRouteBuilder api)
    {
        const int BadInput = StatusCodes.Status400BadRequest;
        api.MapGet("/shadow", Report)
            .Answers<ShadowReport>("ShadowRoutingReport", "Live and shadow routing side by side over the last windowMinutes (1-60, default 15)", BadInput);
        api.MapPut("/shadow", Start)
            .Answers<ShadowReport>("StartShadowRouting", "Plan every live order also under a candidate policy, on the same bids, holding nothing", BadInput);
        api.MapDelete("/shadow", Stop)
            .WithName("StopShadowRouting").WithSummary("Stop shadow routing").Produces(StatusCodes.Status204NoContent);
        api.MapPost("/shadow/replay", Replay)
            .Answers<ShadowReplay>("ReplayShadowRouting", "Plan the last orders (1-2000, default 500) under a candidate and the live policy, on each order's recorded bids", BadInput);
        return api;
    }

    private static async Task<IResult> Report(IGrainFactory grains, int? windowMinutes)
    {
        if (windowMinutes is < 1 or > MaxWindowMinutes)
        {
            return Problems.Invalid([$"windowMinutes must be 1-{MaxWindowMinutes}."]);
        }
        return Results.Ok(await grains.Reference<IShadowRoutingGrain>(0).Report(TimeSpan.FromMinutes(windowMinutes ?? 15)));
    }

    private static async Task<IResult> Start(ShadowPolicyBody? body, IGrainFactory grains)
    {
        if (body is null)
        {
            return Problems.Invalid(["Send a policy: {\"name\":\"...\", ...}."]);
        }
        var shadow = grains.Reference<IShadowRoutingGrain>(0);
        var problems = await shadow.Start(body.ToPolicy());
        return problems.Count > 0 ? Problems.Invalid(problems) : Results.Ok(await shadow.Report(TimeSpan.FromMinutes(15)));
    }

    private static async Task<IResult> Stop(IGrainFactory grains)
    {
        await grains.Reference<IShadowRoutingGrain>(0).Stop();
        return Results.NoContent();
    }

    private static async Task<IResult> Replay(ShadowPolicyBody? body, int? orders, IGrainFactory grains)
    {
        var policy = body?.ToPolicy();
        var problems = policy is null ? ["Send a policy: {\"name\":\"...\", ...}."] : policy.Problems();
        if (orders is < 1 or > 2_000)
        {
            problems.Add("orders must be 1-2000.");
        }
        if (problems.Count > 0)
        {
            return Problems.Invalid(problems);
        }
        return Results.Ok(await grains.Reference<IShadowRoutingGrain>(0).Replay(policy!, orders ?? 500));
    }
}
