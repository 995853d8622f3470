using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Routing;

/// <summary>
/// The router as a grain, for callers outside an order (the re-optimiser's quotes, tools, older
/// silos during an upgrade): a local activation per silo that runs the silo's <see cref="Router"/>.
/// Orders run the router in their own turn instead, one grain call fewer each.
/// </summary>
// A stateless worker so routing scales out with the cluster; reentrant because the router keeps
// nothing between calls (see Router).
[StatelessWorker, Reentrant]
public sealed class RouterGrain(Router router) : Grain, IRouterGrain
{
    /// <summary>Why a node was not asked for a bid while its breaker is open (kept here for callers that name it).</summary>
    public const string BreakerOpenReason = Router.BreakerOpenReason;

    Task<RoutingResult> IRouterGrain.Allocate(AllocationRequest request) => router.AllocateAsync(request);
}
