using System.Collections.Concurrent;
using OrleansOrders.Contracts;

namespace OrleansOrders.Cluster.Tests.Support;

/// <summary>
/// Faults the tests inject into the silos through a grain call filter, so the production grains
/// carry no test hooks: nodes whose bids never answer, and nodes whose stock is taken by another
/// reservation right after they bid (a lost race, made deterministic).
/// </summary>
public sealed class TestFaults
{
    private readonly TaskCompletionSource _releaseHungBids = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Nodes whose Bid calls never complete (until the fixture is disposed).</summary>
    public ConcurrentDictionary<string, bool> SilentNodes { get; } = new();

    /// <summary>Node -> SKU: after the node bids, a thief reservation holds all the SKU's available stock there.</summary>
    public ConcurrentDictionary<string, string> StealAfterBid { get; } = new();

    /// <summary>Reservation (order) ids whose stock Commit and Release calls fail, as if the order's silo died mid-step.</summary>
    public ConcurrentDictionary<string, bool> FailingReservations { get; } = new();

    public int HungBids;

    /// <summary>Nodes whose stock grains' offer updates fail (a lost update): their view of stock goes stale.</summary>
    public ConcurrentDictionary<string, bool> DeafNodes { get; } = new();

    /// <summary>Reads of each stock grain's offer (stock key -> count), to see which bids read stock and which answered from the node's view.</summary>
    public ConcurrentDictionary<string, int> OfferReads { get; } = new();

    public Task HangUntilReleased => _releaseHungBids.Task;

    public void ReleaseHungBids() => _releaseHungBids.TrySetResult();
}

public sealed class FaultInjectionFilter(TestFaults faults, IGrainFactory grains) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod.Name is nameof(IStockGrain.Commit) or nameof(IStockGrain.Release)
            && context.Request.GetArgument(0) is string reservation
            && faults.FailingReservations.ContainsKey(reservation))
        {
            throw new IOException($"Injected failure of {context.InterfaceMethod.Name} for {reservation}.");
        }
        if (context.InterfaceMethod.Name == nameof(IStockGrain.GetOffer))
        {
            faults.OfferReads.AddOrUpdate(context.TargetId.Key.ToString()!, 1, (_, n) => n + 1);
        }
        if (context.InterfaceMethod.Name is nameof(IFulfilmentNodeGrain.OfferChanged) or nameof(IFulfilmentNodeGrain.OffersChanged) && faults.DeafNodes.ContainsKey(context.TargetId.Key.ToString()!))
        {
            throw new IOException($"Injected loss of an offer update to {context.TargetId.Key}.");
        }
        if (context.InterfaceMethod.Name != nameof(IFulfilmentNodeGrain.Bid))
        {
            await context.Invoke();
            return;
        }
        var nodeId = context.TargetId.Key.ToString()!;
        if (faults.SilentNodes.ContainsKey(nodeId))
        {
            Interlocked.Increment(ref faults.HungBids);
            await faults.HangUntilReleased;
        }
        await context.Invoke();
        if (faults.StealAfterBid.TryRemove(nodeId, out var sku))
        {
            var stock = grains.GetGrain<IStockGrain>(Identifiers.StockKey(nodeId, sku));
            var available = await stock.GetAvailable();
            if (available > 0)
            {
                await stock.Hold("thief", available, TimeSpan.FromHours(1));
            }
        }
    }
}
