using OrleansOrders.Grains;
using OrleansOrders.Routing;

namespace OrleansOrders.LoadTest.RoutingQuality;

/// <summary>
/// The grid's opportunity-cost refresh on a run's state, with the grid's code and settings
/// (<see cref="OpportunityCostSettings"/> defaults): demand regions are the node locations, merged
/// within <see cref="OpportunityCostSettings.RegionRadiusKm"/>; the demand sample is the orders the run
/// has routed within <see cref="OpportunityCostSettings.DemandWindow"/>, as the order projections pass
/// them on; <see cref="DemandForecast"/> scales it to the horizon and <see cref="NetworkOpportunity"/>
/// prices each node's stock now. One setting is the run's own: the horizon is the time left in the
/// stream, since no stock is received during it (the grid's <see cref="OpportunityCostSettings.DemandHorizon"/>
/// is "until stock is typically replenished").
/// </summary>
internal sealed class GridOpportunity
{
    private readonly BenchNetwork _network;
    private readonly OpportunityCostSettings _settings;
    private readonly IReadOnlyList<GeoPoint> _regions;
    private readonly IReadOnlyList<SupplyNode> _supply;
    private readonly DateTimeOffset _observingSince;
    private readonly Dictionary<string, int> _skuIndex;
    private readonly HashSet<string> _stocked;
    private readonly List<DemandOrder> _sample = [];

    public GridOpportunity(BenchNetwork network, DateTimeOffset observingSince, OpportunityCostSettings? settings = null)
    {
        _network = network;
        _settings = settings ?? new OpportunityCostSettings();
        _observingSince = observingSince;
        _regions = DemandForecast.RegionsOf(network.Nodes.Select(n => n.Location), Math.Max(0, _settings.RegionRadiusKm));
        _supply = network.Nodes.Select(n => new SupplyNode(n.Id, n.Location, n.Kind)).ToList();
        _skuIndex = network.Skus.Select((s, i) => (s.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        // The SKUs the nodes were ever given a stock level of: what the grid's forecast counts.
        _stocked = Enumerable.Range(0, network.Skus.Count)
            .Where(s => Enumerable.Range(0, network.Nodes.Count).Any(n => network.Stock[n, s] > 0))
            .Select(s => network.Skus[s].Id)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>An order routed: part of the demand sample from now on.</summary>
    public void Record(BenchOrder order) =>
        _sample.Add(new DemandOrder(order.OrderedAt, order.ShipTo, order.Lines.Select(l => new DemandLine(_network.Skus[l.Sku].Id, l.Quantity)).ToList()));

    public OpportunityCostTable Compute(NetworkState state, DateTimeOffset now, TimeSpan horizon)
    {
        var windowStart = now - _settings.DemandWindow;
        _sample.RemoveAll(o => o.AcceptedAt <= windowStart);
        var observedFrom = _observingSince > windowStart ? _observingSince : windowStart;
        var forecast = DemandForecast.Build(_regions, _sample, observedFrom, now, horizon, _settings.MaxSkusPerRefresh, _stocked.Contains);
        return NetworkOpportunity.Compute(_supply, forecast, sku =>
        {
            var s = _skuIndex[sku];
            return Enumerable.Range(0, _supply.Count).Select(n => (double)state.Stock(n, s)).ToArray();
        }, _settings.UnmetDemandPenalty).Table;
    }
}
