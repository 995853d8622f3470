using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Orders;

[GenerateSerializer, Alias("oo.OrderRecoveryState")]
public sealed class OrderRecoveryState
{
    [Id(0)] public int SchemaVersion { get; set; } = 1;
    /// <summary>Orders in the middle of a step, with when they were first tracked (the grace runs from there).</summary>
    [Id(1)] public Dictionary<string, DateTimeOffset> Pending { get; set; } = new(StringComparer.Ordinal);
    /// <summary>
    /// The stamp of each order's latest Track: a sweep removes an order only if no step tracked it
    /// after the sweep read it. (Entries of older states have none: 0, which no Track gives.)
    /// </summary>
    [Id(2)] public Dictionary<string, long> Stamps { get; set; } = new(StringComparer.Ordinal);
    [Id(3)] public long LastStamp { get; set; }
}

// Reentrant so that Track calls arriving during a write share the next one (group commit), and so
// that an order settling during a sweep can call Settled without a deadlock. Safe because Track
// and Settled change the dictionary synchronously, and Sweep copies it before its first await.
[Reentrant]
public sealed class OrderRecoveryGrain : Grain, IOrderRecoveryGrain, IRemindable
{
    private const string SweepReminder = "recovery-sweep";

    private readonly IPersistentState<OrderRecoveryState> _state;
    private readonly GridClock _clock;
    private readonly GridOptions _options;
    private readonly ILogger<OrderRecoveryGrain> _logger;
    private readonly GroupCommit _writes;

    public OrderRecoveryGrain(
        [PersistentState("recovery", GridOptions.StorageName)] IPersistentState<OrderRecoveryState> state,
        GridClock clock,
        IOptions<GridOptions> options,
        ILogger<OrderRecoveryGrain> logger)
    {
        _state = state;
        _clock = clock;
        _options = options.Value;
        _logger = logger;
        _writes = new GroupCommit(() => _state.WriteStateAsync(), () => _state.ReadStateAsync(), OnReloadFailed);
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The reminder survives silo crashes and restarts, and reactivates this shard to sweep.
        await this.RegisterOrUpdateReminder(SweepReminder, _options.RecoverySweepPeriod, _options.RecoverySweepPeriod);
    }

    async Task<long> IOrderRecoveryGrain.Track(string orderId)
    {
        await _writes.WhenReady();
        _state.State.Pending.TryAdd(orderId, _clock.UtcNow);
        var stamp = _state.State.Stamps[orderId] = ++_state.State.LastStamp;
        await _writes.WhenDurable();
        return stamp;
    }

    async Task<long?> IOrderRecoveryGrain.TrackedStamp(string orderId)
    {
        await _writes.WhenReady(); // not from a state about to be replaced by a reload
        return _state.State.Pending.ContainsKey(orderId) ? _state.State.Stamps.GetValueOrDefault(orderId) : null;
    }

    Task IOrderRecoveryGrain.Settled(string orderId)
    {
        // Unconditional: an order is not reentrant, so its Settled comes after its last Track.
        _state.State.Pending.Remove(orderId);
        _state.State.Stamps.Remove(orderId);
        return Task.CompletedTask;
    }

    Task IOrderRecoveryGrain.SettledMany(IReadOnlyList<SettledStep> steps)
    {
        foreach (var step in steps)
        {
            // Entries of older states carry no stamp (0): the order's Track since would have given one.
            if (_state.State.Stamps.TryGetValue(step.OrderId, out var latest) && latest != step.Stamp && latest != 0)
            {
                continue; // the order tracked a later step after this one settled: that step stays tracked
            }
            _state.State.Pending.Remove(step.OrderId);
            _state.State.Stamps.Remove(step.OrderId);
        }
        return Task.CompletedTask;
    }

    Task<IReadOnlyList<string>> IOrderRecoveryGrain.GetTracked() =>
        Task.FromResult<IReadOnlyList<string>>(_state.State.Pending.Keys.ToList());

    Task IRemindable.ReceiveReminder(string reminderName, TickStatus status) => SweepAsync();

    Task<int> IOrderRecoveryGrain.Sweep() => SweepAsync();

    private async Task<int> SweepAsync()
    {
        var cutoff = _clock.UtcNow - _options.RecoveryGrace;
        // What the sweep saw: an order that tracks a new step while it is being resumed gets a new
        // stamp, and stays tracked (that step may still die unfinished).
        var due = _state.State.Pending.Where(p => p.Value <= cutoff)
            .Select(p => (OrderId: p.Key, Stamp: _state.State.Stamps.GetValueOrDefault(p.Key))).ToList();
        var unfinished = 0;
        foreach (var batch in due.Chunk(32))
        {
            var settled = await Task.WhenAll(batch.Select(async entry =>
            {
                var orderId = entry.OrderId;
                try
                {
                    return await GrainFactory.Reference<IOrderGrain>(orderId).Resume();
                }
                catch (Exception ex)
                {
                    _logger.LogWarning(ex, "Recovery: order {Order} could not be resumed yet", orderId);
                    return false;
                }
            }));
            foreach (var ((orderId, stamp), done) in batch.Zip(settled))
            {
                if (done)
                {
                    if (_state.State.Stamps.GetValueOrDefault(orderId) == stamp)
                    {
                        _state.State.Pending.Remove(orderId);
                        _state.State.Stamps.Remove(orderId);
                    }
                }
                else
                {
                    unfinished++;
                }
            }
        }
        if (due.Count > 0)
        {
            _logger.LogInformation("Recovery sweep: {Due} orders checked, {Unfinished} still unfinished", due.Count, unfinished);
        }
        // Also persists the lazy Settled removals.
        await _writes.WhenDurable();
        return unfinished;
    }

    private void OnReloadFailed(Exception ex)
    {
        _logger.LogError(ex, "Recovery shard {Shard}: could not reload state after a failed write; deactivating", this.GetPrimaryKeyLong());
        DeactivateOnIdle();
    }
}
