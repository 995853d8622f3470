using System.Globalization;
using OrleansOrders.Contracts;
using OrleansOrders.LoadTest.Cli;
using OrleansOrders.LoadTest.Scenarios;

namespace OrleansOrders.LoadTest.Reporting;

/// <summary>
/// The flaky-node run's own figures, after the usual summary: what the flaky node was given and
/// rejected, the re-routes and the later promises they made, the final shipping cost per order (the
/// audit's, over every order of the run) and that cost with each re-route charged at the reroute cost
/// the grid prices risk with; then the node's record and breaker as the grid ends the run with.
/// </summary>
public static class FlakyNodeSummary
{
    /// <summary>The charge per re-route in the "with re-routes" cost: the grid's default Grid:NodeReliability:RerouteCost.</summary>
    public const decimal RerouteCharge = 10.00m;

    public static async Task WriteAsync(Terminal terminal, IGrainFactory grains, FlakyNodeScenario scenario, LoadReport report)
    {
        var o = scenario.Outcomes;
        var orders = Math.Max(1, o.Orders);
        var routed = Math.Max(1, report.Routing.RoutedOrders);
        string Share(long n) => (n / (double)orders).ToString("0.00%", CultureInfo.InvariantCulture);
        var charged = report.Routing.MeanShippingCost + RerouteCharge * o.Rerouted / routed;
        terminal.Line($"flaky node {scenario.FlakyNodeId}: {o.Parcels:N0} parcels given over {o.Orders:N0} answered orders, " +
                      $"{o.RejectedParcels:N0} rejected ({o.Refused:N0} refused)");
        terminal.Line($"re-routes: {o.Rerouted:N0} ({Share(o.Rerouted)} of orders); later promises: {o.LaterPromises:N0} ({Share(o.LaterPromises)}); " +
                      $"re-routed parcels cost {o.RerouteCostDelta.ToString("0.00", CultureInfo.InvariantCulture)} more in all");
        terminal.Line($"cost per order: shipping {report.Routing.MeanShippingCost.ToString("0.00", CultureInfo.InvariantCulture)}, " +
                      $"with each re-route charged {RerouteCharge.ToString("0.00", CultureInfo.InvariantCulture)}: {charged.ToString("0.00", CultureInfo.InvariantCulture)}");
        try
        {
            if ((await grains.Reference<IFulfilmentNodeGrain>(scenario.FlakyNodeId).Get())?.Reliability is { } r)
            {
                terminal.Line($"node record at the end: score {r.Score:0.000}, reject rate {r.RejectRate:0.000}, expected reject cost " +
                              $"{r.ExpectedRejectCost.ToString("0.00", CultureInfo.InvariantCulture)} per parcel, breaker {r.Breaker}, " +
                              $"node reliability {(r.PricedInBids ? "on" : "off")} (Grid:NodeReliability:Enabled)");
            }
        }
        catch (Exception ex)
        {
            terminal.Line($"node record not read: {ex.GetType().Name}");
        }
    }
}
