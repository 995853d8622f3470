using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;
using OrleansOrders.Grains.Stock.Ledger;
using OrleansOrders.Orders;

namespace OrleansOrders.Grains.Release;

/// <summary>
/// One node's release waves. Orders enlist when they make a soft parcel here (from their outbox, so a
/// crash cannot lose it); while anything waits, a timer looks for due entries on the business clock and
/// asks each due order to release (the order may re-plan first). An order answers when it still has
/// a parcel waiting here; otherwise it leaves the list. A failed order stays and is asked again at the
/// next look. A reminder, held only while the list is not empty, reactivates the grain after a crash.
/// The list is one row per waiting order in the ledger store (<see cref="ReleaseWaveList"/>, under
/// <see cref="Identifiers.ReleaseWaveKey"/>), group-committed: a write costs the rows that changed,
/// not the list. The counts of parcels released and orders moved are this activation's (for operators and the load report).
/// </summary>
// Reentrant: an order asked to release may enlist at this node from its outbox while the wave awaits it.
[Reentrant]
public sealed class ReleaseWaveGrain : Grain, IReleaseWaveGrain, IRemindable
{
    private const string WakeReminder = "release-wave";

    private readonly IStockLedgerStore _store;
    private readonly GridClock _clock;
    private readonly ReleaseSettings _settings;
    private readonly ILogger<ReleaseWaveGrain> _logger;
    private readonly StorageOperationCounter? _counter;
    private readonly GroupCommit _writes;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ReleaseWaveList _list = new();
    private LedgerVersion? _version;
    private bool _stale;
    private IGrainTimer? _timer;
    private Task<WaveRunResult>? _running;
    private bool _reminderHeld;
    private long _parcelsReleased;
    private long _ordersReoptimised;

    public ReleaseWaveGrain(IStockLedgerStore store, GridClock clock, IOptions<GridOptions> options, ILogger<ReleaseWaveGrain> logger,
        StorageOperationCounter? counter = null)
    {
        _store = store;
        _clock = clock;
        _settings = options.Value.Release;
        _logger = logger;
        _counter = counter;
        _writes = new GroupCommit(WriteAsync, ReloadAsync, OnReloadFailed);
    }

    private string NodeId => this.GetPrimaryKeyString();

    private string StoreKey => Identifiers.ReleaseWaveKey(NodeId);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await ReloadAsync();
        _reminderHeld = _list.Count > 0; // registered by the activation that first had work
        KeepLooking();
        await base.OnActivateAsync(cancellationToken);
    }

    private async Task WriteAsync()
    {
        if (_list.TakeChanges() is not { } changes)
        {
            return; // an earlier write of this batch already carried the change
        }
        _counter?.RecordWrite("ledger", "releaseWave");
        _version = await _store.WriteAsync(StoreKey, changes, _version, _list.Rows);
    }

    /// <summary>On activation and after a failed write: the stored list is the truth (the calls a failed write carried were failed).</summary>
    private async Task ReloadAsync()
    {
        var stored = await _store.ReadAsync(StoreKey);
        _counter?.RecordRead("ledger", "releaseWave");
        _list = stored is null ? new ReleaseWaveList() : ReleaseWaveList.Restore(stored.Rows);
        _version = stored?.Version;
        _stale = false;
    }

    /// <summary>Before a change: no reload under way, room in the next write, and never on a list a failed reload left unsure.</summary>
    private async Task ReadyForChange()
    {
        await _writes.WhenRoom(() => _list.HasRoom);
        if (_stale)
        {
            await ReloadAsync();
        }
    }

    async Task IReleaseWaveGrain.Enlist(string orderId, DateTimeOffset releaseAt)
    {
        if (!Identifiers.IsValid(orderId))
        {
            throw new ArgumentException($"'{orderId}' is not an order id.", nameof(orderId));
        }
        await ReadyForChange();
        _list.Enlist(orderId, releaseAt); // no change for a replay of the outbox, or a later parcel of an order due sooner
        // Also when nothing changed: a replay answers once the first enlistment is durable (a write of nothing costs nothing).
        await _writes.WhenDurable();
        await HoldReminder();
        KeepLooking();
    }

    Task<ReleaseWaveView> IReleaseWaveGrain.Get(int limit)
    {
        var orders = _list.First(Math.Clamp(limit, 0, 1000)).Select(w => new WaveEntry(w.OrderId, w.At)).ToList();
        return Task.FromResult(new ReleaseWaveView(NodeId, _list.Count, _list.Earliest, orders, _parcelsReleased, _ordersReoptimised));
    }

    Task<WaveRunResult> IReleaseWaveGrain.RunDue(bool force) => Run(force);

    Task IRemindable.ReceiveReminder(string reminderName, TickStatus status) => Run(force: false);

    /// <summary>One run at a time: a look of the timer or reminder shares a run under way; a forced run waits its turn.</summary>
    private async Task<WaveRunResult> Run(bool force)
    {
        if (!force && _running is { IsCompleted: false } running)
        {
            return await running;
        }
        await _gate.WaitAsync();
        try
        {
            _running = RunOnce(force);
            return await _running;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<WaveRunResult> RunOnce(bool force)
    {
        await _writes.WhenReady();
        var due = _list.Due(_clock.UtcNow, all: force);
        var (released, moved, failed) = (0, 0, 0);
        foreach (var batch in due.Chunk(_settings.WaveParallelism))
        {
            var answers = await Task.WhenAll(batch.Select(async entry =>
            {
                try
                {
                    return await GrainFactory.Reference<IOrderGrain>(entry.OrderId).ReleaseWave(NodeId, force);
                }
                catch (Exception ex)
                {
                    _logger.LogWarning(ex, "Release wave at {Node}: order {Order} could not be released yet; asked again at the next look", NodeId, entry.OrderId);
                    return null;
                }
            }));
            foreach (var ((orderId, seen), answer) in batch.Zip(answers))
            {
                if (answer is null)
                {
                    failed++;
                    continue;
                }
                released += answer.Released;
                moved += answer.Reoptimised ? 1 : 0;
                await ReadyForChange();
                if (_list.DueAt(orderId) != seen)
                {
                    continue; // the order enlisted again while it was asked: that entry stands
                }
                _list.Reschedule(orderId, answer.NextReleaseAt);
                if (!_list.HasRoom)
                {
                    await _writes.WhenDurable(); // a write carries a bounded number of rows: a large wave is written in steps
                }
            }
        }
        _parcelsReleased += released;
        _ordersReoptimised += moved;
        if (due.Count > 0)
        {
            await _writes.WhenDurable();
        }
        if (_list.Count == 0)
        {
            await DropReminder();
        }
        return new WaveRunResult(due.Count, released, moved, failed);
    }

    /// <summary>A timer on the runtime's clock that compares due times on the business clock: only while something waits.</summary>
    private void KeepLooking()
    {
        if (_list.Count == 0 || _timer is not null)
        {
            return;
        }
        _timer = this.RegisterGrainTimer(async _ =>
        {
            if (_list.Count == 0)
            {
                _timer?.Dispose();
                _timer = null;
                return;
            }
            if (_list.Earliest <= _clock.UtcNow)
            {
                await Run(force: false);
            }
        }, new GrainTimerCreationOptions(_settings.CheckInterval, _settings.CheckInterval) { Interleave = true });
    }

    private async Task HoldReminder()
    {
        if (_reminderHeld)
        {
            return;
        }
        _reminderHeld = true;
        try
        {
            await this.RegisterOrUpdateReminder(WakeReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
        catch (Exception ex)
        {
            _reminderHeld = false; // the next enlistment tries again; until then the timer serves while the grain lives
            _logger.LogWarning(ex, "Release wave at {Node}: could not register its wake-up reminder", NodeId);
        }
    }

    private async Task DropReminder()
    {
        if (!_reminderHeld)
        {
            return;
        }
        try
        {
            if (await this.GetReminder(WakeReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            _reminderHeld = false;
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Release wave at {Node}: could not drop its reminder (it finds nothing to do)", NodeId);
        }
    }

    private void OnReloadFailed(Exception ex)
    {
        _stale = true;
        _logger.LogError(ex, "Release wave at {Node}: could not reload its list after a failed write; the next change retries", NodeId);
    }
}
