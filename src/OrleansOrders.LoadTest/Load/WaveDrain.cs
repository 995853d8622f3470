using OrleansOrders.Contracts;

namespace OrleansOrders.LoadTest.Load;

/// <summary>
/// What release waves did in a run: parcels released from a wave and orders the re-optimiser moved
/// (over the nodes' whole life, so an earlier run against the same cluster counts too), and what the
/// drain at the end released. Null in a report when nothing was ever soft.
/// </summary>
public sealed record WaveSummary(long ParcelsReleased, long OrdersReoptimised, int DrainedOrders, int DrainFailed);

/// <summary>
/// After the load, every node's release wave runs at once for what still waits (each order may still be
/// re-planned first), so the routing summary reads every order at its final plan, whatever the wave
/// interval. On a grid that releases immediately nothing waits: one call per node that answers at once.
/// </summary>
public static class WaveDrain
{
    public static async Task<WaveSummary?> RunAsync(IGrainFactory grains, IEnumerable<string> nodeIds)
    {
        var waves = nodeIds.Select(node => grains.Reference<IReleaseWaveGrain>(node)).ToList();
        var drained = await Task.WhenAll(waves.Select(w => w.RunDue(force: true)));
        var views = await Task.WhenAll(waves.Select(w => w.Get(0)));
        var released = views.Sum(v => v.ParcelsReleased);
        return released == 0 && drained.All(d => d.Orders == 0)
            ? null
            : new WaveSummary(released, views.Sum(v => v.OrdersReoptimised), drained.Sum(d => d.Orders), drained.Sum(d => d.Failed));
    }
}
