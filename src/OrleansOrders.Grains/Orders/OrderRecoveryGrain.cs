using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;
using OrleansOrders.Grains.Orders.Records;

namespace OrleansOrders.Grains.Orders;

/// <summary>
/// The shard's own ledger, where orders of earlier versions were tracked before each step (orders
/// now write their recovery entry beside their record, see <see cref="IOrderRecordStore"/>); swept
/// until it is empty, and still taking Track calls from silos of the earlier version during an upgrade.
/// </summary>
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

// One shard of the recovery sweep: it finishes the orders a crash left mid-step, found by their
// recovery entries in the partitions of the order-record store this shard covers (and, until it is
// empty, in its own ledger of the earlier version).
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
    private readonly IOrderRecordStore _records;

    public OrderRecoveryGrain(
        [PersistentState("recovery", GridOptions.StorageName)] IPersistentState<OrderRecoveryState> state,
        IOrderRecordStore records,
        GridClock clock,
        IOptions<GridOptions> options,
        ILogger<OrderRecoveryGrain> logger)
    {
        _state = state;
        _records = records;
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
        if (_state.State.Pending.ContainsKey(orderId))
        {
            return _state.State.Stamps.GetValueOrDefault(orderId);
        }
        return (await _records.ReadAsync(orderId))?.Track?.Stamp;
    }

    Task IOrderRecoveryGrain.EnsureSweeping() => Task.CompletedTask; // activation registered the reminder

    /// <summary>The partitions of the order-record store this shard sweeps.</summary>
    private IEnumerable<int> Partitions => OrderRecordPartitions.OfShard(this.GetPrimaryKeyLong(), _options.RecoveryShards);

    private async Task<List<TrackedOrder>> Entries() =>
        (await Task.WhenAll(Partitions.Select(p => _records.TrackedAsync(p)))).SelectMany(e => e).ToList();

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

    async Task<IReadOnlyList<string>> IOrderRecoveryGrain.GetTracked() =>
        _state.State.Pending.Keys.Concat((await Entries()).Select(e => e.OrderId)).Distinct(StringComparer.Ordinal).ToList();

    Task IRemindable.ReceiveReminder(string reminderName, TickStatus status) => SweepAsync();

    Task<int> IOrderRecoveryGrain.Sweep() => SweepAsync();

    private async Task<int> SweepAsync()
    {
        var cutoff = _clock.UtcNow - _options.RecoveryGrace;
        // What the sweep saw: an order that tracks a new step while it is being resumed gets a new
        // stamp, and stays tracked (that step may still die unfinished).
        var due = _state.State.Pending.Where(p => p.Value <= cutoff)
            .Select(p => (OrderId: p.Key, Stamp: _state.State.Stamps.GetValueOrDefault(p.Key))).ToList();
        var unfinishedEntries = await SweepEntries(cutoff);
        var unfinished = 0;
        foreach (var batch in due.Chunk(32))
        {
            var settled = await Resume(batch.Select(entry => entry.OrderId));
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
        return unfinished + unfinishedEntries;
    }

    /// <summary>Resumes each order; answers per order whether it is done (one that could not be asked is not).</summary>
    private Task<bool[]> Resume(IEnumerable<string> orderIds) => Task.WhenAll(orderIds.Select(async orderId =>
    {
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

    /// <summary>
    /// Resumes the orders whose recovery entries are older than the grace; removes each entry whose
    /// order answered done, at the ETag the sweep read (an order that wrote a new step's entry since
    /// keeps it). Answers how many remain unfinished.
    /// </summary>
    private async Task<int> SweepEntries(DateTimeOffset cutoff)
    {
        var due = (await Entries()).Where(e => e.TrackedAt <= cutoff).ToList();
        var unfinished = 0;
        foreach (var batch in due.Chunk(32))
        {
            var settled = await Resume(batch.Select(entry => entry.OrderId));
            var done = batch.Zip(settled).Where(r => r.Second).Select(r => r.First).ToList();
            unfinished += batch.Length - done.Count;
            if (done.Count > 0)
            {
                await _records.UntrackAsync(done);
            }
        }
        if (due.Count > 0)
        {
            _logger.LogInformation("Recovery sweep: {Due} orders with recovery entries checked, {Unfinished} still unfinished", due.Count, unfinished);
        }
        return unfinished;
    }

    private void OnReloadFailed(Exception ex)
    {
        _logger.LogError(ex, "Recovery shard {Shard}: could not reload state after a failed write; deactivating", this.GetPrimaryKeyLong());
        DeactivateOnIdle();
    }
}
