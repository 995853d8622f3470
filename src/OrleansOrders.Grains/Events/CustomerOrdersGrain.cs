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
/// A customer's order ids. A read model written lazily: it trails the orders by a moment, and a
/// crash costs only entries the event stream delivers again. The flush timer exists only while an
/// entry waits to be written (a timer per customer ticking for nothing cost the grid more the more
/// customers it had seen). Once its entries are written it leaves memory: a grid with 200,000
/// customers kept 143,000 of them active under the two-minute collection age, a third of the silo's
/// activations, for an index that is read far less often than it is added to. A customer read for
/// customer service stays for the collection age.
/// </summary>
[CollectionAgeLimit(Minutes = 2)]
public sealed class CustomerOrdersGrain(
    [PersistentState("customer", GridOptions.StorageName)] IPersistentState<CustomerOrdersState> state,
    IOptions<GridOptions> options) : Grain, ICustomerOrdersGrain
{
    private bool _dirty;
    private IGrainTimer? _flush;

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Flush();

    Task ICustomerOrdersGrain.Add(string orderId, DateTimeOffset at)
    {
        if (state.State.Orders.TryAdd(orderId, at))
        {
            _dirty = true;
            ScheduleFlush();
        }
        return Task.CompletedTask;
    }

    Task<IReadOnlyList<string>> ICustomerOrdersGrain.GetOrderIds() =>
        Task.FromResult<IReadOnlyList<string>>(state.State.Orders.OrderByDescending(o => o.Value).Select(o => o.Key).ToList());

    /// <summary>One flush, a flush interval after the first entry waiting; it does not keep the grain alive (deactivation flushes).</summary>
    private void ScheduleFlush() =>
        _flush ??= this.RegisterGrainTimer(_ => FlushDue(),
            new GrainTimerCreationOptions(options.Value.SoftStateFlushInterval, Timeout.InfiniteTimeSpan) { KeepAlive = false });

    private async Task FlushDue()
    {
        _flush?.Dispose();
        _flush = null;
        try
        {
            await Flush();
        }
        catch
        {
            ScheduleFlush(); // the entries stay waiting: try again an interval on
            throw;
        }
        if (!_dirty)
        {
            DeactivateOnIdle(); // a later order reads the record again: one read instead of minutes in memory
        }
    }

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
