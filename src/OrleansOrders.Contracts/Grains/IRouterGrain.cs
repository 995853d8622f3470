namespace OrleansOrders.Contracts;

/// <summary>Runs the allocation auction for one order. A stateless worker: use key 0.</summary>
[Alias("oo.IRouterGrain")]
public interface IRouterGrain : IGrainWithIntegerKey
{
    [Alias("Allocate")]
    Task<RoutingResult> Allocate(AllocationRequest request);
}
