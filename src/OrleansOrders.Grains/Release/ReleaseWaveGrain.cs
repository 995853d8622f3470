using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Release;

[GenerateSerializer, Alias("oo.ReleaseWaveState")]
public sealed class ReleaseWaveState
{
    [Id(0)] public int SchemaVersion { get; set; } = 1;
    /// <summary>Orders with a parcel waiting for release at this node, and the earliest time one is due.</summary>
    [Id(1)] public Dictionary<string, DateTimeOffset> Waiting { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public long ParcelsReleased { get; set; }
    [Id(3)] public long OrdersReoptimised { get; set; }
}

/// <summary>
/// One node's release waves. Orders enlist when they make a soft parcel here (from their outbox, so a
/// crash cannot lose it); while anything waits, a timer looks for due entries on the business clock and
/// asks each due order to release (the order may re-plan first). An order answers when it still has
/// a parcel waiting here; otherwise it leaves the list. A failed order stays and is asked again at the
/// next look. A reminder, held only while the list is not empty, reactivates the grain after a crash.
/// The state holds only what waits at this node (released entries leave), written by group commit.
/// </summary>
// Reentrant: an order asked to release may enlist at this node from its outbox while the wave awaits it.
[Reentrant]
public sealed class ReleaseWaveGrain : Grain, IReleaseWaveGrain, IRemindable
{
    private const string WakeReminder = "release-wave";

    private readonly IPersistentState<ReleaseWaveState> _state;
    private readonly GridClock _clock;
    private readonly ReleaseSettings _settings;
    private readonly ILogger<ReleaseWaveGrain> _logger;
    private readonly GroupCommit _writes;
    private IGrainTimer? _timer;
    private Task<WaveRunResult>? _running;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _reminderHeld;

    public ReleaseWaveGrain(
        [PersistentState("releaseWave", GridOptions.StorageName)] IPersistentState<ReleaseWaveState> state,
        GridClock clock,
        IOptions<GridOptions> options,
        ILogger<ReleaseWaveGrain> logger)
    {
        _state = state;
        _clock = clock;
        _settings = options.Value.Release;
        _logger = logger;
        _writes = new GroupCommit(() => _state.WriteStateAsync(), () => _state.ReadStateAsync(), OnReloadFailed);
    }

    private string NodeId => this.GetPrimaryKeyString();

    private Dictionary<string, DateTimeOffset> Waiting => _state.State.Waiting;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _reminderHeld = Waiting.Count > 0; // registered by the activation that first had work
        KeepLooking();
        return base.OnActivateAsync(cancellationToken);
    }

    async Task IReleaseWaveGrain.Enlist(string orderId, DateTimeOffset releaseAt)
    {
        if (!Identifiers.IsValid(orderId))
        {
            throw new ArgumentException($"'{orderId}' is not an order id.", nameof(orderId));
        }
        await _writes.WhenReady();
        if (Waiting.TryGetValue(orderId, out var known) && known <= releaseAt)
        {
            return; // a replay of the outbox, or a later parcel of an order already due sooner
        }
        Waiting[orderId] = releaseAt;
        await _writes.WhenDurable();
        await HoldReminder();
        KeepLooking();
    }

    Task<ReleaseWaveView> IReleaseWaveGrain.Get(int limit)
    {
        var orders = Waiting.OrderBy(w => w.Value).ThenBy(w => w.Key, StringComparer.Ordinal)
            .Take(Math.Clamp(limit, 0, 1000)).Select(w => new WaveEntry(w.Key, w.Value)).ToList();
        return Task.FromResult(new ReleaseWaveView(NodeId, Waiting.Count, Waiting.Count == 0 ? null : Waiting.Values.Min(), orders,
            _state.State.ParcelsReleased, _state.State.OrdersReoptimised));
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
        var now = _clock.UtcNow;
        var due = Waiting.Where(w => force || w.Value <= now).OrderBy(w => w.Value).Select(w => (OrderId: w.Key, Seen: w.Value)).ToList();
        var (released, moved, failed) = (0, 0, 0);
        foreach (var batch in due.Chunk(_settings.WaveParallelism))
        {
            var answers = await Task.WhenAll(batch.Select(async entry =>
            {
                try
                {
                    return await GrainFactory.GetGrain<IOrderGrain>(entry.OrderId).ReleaseWave(NodeId, force);
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
                if (!Waiting.TryGetValue(orderId, out var current) || current != seen)
                {
                    continue; // the order enlisted again while it was asked: that entry stands
                }
                if (answer.NextReleaseAt is { } next)
                {
                    Waiting[orderId] = next;
                }
                else
                {
                    Waiting.Remove(orderId);
                }
            }
        }
        _state.State.ParcelsReleased += released;
        _state.State.OrdersReoptimised += moved;
        if (due.Count > 0)
        {
            await _writes.WhenDurable();
        }
        if (Waiting.Count == 0)
        {
            await DropReminder();
        }
        return new WaveRunResult(due.Count, released, moved, failed);
    }

    /// <summary>A timer on the runtime's clock that compares due times on the business clock: only while something waits.</summary>
    private void KeepLooking()
    {
        if (Waiting.Count == 0 || _timer is not null)
        {
            return;
        }
        _timer = this.RegisterGrainTimer(async _ =>
        {
            if (Waiting.Count == 0)
            {
                _timer?.Dispose();
                _timer = null;
                return;
            }
            if (Waiting.Values.Min() <= _clock.UtcNow)
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
        _logger.LogError(ex, "Release wave at {Node}: could not reload state after a failed write; deactivating", NodeId);
        DeactivateOnIdle();
    }
}
