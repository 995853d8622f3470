using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;
using OrleansOrders.Grains.Stock.Ledger;
using OrleansOrders.Stock;

namespace OrleansOrders.Grains.Stock;

[GenerateSerializer, Alias("oo.SkuAvailabilityState")]
public sealed class SkuAvailabilityState
{
    [Id(0)] public int SchemaVersion { get; set; } = 1;
    [Id(1)] public Dictionary<string, NodeAvailabilityEntry> Nodes { get; set; } = new(StringComparer.Ordinal);
    /// <summary>
    /// Orders waiting for this SKU as written before the waiting list moved to its own rows (see
    /// <see cref="WaitingList"/>): read once, carried over, then cleared.
    /// </summary>
    [Id(2)] public List<string> Waiting { get; set; } = [];
}

[GenerateSerializer, Alias("oo.NodeAvailabilityEntry")]
public sealed record NodeAvailabilityEntry(
    [property: Id(0)] int Available,
    [property: Id(1)] long Version,
    [property: Id(2)] DateTimeOffset AsOf,
    [property: Id(3)] int Inbound = 0);

/// <summary>
/// Network availability of one SKU, and the orders waiting for it.
/// The availability is a cache of what the stock grains report, so it is written lazily (a timer
/// flushes it when changed, and exists only while something waits to be written): a lost write costs
/// only staleness, which the stock grains repair on their next change, and bids never trust it for a
/// promise. A failed write reloads the state and re-applies what is not yet durable (see
/// <see cref="StateJournal{TState}"/>).
/// The waiting list is not a cache: an order that is told it waits must be woken even if this grain
/// moves or its silo dies, so a join or a leave is durable before the call answers. It is kept as one
/// row per order in the ledger store (<see cref="WaitingList"/>, under
/// <see cref="Identifiers.WaitingListKey"/>), and joins and leaves are group-committed: a write costs
/// the rows that changed, not the list, and the calls that arrive during a write share the next one.
/// </summary>
public sealed class SkuAvailabilityGrain : Grain, ISkuAvailabilityGrain
{
    private const string LedgerStore = "ledger";
    private readonly IPersistentState<SkuAvailabilityState> _state;
    private readonly IStockLedgerStore _store;
    private readonly GridClock _clock;
    private readonly GridOptions _options;
    private readonly ILogger<SkuAvailabilityGrain> _logger;
    private readonly StorageOperationCounter? _counter;
    private readonly GroupCommit _waitingWrites;
    private StateJournal<SkuAvailabilityState> _journal = null!;
    private IGrainTimer? _flushTimer;
    private WaitingList _waiting = new();
    private LedgerVersion? _waitingVersion;
    private bool _waitingStale;
    private string _waitingKey = "";

    public SkuAvailabilityGrain(
        [PersistentState("availability", GridOptions.StorageName)] IPersistentState<SkuAvailabilityState> state,
        IStockLedgerStore store,
        GridClock clock,
        IOptions<GridOptions> options,
        ILogger<SkuAvailabilityGrain> logger,
        StorageOperationCounter? counter = null)
    {
        _state = state;
        _store = store;
        _clock = clock;
        _options = options.Value;
        _logger = logger;
        _counter = counter;
        _waitingWrites = new GroupCommit(WriteWaitingAsync, ReloadWaitingAsync, OnWaitingReloadFailed);
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var sku = this.GetPrimaryKeyString();
        _journal = new StateJournal<SkuAvailabilityState>(_state, _ => { }, _logger, $"Availability of {sku}");
        _waitingKey = Identifiers.WaitingListKey(sku);
        await ReloadWaitingAsync();
        if (_state.State.Waiting.Count > 0)
        {
            await CarryOverLegacyWaitingList();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await FlushAsync();
    }

    Task ISkuAvailabilityGrain.Report(string nodeId, int available, long version, int inbound)
    {
        Apply(nodeId, available, version, inbound);
        return Task.CompletedTask;
    }

    Task ISkuAvailabilityGrain.ReportMany(IReadOnlyList<NodeAvailabilityReport> reports)
    {
        foreach (var report in reports)
        {
            Apply(report.NodeId, report.Available, report.Version, report.Inbound);
        }
        return Task.CompletedTask;
    }

    private void Apply(string nodeId, int available, long version, int inbound)
    {
        var known = _state.State.Nodes.GetValueOrDefault(nodeId);
        var report = new Change.Report(nodeId, new NodeAvailabilityEntry(Math.Max(0, available), version, _clock.UtcNow, Math.Max(0, inbound)));
        if (!report.IsNewerThan(known))
        {
            return; // an older report overtaken by a newer one
        }
        report.ApplyTo(_state.State);
        _journal.Record(report);
        if (_flushTimer is null)
        {
            var every = _options.AvailabilityFlushInterval;
            _flushTimer = this.RegisterGrainTimer(FlushAsync, every, every);
        }
        if (available > (known?.Available ?? 0) && _waiting.Count > 0)
        {
            WakeWaitingOrders();
        }
    }

    async Task ISkuAvailabilityGrain.WaitForStock(string orderId)
    {
        await ReadyForChange();
        _waiting.Join(orderId, _clock.UtcNow);
        // Also when the order already waited: a replay answers once the first join is durable (a
        // write of nothing costs nothing).
        await _waitingWrites.WhenDurable();
    }

    async Task ISkuAvailabilityGrain.StopWaiting(string orderId)
    {
        await ReadyForChange();
        _waiting.Leave(orderId);
        await _waitingWrites.WhenDurable();
    }

    /// <summary>
    /// Before a join or a leave: no reload under way, room in the next write, and never a decision on
    /// a list that a failed write and a failed reload left showing what storage may not have (throws
    /// while storage is still unreachable, so the caller fails rather than being told it waits).
    /// </summary>
    private async Task ReadyForChange()
    {
        await _waitingWrites.WhenRoom(() => _waiting.HasRoom);
        if (_waitingStale)
        {
            await ReloadWaitingAsync();
        }
    }

    /// <summary>
    /// Tells the first waiting orders to try again. Not awaited: an order retrying calls the router,
    /// which reads this grain, so waiting here would deadlock; an order that is still short simply
    /// keeps waiting, and one that got its stock calls StopWaiting.
    /// </summary>
    private void WakeWaitingOrders()
    {
        foreach (var orderId in _waiting.First(20))
        {
            _ = GrainFactory.Reference<IOrderGrain>(orderId).RetryBackorder()
                .ContinueWith(t => _logger.LogWarning(t.Exception, "Order {Order}: backorder retry failed", orderId), TaskContinuationOptions.OnlyOnFaulted);
        }
    }

    Task<NetworkAvailability> ISkuAvailabilityGrain.Get()
    {
        var nodes = _state.State.Nodes
            .OrderByDescending(n => n.Value.Available).ThenBy(n => n.Key, StringComparer.Ordinal)
            .Select(n => new NodeAvailability(n.Key, n.Value.Available, n.Value.AsOf, n.Value.Inbound))
            .ToList();
        return Task.FromResult(new NetworkAvailability(
            this.GetPrimaryKeyString(), nodes.Count > 0, nodes.Sum(n => n.Available), nodes)
        {
            OrdersWaiting = _waiting.Count,
        });
    }

    /// <summary>The flush timer: writes what changed, and stops when nothing is left to write.</summary>
    private async Task FlushAsync()
    {
        await _journal.FlushAsync();
        if (_journal.Pending == 0 && _flushTimer is { } timer)
        {
            timer.Dispose();
            _flushTimer = null;
        }
    }

    private async Task WriteWaitingAsync()
    {
        if (_waiting.TakeChanges() is not { } changes)
        {
            return; // an earlier write of this batch already carried the change
        }
        _counter?.RecordWrite(LedgerStore, "waiting");
        _waitingVersion = await _store.WriteAsync(_waitingKey, changes, _waitingVersion, _waiting.Rows);
    }

    /// <summary>On activation and after a failed write: the stored list is the truth (the calls a failed write carried were failed).</summary>
    private async Task ReloadWaitingAsync()
    {
        var stored = await _store.ReadAsync(_waitingKey);
        _counter?.RecordRead(LedgerStore, "waiting");
        _waiting = stored is null ? new WaitingList() : WaitingList.Restore(stored.Rows);
        _waitingVersion = stored?.Version;
        _waitingStale = false;
    }

    private void OnWaitingReloadFailed(Exception ex)
    {
        _waitingStale = true;
        _logger.LogError(ex, "Waiting list of {Sku}: could not reload after a failed write; the next join or leave retries", this.GetPrimaryKeyString());
    }

    /// <summary>
    /// A waiting list stored in the availability record by earlier code: joined in its order, written
    /// in steps of one write each, then cleared from the record. A crash midway carries over again
    /// (a join of an order already waiting changes nothing).
    /// </summary>
    private async Task CarryOverLegacyWaitingList()
    {
        var now = _clock.UtcNow;
        foreach (var orderId in _state.State.Waiting)
        {
            _waiting.Join(orderId, now);
            if (!_waiting.HasRoom)
            {
                await WriteWaitingAsync();
            }
        }
        await WriteWaitingAsync();
        var carried = _state.State.Waiting.Count;
        _state.State.Waiting = [];
        await _state.WriteStateAsync();
        _logger.LogInformation("Waiting list of {Sku}: {Count} orders carried over into rows", this.GetPrimaryKeyString(), carried);
    }

    /// <summary>Changes to the availability, each idempotent so it can be applied again on top of a reload.</summary>
    private abstract record Change : IJournaledChange<SkuAvailabilityState>
    {
        public abstract void ApplyTo(SkuAvailabilityState state);

        /// <summary>A node's report; applied only over an older one (reports are ordered by version per node).</summary>
        public sealed record Report(string NodeId, NodeAvailabilityEntry Entry) : Change
        {
            public bool IsNewerThan(NodeAvailabilityEntry? known) => known is null || known.Version < Entry.Version;

            public override void ApplyTo(SkuAvailabilityState state)
            {
                if (IsNewerThan(state.Nodes.GetValueOrDefault(NodeId)))
                {
                    state.Nodes[NodeId] = Entry;
                }
            }
        }
    }
}
