using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Events;

[GenerateSerializer, Alias("oo.CustomerOrdersState")]
public sealed class CustomerOrdersState
{
    [Id(0)] public int SchemaVersion { get; set; } = 1;
    [Id(1)] public Dictionary<string, DateTimeOffset> Orders { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A customer's order ids. A read model written lazily by a timer: it trails the orders by a
/// moment, and a crash costs only entries the event stream delivers again.
/// </summary>
public sealed class CustomerOrdersGrain(
    [PersistentState("customer", GridOptions.StorageName)] IPersistentState<CustomerOrdersState> state,
    IOptions<GridOptions> options) : Grain, ICustomerOrdersGrain
{
    private bool _dirty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var every = options.Value.SoftStateFlushInterval;
        this.RegisterGrainTimer(Flush, every, every);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Flush();

    Task ICustomerOrdersGrain.Add(string orderId, DateTimeOffset at)
    {
        _dirty |= state.State.Orders.TryAdd(orderId, at);
        return Task.CompletedTask;
    }

    Task<IReadOnlyList<string>> ICustomerOrdersGrain.GetOrderIds() =>
        Task.FromResult<IReadOnlyList<string>>(state.State.Orders.OrderByDescending(o => o.Value).Select(o => o.Key).ToList());

    private async Task Flush()
    {
        if (_dirty)
        {
            _dirty = false;
            try
            {
                await state.WriteStateAsync();
            }
            catch
            {
                _dirty = true;
                throw;
            }
        }
    }
}
