using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Stock;

// Reentrant so that calls arriving while a write is in flight can join the next write (group
// commit). Safe because every decision reads and changes in-memory state synchronously, with no
// await between check and act; the only awaits are WhenReady (before deciding) and WhenDurable
// (after deciding), and Commit re-checks availability at commit time.
[Reentrant]
public sealed partial class StockGrain : Grain, IStockGrain
{
    private static readonly TimeSpan TombstoneRetention = TimeSpan.FromDays(7);

    private readonly IPersistentState<StockState> _state;
    private readonly GridClock _clock;
    private readonly GridOptions _options;
    private readonly ILogger<StockGrain> _logger;
    private readonly Dictionary<string, (int Quantity, DateTimeOffset ExpiresAt)> _holds = new(StringComparer.Ordinal);
    private readonly GroupCommit _writes;
    private string _nodeId = "";
    private string _sku = "";
    private int _held;
    private int _committed;
    private DateTimeOffset _nextExpiry = DateTimeOffset.MaxValue;
    private bool _reportPending;
    private bool _reporting;
    private long _reportVersion;

    public StockGrain(
        [PersistentState("stock", GridOptions.StorageName)] IPersistentState<StockState> state,
        GridClock clock,
        IOptions<GridOptions> options,
        ILogger<StockGrain> logger)
    {
        _state = state;
        _clock = clock;
        _options = options.Value;
        _logger = logger;
        _writes = new GroupCommit(WriteAsync, ReloadAsync, OnReloadFailed, _options.CoalesceStockWrites);
    }

    private StockState S => _state.State;

    /// <summary>What can still be promised: on hand less safety stock, committed and live holds.</summary>
    private int Available => S.OnHand - S.SafetyStock - _committed - _held;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_nodeId, _sku) = Identifiers.ParseStockKey(this.GetPrimaryKeyString());
        RecountCommitted();
        this.RegisterGrainTimer(SweepExpiredHolds, _options.HoldSweepInterval, _options.HoldSweepInterval);
        GridMetrics.TrackHolds(this, () => _holds.Count);
        if (_state.RecordExists)
        {
            // Network availability may have missed our last change before a crash: tell it again.
            ReportAvailability();
        }
        return Task.CompletedTask;
    }

    async Task<HoldResult> IStockGrain.Hold(string reservationId, int quantity, TimeSpan holdFor, string? channel)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        await _writes.WhenReady();
        ExpireHolds();
        if (S.Committed.ContainsKey(reservationId) || S.Released.ContainsKey(reservationId) || S.ShippedReservations.ContainsKey(reservationId))
        {
            return new HoldResult(HoldOutcome.Closed, Available);
        }

        var expiresAt = _clock.UtcNow + holdFor;
        var previous = _holds.TryGetValue(reservationId, out var existing) ? existing.Quantity : 0;
        // A replay or re-hold sets the reservation's hold to the quantity asked, counting what it already holds.
        // A channel the reserve does not allow must leave the reserved units (the last ones) untouched.
        var forChannel = Available + previous - ReservedAgainst(channel);
        if (forChannel < quantity)
        {
            return new HoldResult(HoldOutcome.Insufficient, Math.Max(0, forChannel));
        }
        _holds[reservationId] = (quantity, expiresAt);
        _held += quantity - previous;
        if (expiresAt < _nextExpiry)
        {
            _nextExpiry = expiresAt;
        }
        if (quantity != previous)
        {
            ReportAvailability();
        }
        return new HoldResult(HoldOutcome.Granted, Available);
    }

    async Task<CommitResult> IStockGrain.Commit(string reservationId, int quantity, string? channel)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        await _writes.WhenReady();
        ExpireHolds();
        if (S.Committed.TryGetValue(reservationId, out var already))
        {
            // Replay: answer the first result, but only once it is durable.
            await _writes.WhenDurable();
            return new CommitResult(CommitOutcome.Committed, already);
        }
        if (S.Released.ContainsKey(reservationId) || S.ShippedReservations.ContainsKey(reservationId))
        {
            return new CommitResult(CommitOutcome.Released, 0);
        }

        var hasHold = _holds.TryGetValue(reservationId, out var hold);
        var heldHere = hasHold ? hold.Quantity : 0;
        // Committed stock must always fit within on hand less safety stock. With a live hold that is
        // the only check; without one (expired, or lost with an activation) the stock must also be
        // free of other orders' holds.
        var fits = _committed + quantity <= S.OnHand - S.SafetyStock &&
                   (heldHere >= quantity || Available + heldHere - ReservedAgainst(channel) >= quantity);
        if (hasHold)
        {
            _holds.Remove(reservationId);
            _held -= heldHere;
        }
        if (!fits)
        {
            ReportAvailability();
            return new CommitResult(CommitOutcome.Insufficient, 0);
        }

        S.Committed[reservationId] = quantity;
        _committed += quantity;
        if (heldHere != quantity)
        {
            ReportAvailability();
        }
        await _writes.WhenDurable();
        return new CommitResult(CommitOutcome.Committed, quantity);
    }

    async Task<int> IStockGrain.Release(string reservationId)
    {
        await _writes.WhenReady();
        if (_holds.Remove(reservationId, out var hold))
        {
            _held -= hold.Quantity;
            ReportAvailability();
            return hold.Quantity;
        }
        if (S.Committed.Remove(reservationId, out var committed))
        {
            _committed -= committed;
            S.Released[reservationId] = _clock.UtcNow;
            ReportAvailability();
            await _writes.WhenDurable();
            return committed;
        }
        return 0;
    }

    async Task<int> IStockGrain.Ship(string reservationId)
    {
        await _writes.WhenReady();
        if (S.ShippedReservations.TryGetValue(reservationId, out var shipped))
        {
            await _writes.WhenDurable();
            return shipped;
        }
        if (!S.Committed.Remove(reservationId, out var units))
        {
            return 0; // nothing committed under this id (never, or released): nothing leaves
        }
        _committed -= units;
        S.OnHand -= units;
        S.Shipped += units;
        S.ShippedReservations[reservationId] = units;
        await _writes.WhenDurable();
        return units;
    }

    async Task<int> IStockGrain.Reduce(string reservationId, int quantity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(quantity);
        await _writes.WhenReady();
        if (!S.Committed.TryGetValue(reservationId, out var committed))
        {
            return 0;
        }
        if (quantity >= committed)
        {
            return committed; // only ever lowered; a replay finds it already there
        }
        if (quantity == 0)
        {
            S.Committed.Remove(reservationId);
            S.Released[reservationId] = _clock.UtcNow;
        }
        else
        {
            S.Committed[reservationId] = quantity;
        }
        _committed -= committed - quantity;
        ReportAvailability();
        await _writes.WhenDurable();
        return quantity;
    }

    async Task<StockSnapshot> IStockGrain.Restock(string operationId, int quantity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        await _writes.WhenReady();
        if (!S.AppliedOperations.ContainsKey(operationId))
        {
            if ((long)S.OnHand + quantity > StockLevel.MaxUnits)
            {
                throw new ArgumentException($"{this.GetPrimaryKeyString()} would hold more than {StockLevel.MaxUnits} units.", nameof(quantity));
            }
            S.AppliedOperations[operationId] = _clock.UtcNow;
            S.OnHand += quantity;
            S.Restocked += quantity;
            ReportAvailability();
        }
        await _writes.WhenDurable();
        return Snapshot();
    }

    async Task<StockSnapshot> IStockGrain.Adjust(string operationId, int delta, string reason)
    {
        await _writes.WhenReady();
        if (!S.AppliedOperations.ContainsKey(operationId))
        {
            if (S.OnHand + delta < 0)
            {
                throw new ArgumentException($"Adjusting {this.GetPrimaryKeyString()} by {delta} would leave {S.OnHand + delta} on hand.", nameof(delta));
            }
            S.AppliedOperations[operationId] = _clock.UtcNow;
            S.OnHand += delta;
            S.Adjusted += delta;
            _logger.LogInformation("{Grain}: on hand adjusted by {Delta} ({Reason})", this.GetPrimaryKeyString(), delta, reason);
            ReportAvailability();
        }
        await _writes.WhenDurable();
        return Snapshot();
    }

    async Task<StockSnapshot> IStockGrain.Receive(string operationId, int quantity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        await _writes.WhenReady();
        if (!S.AppliedOperations.ContainsKey(operationId))
        {
            if ((long)S.OnHand + quantity > StockLevel.MaxUnits)
            {
                throw new ArgumentException($"{this.GetPrimaryKeyString()} would hold more than {StockLevel.MaxUnits} units.", nameof(quantity));
            }
            S.AppliedOperations[operationId] = _clock.UtcNow;
            S.OnHand += quantity;
            S.Received += quantity;
            FulfilReceipt(operationId);
            ReportAvailability();
        }
        await _writes.WhenDurable();
        return Snapshot();
    }

    async Task<StockSnapshot> IStockGrain.SetLevel(string operationId, StockLevel level)
    {
        if (level.Validate() is { Count: > 0 } errors)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(level));
        }
        await _writes.WhenReady();
        if (!S.AppliedOperations.ContainsKey(operationId))
        {
            S.AppliedOperations[operationId] = _clock.UtcNow;
            S.Adjusted += level.OnHand - S.OnHand;
            S.OnHand = level.OnHand;
            S.SafetyStock = level.SafetyStock;
            ReportAvailability();
        }
        await _writes.WhenDurable();
        return Snapshot();
    }

    Task<int> IStockGrain.GetAvailable()
    {
        ExpireHolds();
        return Task.FromResult(Math.Max(0, Available));
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

    private StockSnapshot Snapshot() => new(
        _nodeId, _sku, S.OnHand, S.SafetyStock, _held, _committed, Available,
        S.Received, S.Adjusted, S.Shipped, S.Restocked,
        new Dictionary<string, int>(S.Committed, StringComparer.Ordinal),
        _holds.Select(h => new HoldView(h.Key, h.Value.Quantity, h.Value.ExpiresAt)).ToList())
    {
        Reserve = S.Reserve,
        Inbound = S.Receipts.ToList(),
        InboundPromises = S.InboundPromises.ToDictionary(p => p.OrderId, p => p.Quantity, StringComparer.Ordinal),
    };

    /// <summary>Drops holds whose time is up; cheap unless the earliest expiry has passed.</summary>
    private void ExpireHolds()
    {
        var now = _clock.UtcNow;
        if (now < _nextExpiry)
        {
            return;
        }
        var next = DateTimeOffset.MaxValue;
        var expired = 0;
        foreach (var (id, hold) in _holds.ToList())
        {
            if (hold.ExpiresAt <= now)
            {
                _holds.Remove(id);
                _held -= hold.Quantity;
                expired++;
            }
            else if (hold.ExpiresAt < next)
            {
                next = hold.ExpiresAt;
            }
        }
        _nextExpiry = next;
        if (expired > 0)
        {
            GridMetrics.HoldsExpired(expired);
            _logger.LogDebug("{Grain}: {Count} holds expired", this.GetPrimaryKeyString(), expired);
            ReportAvailability();
        }
    }

    private Task SweepExpiredHolds()
    {
        ExpireHolds();
        return Task.CompletedTask;
    }

    private void RecountCommitted() => _committed = S.Committed.Values.Sum();

    private Task WriteAsync()
    {
        PruneTombstones();
        return _state.WriteStateAsync();
    }

    private async Task ReloadAsync()
    {
        await _state.ReadStateAsync();
        RecountCommitted();
        ReportAvailability();
    }

    private void OnReloadFailed(Exception ex)
    {
        _logger.LogError(ex, "{Grain}: could not reload state after a failed write; deactivating", this.GetPrimaryKeyString());
        DeactivateOnIdle();
    }

    private void PruneTombstones()
    {
        var cutoff = _clock.UtcNow - TombstoneRetention;
        foreach (var (id, at) in S.Released.Where(r => r.Value < cutoff).ToList())
        {
            S.Released.Remove(id);
        }
        foreach (var (id, at) in S.AppliedOperations.Where(r => r.Value < cutoff).ToList())
        {
            S.AppliedOperations.Remove(id);
        }
        foreach (var (id, at) in S.ReceivedReceipts.Where(r => r.Value < cutoff).ToList())
        {
            S.ReceivedReceipts.Remove(id);
        }
    }

    /// <summary>
    /// Tells the SKU's availability grain our available quantity, one report in flight at a time;
    /// changes during a report are coalesced into the next. Never awaited by the caller: network
    /// availability is eventually consistent, and bids read the stock grains themselves.
    /// </summary>
    private void ReportAvailability()
    {
        _reportPending = true;
        if (!_reporting)
        {
            _ = ReportLoopAsync();
        }
    }

    private async Task ReportLoopAsync()
    {
        _reporting = true;
        try
        {
            while (_reportPending)
            {
                _reportPending = false;
                _reportVersion = Math.Max(_reportVersion + 1, DateTime.UtcNow.Ticks);
                try
                {
                    await GrainFactory.GetGrain<ISkuAvailabilityGrain>(_sku)
                        .Report(_nodeId, Math.Max(0, Available), _reportVersion, UnpromisedReceipts().Sum(r => r.Quantity));
                }
                catch (Exception ex)
                {
                    // The next change, or the next activation, reports again.
                    _logger.LogWarning(ex, "{Grain}: availability report failed", this.GetPrimaryKeyString());
                    return;
                }
            }
        }
        finally
        {
            _reporting = false;
        }
    }
}
