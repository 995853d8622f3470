using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;
using OrleansOrders.Grains.Stock.Ledger;
using OrleansOrders.Stock;

namespace OrleansOrders.Grains.Stock;

/// <summary>
/// The single writer of one SKU's stock at one node. The rules live in <see cref="StockLedger"/>
/// (pure, property-tested); this grain loads the ledger, asks it, writes what changed (group commit,
/// one write in flight, each write the change and not the history) and reports availability.
/// </summary>
// Reentrant so that calls arriving while a write is in flight can join the next write (group
// commit). Safe because every decision reads and changes the ledger synchronously, with no await
// between check and act; the only awaits are WhenRoom/WhenReady (before deciding) and WhenDurable
// (after deciding), and Commit re-checks availability at commit time.
[Reentrant]
public sealed partial class StockGrain : Grain, IStockGrain
{
    private readonly IPersistentState<StockState> _legacy;
    private readonly IStockLedgerStore _store;
    private readonly GridClock _clock;
    private readonly GridOptions _options;
    private readonly ILogger<StockGrain> _logger;
    private readonly GroupCommit _writes;
    private readonly StorageOperationCounter? _counter;
    private const string LedgerStore = "ledger";
    private StockLedger _ledger = new();
    private LedgerVersion? _version;
    private bool _stale;
    private string _key = "";
    private string _nodeId = "";
    private string _sku = "";
    private IGrainTimer? _sweep;
    private readonly StockReportRelay _reports;
    private long _reportVersion;
    /// <summary>The available quantity of this activation's last report (null: none yet).</summary>
    private int? _reportedAvailable;
    /// <summary>Raised by every change of the offer; starts from the clock so a new activation's offers order after an old one's.</summary>
    private long _offerVersion = DateTime.UtcNow.Ticks;

    public StockGrain(
        // Stock written before the ledger (one state record per grain); read once and carried over.
        [PersistentState("stock", GridOptions.StorageName)] IPersistentState<StockState> legacy,
        IStockLedgerStore store,
        GridClock clock,
        IOptions<GridOptions> options,
        ILogger<StockGrain> logger,
        StockReportRelay reports,
        StorageOperationCounter? counter = null,
        TimeProvider? time = null)
    {
        _counter = counter;
        _reports = reports;
        _legacy = legacy;
        _store = store;
        _clock = clock;
        _options = options.Value;
        _logger = logger;
        _writes = new GroupCommit(WriteAsync, ReloadAsync, OnReloadFailed, _options.CoalesceStockWrites, _options.StockWriteLinger, time);
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = this.GetPrimaryKeyString();
        (_nodeId, _sku) = Identifiers.ParseStockKey(_key);
        GridMetrics.TrackHolds(this, () => _ledger.Holds.Count);
        var loading = System.Diagnostics.Stopwatch.StartNew();
        var stored = await _store.ReadAsync(_key, cancellationToken);
        _counter?.RecordRead(LedgerStore, "stock");
        if (stored is not null)
        {
            _ledger = StockLedger.Restore(stored.Header, stored.Rows);
            _version = stored.Version;
            if (loading.Elapsed > TimeSpan.FromSeconds(1))
            {
                _logger.LogInformation("{Grain}: ledger of {Rows} rows loaded in {Seconds:F1} s", _key, stored.Rows.Count, loading.Elapsed.TotalSeconds);
            }
        }
        else if (_legacy.RecordExists)
        {
            await MigrateLegacyState();
        }
        if (stored is not null || _legacy.RecordExists)
        {
            // Network availability may have missed our last change before a crash: tell it again.
            ReportAvailability();
        }
    }

    async Task<HoldResult> IStockGrain.Hold(string reservationId, int quantity, TimeSpan holdFor, string? channel, string? attempt)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        await Ready();
        ExpireHolds();
        var before = _ledger.Holds.TryGetValue(reservationId, out var existing) ? existing.Quantity : 0;
        var (decision, available) = _ledger.Hold(reservationId, quantity, _clock.UtcNow + holdFor, channel, attempt);
        if (decision == HoldDecision.Granted)
        {
            EnsureSweep();
            if (quantity != before)
            {
                ReportAvailability();
            }
        }
        return new HoldResult(decision switch
        {
            HoldDecision.Granted => HoldOutcome.Granted,
            HoldDecision.Closed => HoldOutcome.Closed,
            _ => HoldOutcome.Insufficient,
        }, available);
    }

    async Task<int> IStockGrain.DropHold(string reservationId, string? attempt)
    {
        await Ready();
        var dropped = _ledger.DropHold(reservationId, attempt);
        if (dropped > 0)
        {
            ReportAvailability();
        }
        return dropped;
    }

    async Task<CommitResult> IStockGrain.Commit(string reservationId, int quantity, string? channel)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        await Room();
        ExpireHolds();
        var committedBefore = _ledger.Committed;
        var heldBefore = _ledger.Held;
        var (decision, units) = _ledger.Commit(reservationId, quantity, channel);
        switch (decision)
        {
            case CommitDecision.Committed:
                if (_ledger.Committed != committedBefore && heldBefore - _ledger.Held != quantity)
                {
                    ReportAvailability(); // committed without (all of) its hold: availability moved
                }
                // A replay answers the first result too, but only once it is durable.
                await _writes.WhenDurable();
                return new CommitResult(CommitOutcome.Committed, units);
            case CommitDecision.Released:
                return new CommitResult(CommitOutcome.Released, 0);
            default:
                if (heldBefore != _ledger.Held)
                {
                    ReportAvailability(); // the hold it had is gone with the refusal
                }
                return new CommitResult(CommitOutcome.Insufficient, 0);
        }
    }

    async Task<int> IStockGrain.Release(string reservationId)
    {
        await Room();
        var committedBefore = _ledger.Committed;
        var freed = _ledger.Release(reservationId, _clock.UtcNow);
        if (freed > 0)
        {
            ReportAvailability();
        }
        if (_ledger.Committed != committedBefore)
        {
            await _writes.WhenDurable();
        }
        return freed;
    }

    async Task<int> IStockGrain.Ship(string reservationId)
    {
        await Room();
        var (units, replay) = _ledger.Ship(reservationId, _clock.UtcNow);
        if (units > 0 || replay)
        {
            await _writes.WhenDurable();
        }
        return units;
    }

    async Task<int> IStockGrain.Reduce(string reservationId, int quantity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(quantity);
        await Room();
        var (kept, changed) = _ledger.Reduce(reservationId, quantity, _clock.UtcNow);
        if (changed)
        {
            ReportAvailability();
            await _writes.WhenDurable();
        }
        return kept;
    }

    Task<StockSnapshot> IStockGrain.Restock(string operationId, int quantity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        return Apply(() => _ledger.Restock(operationId, quantity, _clock.UtcNow), nameof(quantity));
    }

    Task<StockSnapshot> IStockGrain.Adjust(string operationId, int delta, string reason) =>
        Apply(() =>
        {
            var applied = _ledger.Adjust(operationId, delta, _clock.UtcNow);
            if (applied)
            {
                _logger.LogInformation("{Grain}: on hand adjusted by {Delta} ({Reason})", _key, delta, reason);
            }
            return applied;
        }, nameof(delta));

    Task<StockSnapshot> IStockGrain.Receive(string operationId, int quantity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        return Apply(() => _ledger.Receive(operationId, quantity, _clock.UtcNow), nameof(quantity));
    }

    Task<StockSnapshot> IStockGrain.SetLevel(string operationId, StockLevel level)
    {
        if (level.Validate() is { Count: > 0 } errors)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(level));
        }
        return Apply(() => _ledger.SetLevel(operationId, level.OnHand, level.SafetyStock, _clock.UtcNow), nameof(level));
    }

    Task<int> IStockGrain.GetAvailable()
    {
        ExpireHolds();
        return Task.FromResult(_ledger.Available);
    }

    Task<StockSnapshot> IStockGrain.GetSnapshot()
    {
        ExpireHolds();
        return Task.FromResult(Snapshot());
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        GridMetrics.UntrackHolds(this);
        return Task.CompletedTask;
    }

    /// <summary>An idempotent operation on hand: decide (a refusal changes nothing), report, answer once durable.</summary>
    private async Task<StockSnapshot> Apply(Func<bool> decide, string parameter)
    {
        await Room();
        bool applied;
        try
        {
            applied = decide();
        }
        catch (LedgerRuleException ex)
        {
            throw new ArgumentException($"{_key}: {ex.Message}", parameter);
        }
        if (applied)
        {
            ReportAvailability();
        }
        await _writes.WhenDurable(); // a replay answers once the first application is durable
        return Snapshot();
    }

    /// <summary>Before deciding: no reload under way, and the ledger's state is the stored one.</summary>
    private async Task Ready()
    {
        await _writes.WhenReady();
        if (_stale)
        {
            await ReloadAsync(); // throws while storage is still unreachable: the caller may retry
        }
    }

    /// <summary>Before a change that will be written: ready, and room for it in the next write.</summary>
    private async Task Room()
    {
        await Ready();
        await _writes.WhenRoom(() => _ledger.HasRoom);
    }

    /// <summary>Available to the channel now, never negative: the one meaning every view of availability shares.</summary>
    private StockSnapshot Snapshot() => new(
        _nodeId, _sku, _ledger.OnHand, _ledger.SafetyStock, _ledger.Held, _ledger.Committed, _ledger.Available,
        _ledger.Received, _ledger.Adjusted, _ledger.Shipped, _ledger.Restocked,
        new Dictionary<string, int>(_ledger.Commitments, StringComparer.Ordinal),
        _ledger.Holds.Select(h => new HoldView(h.Key, h.Value.Quantity, h.Value.ExpiresAt)).ToList())
    {
        Reserve = ToContract(_ledger.Reserve),
        Inbound = _ledger.Receipts.Select(ToContract).ToList(),
        InboundPromises = _ledger.Promises.ToDictionary(p => p.OrderId, p => p.Quantity, StringComparer.Ordinal),
    };

    private void ExpireHolds()
    {
        var expired = _ledger.ExpireHolds(_clock.UtcNow);
        if (expired > 0)
        {
            GridMetrics.HoldsExpired(expired);
            _logger.LogDebug("{Grain}: {Count} holds expired", _key, expired);
            ReportAvailability();
        }
    }

    /// <summary>The sweep timer runs only while something is held (holds stop counting at expiry regardless; the sweep reports it).</summary>
    private void EnsureSweep() =>
        _sweep ??= this.RegisterGrainTimer(SweepExpiredHolds, _options.HoldSweepInterval, _options.HoldSweepInterval);

    private Task SweepExpiredHolds()
    {
        ExpireHolds();
        if (_ledger.Holds.Count == 0)
        {
            _sweep?.Dispose();
            _sweep = null;
        }
        return Task.CompletedTask;
    }

    private async Task WriteAsync()
    {
        var changes = _ledger.TakeChanges(_clock.UtcNow, _options.StockTombstoneRetention);
        if (changes is null && _options.CoalesceStockWrites)
        {
            return; // an earlier write of this batch already carried the change
        }
        changes ??= new LedgerChanges(_ledger.Header, []);
        _counter?.RecordWrite(LedgerStore, "stock");
        _version = await _store.WriteAsync(_key, changes, _version, _ledger.DurableRows);
    }

    /// <summary>After a failed write: the stored ledger is the truth; holds carry over where they still fit.</summary>
    private async Task ReloadAsync()
    {
        var stored = await _store.ReadAsync(_key);
        _counter?.RecordRead(LedgerStore, "stock");
        var previous = _ledger;
        _ledger = stored is null ? new StockLedger() : StockLedger.Restore(stored.Header, stored.Rows);
        _version = stored?.Version;
        _stale = false;
        var dropped = _ledger.AdoptHolds(previous);
        if (dropped > 0)
        {
            _logger.LogWarning("{Grain}: {Count} holds no longer fit the stored stock after a failed write and were dropped", _key, dropped);
        }
        ReportAvailability();
    }

    private void OnReloadFailed(Exception ex)
    {
        // Keep the activation (and its holds); the next call reloads before it decides.
        _stale = true;
        _logger.LogError(ex, "{Grain}: could not reload the ledger after a failed write; the next call retries", _key);
    }

    /// <summary>Carries stock kept in the pre-ledger state record over into the ledger, then clears the old record.</summary>
    private async Task MigrateLegacyState()
    {
        var old = _legacy.State;
        var rows = new List<LedgerRow>();
        rows.AddRange(old.Committed.Select(c => new LedgerRow(LedgerRowKind.Commitment, c.Key, c.Value, default)));
        rows.AddRange(old.Released.Where(r => !old.Committed.ContainsKey(r.Key)).Select(r => new LedgerRow(LedgerRowKind.Released, r.Key, 0, r.Value)));
        rows.AddRange(old.ShippedReservations.Select(s => new LedgerRow(LedgerRowKind.Shipped, s.Key, s.Value, _clock.UtcNow)));
        rows.AddRange(old.AppliedOperations.Select(o => new LedgerRow(LedgerRowKind.Operation, o.Key, 0, o.Value)));
        rows.AddRange(old.ReceivedReceipts.Select(r => new LedgerRow(LedgerRowKind.ReceivedReceipt, r.Key, 0, r.Value)));
        var header = new LedgerHeader(old.OnHand, old.SafetyStock, old.Received, old.Adjusted, old.Shipped, old.Restocked,
            old.Reserve is { } r ? new LedgerReserve(r.Quantity, r.Channels) : null,
            old.Receipts.Select(x => new LedgerReceipt(x.ReceiptId, x.Quantity, x.ExpectedOn)).ToList(),
            old.InboundPromises.Select(p => new LedgerPromise(p.OrderId, p.Quantity)).ToList());
        // Written in steps of at most one transaction each; the header goes with every step, and only the
        // last step's completion clears the old record, so a crash midway migrates again from the start.
        LedgerVersion? version = null;
        for (var i = 0; i == 0 || i < rows.Count; i += StockLedger.MaxRowsPerWrite)
        {
            var part = rows.Skip(i).Take(StockLedger.MaxRowsPerWrite).Select(row => new LedgerRowChange(row.Key, row)).ToList();
            var upTo = rows.Take(i + part.Count).ToList();
            version = await _store.WriteAsync(_key, new LedgerChanges(header, part), version, () => upTo);
        }
        _ledger = StockLedger.Restore(header, rows);
        _version = version;
        await _legacy.ClearStateAsync();
        _logger.LogInformation("{Grain}: stock state carried over into the ledger ({Rows} rows)", _key, rows.Count);
    }

    private static ChannelReserve? ToContract(LedgerReserve? reserve) => reserve is null ? null : new ChannelReserve(reserve.Quantity, reserve.Channels);

    private static ExpectedReceipt ToContract(LedgerReceipt receipt) => new(receipt.ReceiptId, receipt.Quantity, receipt.ExpectedOn);

    /// <summary>
    /// Tells our node the new offer (its bids answer from it) and the SKU's availability grain our
    /// available quantity, through this silo's <see cref="StockReportRelay"/>, which gathers the
    /// changes of all its stock grains and sends them on in one call per node and per SKU per interval.
    /// Never awaited: both views are eventually consistent, and a bid made on a stale one can only lose
    /// the race at the hold, which re-checks.
    /// </summary>
    private void ReportAvailability()
    {
        _offerVersion++;
        _reportVersion = Math.Max(_reportVersion + 1, DateTime.UtcNow.Ticks);
        var available = _ledger.Available;
        // At once: this activation's first report, and any change while stock is low (below
        // Grid:StockReportAtOnceBelow before or after it). There a view that lags shows units that are
        // gone (orders lose the race at the hold and route again) or misses units that came (an order
        // is told no node stocks the SKU); with plenty of stock a lag of an interval changes no decision.
        var low = _options.StockReportAtOnceBelow;
        var urgent = _reportedAvailable is not { } reported || reported < low || available < low;
        _reportedAvailable = available;
        _reports.Report(new StockReport(_nodeId, _sku, Offer(),
            new NodeAvailabilityReport(_nodeId, available, _reportVersion, (int)Math.Min(int.MaxValue, _ledger.UnpromisedInbound))), urgent);
    }
}
