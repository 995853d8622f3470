using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using OrleansOrders.Contracts;
using OrleansOrders.Grains.Stock.Ledger;
using OrleansOrders.Orders;

namespace OrleansOrders.Grains.Events;

/// <summary>A customer's order index as earlier code stored it (one record, rewritten whole): read once, carried over, then cleared.</summary>
[GenerateSerializer, Alias("oo.CustomerOrdersState")]
public sealed class CustomerOrdersState
{
    [Id(0)] public int SchemaVersion { get; set; } = 1;
    [Id(1)] public Dictionary<string, DateTimeOffset> Orders { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A customer's order ids. A read model written lazily: it trails the orders by a moment, and a
/// crash costs only entries the event stream delivers again. The index is one row per order in the
/// ledger store (<see cref="CustomerOrderIndex"/>, under <see cref="Identifiers.CustomerOrdersKey"/>),
/// so a flush writes the orders added since the last one, not the customer's history. The flush
/// timer exists only while an entry waits to be written (a timer per customer ticking for nothing
/// cost the grid more the more customers it had seen). Once its entries are written it leaves
/// memory: a grid with 200,000 customers kept 143,000 of them active under the two-minute collection
/// age, a third of the silo's activations, for an index that is read far less often than it is added
/// to. A customer read for customer service stays for the collection age.
/// </summary>
[CollectionAgeLimit(Minutes = 2)]
public sealed class CustomerOrdersGrain(
    [FromKeyedServices(GridOptions.StorageName)] IGrainStorage storage,
    IStockLedgerStore store,
    IOptions<GridOptions> options,
    ILogger<CustomerOrdersGrain> logger,
    StorageOperationCounter? counter = null) : Grain, ICustomerOrdersGrain
{
    private const string LedgerStore = "ledger";
    private CustomerOrderIndex _index = new();
    private LedgerVersion? _version;
    private OnDemandState<CustomerOrdersState>? _legacy;
    private IGrainTimer? _flush;
    private string _key = "";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = Identifiers.CustomerOrdersKey(this.GetPrimaryKeyString());
        await ReloadAsync();
        if (_version is null && options.Value.CarryOverCustomerIndexRecords)
        {
            // Never written as rows: the index may still be in the record of earlier code.
            var legacy = new OnDemandState<CustomerOrdersState>(storage, "customer", this.GetGrainId());
            await legacy.ReadStateAsync();
            if (legacy.RecordExists)
            {
                foreach (var (orderId, at) in legacy.State.Orders)
                {
                    _index.Add(orderId, at);
                }
                _legacy = legacy; // cleared once every entry is written as a row
                ScheduleFlush();
            }
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Flush();

    Task ICustomerOrdersGrain.Add(string orderId, DateTimeOffset at)
    {
        if (_index.Add(orderId, at))
        {
            ScheduleFlush();
        }
        return Task.CompletedTask;
    }

    Task<IReadOnlyList<string>> ICustomerOrdersGrain.GetOrderIds() =>
        Task.FromResult<IReadOnlyList<string>>(_index.NewestFirst());

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
        DeactivateOnIdle(); // a later order reads the rows again: one read instead of minutes in memory
    }

    /// <summary>Writes the unwritten entries, a transaction's worth at a time; a failure rebuilds from storage, keeping what memory holds.</summary>
    private async Task Flush()
    {
        while (_index.TakeChanges() is { } changes)
        {
            try
            {
                counter?.RecordWrite(LedgerStore, "customer");
                _version = await store.WriteAsync(_key, changes, _version, _index.StoredRows);
                _index.Written();
            }
            catch (Exception ex)
            {
                _index.Failed();
                logger.LogWarning(ex, "Order index of {Customer}: write failed; reloading, the next flush tries again", this.GetPrimaryKeyString());
                await TryReloadKeeping(_index);
                throw;
            }
        }
        if (_legacy is { } legacy)
        {
            await legacy.ClearStateAsync();
            _legacy = null;
        }
    }

    /// <summary>
    /// After a failed write (it may have landed, leaving our ETag stale): the stored rows with what
    /// memory held added on top, so only what storage lacks is written again. If storage cannot be
    /// read either, memory stays as it is and the next write's conflict reloads.
    /// </summary>
    private async Task TryReloadKeeping(CustomerOrderIndex held)
    {
        try
        {
            await ReloadAsync();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Order index of {Customer}: reload failed", this.GetPrimaryKeyString());
            return;
        }
        foreach (var (orderId, at) in held.Entries)
        {
            _index.Add(orderId, at);
        }
    }

    private async Task ReloadAsync()
    {
        var stored = await store.ReadAsync(_key);
        counter?.RecordRead(LedgerStore, "customer");
        _index = stored is null ? new CustomerOrderIndex() : CustomerOrderIndex.Restore(stored.Rows);
        _version = stored?.Version;
    }
}
