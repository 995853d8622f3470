using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;
using OrleansOrders.Routing;

namespace OrleansOrders.Grains.Routing;

/// <summary>
/// The network's opportunity cost of stock (key 0), recomputed every
/// <see cref="OpportunityCostSettings.RefreshInterval"/> and on <see cref="IOpportunityCostGrain.Refresh"/>:
/// open shipping nodes supply what SKU availability says they have, demand regions (the network's
/// node locations) expect what the orders of the demand window forecast (<see cref="DemandForecast"/>,
/// from the samples the order-event projections pass on through <see cref="IOpportunityCostGrain.RecordDemand"/>), and
/// <see cref="OpportunityCostCalculator"/> prices each node's last unit. The table is derived data,
/// kept in memory only: a new activation answers empty until its first refresh, and routing then
/// simply ignores opportunity cost, as it does when the feature is off.
/// </summary>
// Reentrant so that ForNode and RecordDemand never wait behind a refresh, which reads the whole
// network. Safe because ForNode only reads _current, an immutable snapshot replaced in a single
// assignment when a refresh ends; RecordDemand only appends to the sample, which a refresh reads
// within one synchronous step; and refreshes never overlap (see RefreshNowAsync).
[Reentrant]
public sealed class OpportunityCostGrain(
    GridClock clock,
    IOptions<GridOptions> options,
    ILogger<OpportunityCostGrain> logger) : Grain, IOpportunityCostGrain
{
    /// <summary>Calls in flight at once while reading nodes, orders and availability: bounded, so a refresh never floods a small silo.</summary>
    private const int FanOut = 64;

    private static readonly Snapshot None = Snapshot.Of(OpportunityCostTable.Empty, new OpportunityCostSummary(default, 0, 0, 0, 0));

    private Snapshot _current = None;
    private Task? _running;
    private DemandSampleWindow? _demand;

    private OpportunityCostSettings Settings => options.Value.OpportunityCost;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _demand = new DemandSampleWindow(Settings.MaxDemandSamples, clock.UtcNow);
        if (Settings.Enabled)
        {
            // First tick one interval after activation: a refresh reads the whole network, so a silo
            // start (or a test cluster with a long interval) does not pay for one it never asked for.
            var every = Settings.RefreshInterval > TimeSpan.Zero ? Settings.RefreshInterval : TimeSpan.FromSeconds(30);
            this.RegisterGrainTimer(OnTimerAsync, new GrainTimerCreationOptions(every, every) { Interleave = true, KeepAlive = true });
        }
        return Task.CompletedTask;
    }

    Task<OpportunityCosts> IOpportunityCostGrain.ForNode(string nodeId)
    {
        var current = _current;
        var bySku = nodeId is null ? new Dictionary<string, decimal>(StringComparer.Ordinal) : current.Table.ForNode(nodeId);
        return Task.FromResult(new OpportunityCosts(current.Summary.ComputedAt, bySku));
    }

    Task<OpportunityCostsByNode> IOpportunityCostGrain.GetTable() => Task.FromResult(_current.ByNode);

    Task IOpportunityCostGrain.RecordDemand(IReadOnlyList<DemandSample> samples)
    {
        if (Settings.Enabled)
        {
            _demand!.Add(samples.Where(s => s.ShipTo.IsValid));
        }
        return Task.CompletedTask;
    }

    Task<OpportunityCostSummary> IOpportunityCostGrain.Refresh() =>
        Settings.Enabled ? RefreshNowAsync() : Task.FromResult(_current.Summary);

    private async Task OnTimerAsync(CancellationToken cancellationToken)
    {
        if (_running is { IsCompleted: false })
        {
            return; // an operator's refresh is under way; its table is as fresh as this tick's would be
        }
        try
        {
            await RefreshNowAsync();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Opportunity costs not refreshed; nodes keep the last values");
        }
    }

    /// <summary>
    /// Runs a refresh that starts after this call, one at a time: a caller arriving during another
    /// refresh waits for it to end and then starts its own, so it sees stock and orders as of its call.
    /// </summary>
    private async Task<OpportunityCostSummary> RefreshNowAsync()
    {
        while (_running is { IsCompleted: false } running)
        {
            await running.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
        }
        var started = GridMetrics.Now();
        var refresh = ComputeAsync();
        _running = refresh;
        var outcome = "failed";
        try
        {
            var snapshot = await refresh;
            _current = snapshot;
            outcome = "ok";
            logger.LogDebug("Opportunity costs refreshed: {Skus} SKUs, {Nodes} nodes, {Regions} regions, {Positive} values above zero",
                snapshot.Summary.Skus, snapshot.Summary.Nodes, snapshot.Summary.Regions, snapshot.Summary.PositiveValues);
            return snapshot.Summary;
        }
        finally
        {
            GridMetrics.OpportunityCostRefreshed(Stopwatch.GetElapsedTime(started), outcome);
        }
    }

    private async Task<Snapshot> ComputeAsync()
    {
        var settings = Settings;
        var now = clock.UtcNow;

        // Nodes: every registered node's location is a demand region; open nodes that ship supply.
        var nodeIds = await GrainFactory.Reference<INetworkDirectoryGrain>(0).ListNodeIds();
        var views = await InBatches(nodeIds, id => GrainFactory.Reference<IFulfilmentNodeGrain>(id).Get());
        var profiles = views.OfType<NodeView>().Select(v => v.Profile).OrderBy(p => p.NodeId, StringComparer.Ordinal).ToList();
        var supply = profiles.Where(Supplies).ToList();
        var regions = DemandForecast.RegionsOf(profiles.Select(p => ToGeo(p.Location)), Math.Max(0, settings.RegionRadiusKm));
        if (supply.Count == 0 || regions.Count == 0)
        {
            return Snapshot.Of(OpportunityCostTable.Empty, new OpportunityCostSummary(now, 0, supply.Count, regions.Count, 0));
        }

        // SKUs worth solving: stocked somewhere (the nodes' lists) and recently ordered.
        var skuLists = await InBatches(supply, p => GrainFactory.Reference<IFulfilmentNodeGrain>(p.NodeId).ListSkus());
        var stocked = skuLists.SelectMany(s => s).ToHashSet(StringComparer.Ordinal);
        var forecast = Forecast(settings, regions, now, stocked);

        // Stock: what each supplying node can promise now (net of safety stock and holds).
        var skus = forecast.Skus;
        var availability = await InBatches(skus, sku => GrainFactory.Reference<ISkuAvailabilityGrain>(sku).Get());
        var column = supply.Select((p, i) => (p.NodeId, i)).ToDictionary(x => x.NodeId, x => x.i, StringComparer.Ordinal);
        var stockBySku = new Dictionary<string, double[]>(StringComparer.Ordinal);
        for (var s = 0; s < skus.Count; s++)
        {
            var stock = stockBySku[skus[s]] = new double[supply.Count];
            foreach (var node in availability[s].Nodes)
            {
                if (column.TryGetValue(node.NodeId, out var n))
                {
                    stock[n] = Math.Max(0, node.Available);
                }
            }
        }

        var nodes = supply.Select(p => new SupplyNode(p.NodeId, ToGeo(p.Location), RoutingSettings.ShipperTypeOf(p.Kind))).ToList();
        var (table, solved) = NetworkOpportunity.Compute(nodes, forecast, sku => stockBySku[sku], settings.UnmetDemandPenalty);
        var positive = nodes.Sum(n => table.ForNode(n.NodeId).Count);
        return Snapshot.Of(table, new OpportunityCostSummary(now, solved, nodes.Count, regions.Count, positive, forecast.Orders));
    }

    /// <summary>
    /// Demand from the sample the order-event projections passed on: ship orders accepted within the
    /// window (or the part of it the sample covers), each counted where it ships. No order grain is
    /// read: the forecast costs nothing per order beyond its event.
    /// </summary>
    private DemandForecast Forecast(OpportunityCostSettings settings, IReadOnlyList<GeoPoint> regions, DateTimeOffset now, HashSet<string> stocked)
    {
        var windowStart = now - settings.DemandWindow;
        _demand!.DropBefore(windowStart);
        var demand = _demand.Samples.Select(s => new DemandOrder(s.At, ToGeo(s.ShipTo), s.Lines.Select(l => new DemandLine(l.Sku, l.Quantity)).ToList())).ToList();
        return DemandForecast.Build(regions, demand, _demand.ObservedFrom(windowStart), now, settings.DemandHorizon, settings.MaxSkusPerRefresh, stocked.Contains);
    }

    private static bool Supplies(NodeProfile profile) =>
        profile.Status == NodeStatus.Open
        && profile.DailyCapacity > 0
        && (profile.Capabilities & (NodeCapabilities.ShipToHome | NodeCapabilities.ShipFromStore)) != 0;

    private static GeoPoint ToGeo(Location location) => new(location.Latitude, location.Longitude);

    private static async Task<TResult[]> InBatches<T, TResult>(IReadOnlyList<T> items, Func<T, Task<TResult>> call)
    {
        var results = new List<TResult>(items.Count);
        foreach (var batch in items.Chunk(FanOut))
        {
            results.AddRange(await Task.WhenAll(batch.Select(call)));
        }
        return [.. results];
    }

    /// <summary>A computed table, what it summarises, and its values by node as the router reads them; never changed once built.</summary>
    private sealed record Snapshot(OpportunityCostTable Table, OpportunityCostSummary Summary, OpportunityCostsByNode ByNode)
    {
        public static Snapshot Of(OpportunityCostTable table, OpportunityCostSummary summary)
        {
            var byNode = new Dictionary<string, IReadOnlyDictionary<string, decimal>>(StringComparer.Ordinal);
            foreach (var nodeId in table.NodeIds)
            {
                if (table.ForNode(nodeId) is { Count: > 0 } values)
                {
                    byNode[nodeId] = values;
                }
            }
            return new Snapshot(table, summary, new OpportunityCostsByNode(summary.ComputedAt, byNode));
        }
    }
}
