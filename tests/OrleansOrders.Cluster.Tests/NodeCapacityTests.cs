using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using Orleans.Timers;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains;
using OrleansOrders.Grains.Nodes;
using OrleansOrders.Grains.Stock.Ledger;
using OrleansOrders.Stock;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// Capacity accounting of fulfilment nodes (claims, releases and their replays, stored as numbers per
/// day), the flush timer that exists only while there is something to flush, and what a node does
/// when its ETag goes stale. One silo over a shared store with fault injection, and a timer registry
/// that counts the timers each grain holds, so the tests see timers without a hook in the grain.
/// </summary>
[Collection(NodeClusterCollection.Name)]
[Trait("Category", "cluster")]
public sealed class NodeCapacityTests(NodeClusterFixture fixture)
{
    private static readonly Location Here = new(40.7128, -74.0060);

    private readonly IGrainFactory _grains = fixture.Grains;

    private DateOnly Today => DateOnly.FromDateTime(fixture.Time.GetUtcNow().UtcDateTime);

    private async Task<IFulfilmentNodeGrain> NewNode(string id, int dailyCapacity)
    {
        var node = _grains.GetGrain<IFulfilmentNodeGrain>(id);
        await node.Register(new NodeProfile(id, id, NodeKind.DistributionCentre, "here", Here, NodeCapabilities.ShipToHome, dailyCapacity));
        return node;
    }

    private async Task<IReadOnlyList<int>> PromisedByDay(IFulfilmentNodeGrain node, string sku)
    {
        var bid = await node.Bid(new BidRequest("probe", Here, [new OrderLine(sku, 1)], fixture.Time.GetUtcNow()));
        return bid.PromisedByDay;
    }

    /// <summary>The node's record in the store, as the next activation would read it.</summary>
    private NodeState? Stored(string nodeId)
    {
        var entry = fixture.Store.Read($"node/{_grains.GetGrain<IFulfilmentNodeGrain>(nodeId).GetGrainId()}");
        return entry is { } e ? fixture.Serializer.Deserialize<NodeState>(e.Data) : null;
    }

    /// <summary>A registered node (capacity 3), deactivated, whose stored state <paramref name="makeOld"/> turned into what an older schema wrote.</summary>
    private async Task<IFulfilmentNodeGrain> NodeStoredAs(string id, Action<NodeState> makeOld)
    {
        var node = await NewNode(id, dailyCapacity: 3);
        var key = $"node/{node.GetGrainId()}";
        await fixture.Cluster.DeactivateAsync(node);
        var old = Stored(id)!;
        makeOld(old);
        fixture.Store.Write(key, fixture.Store.Read(key)!.Value.ETag, fixture.Serializer.SerializeToArray(old));
        return node;
    }

    [Fact]
    public async Task A_reference_from_the_cached_grain_types_is_the_reference_Orleans_makes_and_reaches_the_same_grain()
    {
        var node = await NewNode($"ref-{Guid.NewGuid():N}", 3);
        var nodeId = ((GrainReference)node).GetPrimaryKeyString();
        for (var i = 0; i < 2; i++) // the first call resolves the types, the second builds from them
        {
            var cached = _grains.Reference<IFulfilmentNodeGrain>(nodeId);
            Assert.Equal(((GrainReference)node).GrainId, ((GrainReference)cached).GrainId);
            Assert.Equal(((GrainReference)node).InterfaceType, ((GrainReference)cached).InterfaceType);
            Assert.Equal(nodeId, (await cached.Get())!.Profile.NodeId);
        }
        var shard = _grains.Reference<IOrderRecoveryGrain>(3);
        Assert.Equal(((GrainReference)_grains.GetGrain<IOrderRecoveryGrain>(3)).GrainId, ((GrainReference)shard).GrainId);
        Assert.Equal(((GrainReference)_grains.GetGrain<IOrderRecoveryGrain>(3)).GrainId, ((GrainReference)_grains.Reference<IOrderRecoveryGrain>(3)).GrainId);
    }

    [Fact]
    public async Task Claims_and_releases_count_once_however_often_they_are_replayed()
    {
        var node = await NewNode("cap-replay", dailyCapacity: 2);
        var sku = "cap-replay-sku";
        await node.SetStock(sku, new StockLevel(10, 0), "seed");

        Assert.True(await node.ClaimCapacity("o1", Today));
        Assert.True(await node.ClaimCapacity("o1", Today)); // a replayed claim: still one unit
        Assert.Equal(1, (await node.Get())!.CapacityUsed);

        Assert.True(await node.ClaimCapacity("o1", Today.AddDays(1))); // a re-plan moves the claim
        Assert.Equal([0, 1], (await PromisedByDay(node, sku)).Take(2));

        Assert.True(await node.ClaimCapacity("o2", Today));
        Assert.True(await node.ClaimCapacity("o3", Today));
        Assert.False(await node.ClaimCapacity("o4", Today)); // today is full (o2, o3)

        await node.ReleaseCapacity("o2", Today);
        await node.ReleaseCapacity("o2", Today); // the order's outbox replays its release
        await node.ReleaseCapacity("never-claimed", null);
        Assert.Equal(1, (await node.Get())!.CapacityUsed);
        Assert.True(await node.ClaimCapacity("o4", Today)); // exactly o2's unit came back
        Assert.False(await node.ClaimCapacity("o5", Today));

        // The numbers survive a new activation, and releases still count once: the first release of a
        // claim leaves a mark until its day passes, so a replay frees nothing whatever the node forgot.
        await Eventually.True(() => Task.FromResult(Stored("cap-replay")?.Capacity.UsedOn(Today) == 2), "today's claims to be flushed");
        await fixture.Cluster.DeactivateAsync(node);
        Assert.Equal(2, (await node.Get())!.CapacityUsed);
        await node.ReleaseCapacity("o2", Today); // released before the deactivation: a replay
        Assert.Equal(2, (await node.Get())!.CapacityUsed);
        await node.ReleaseCapacity("o3", Today);
        await node.ReleaseCapacity("o3", Today);
        Assert.Equal([1, 1], (await PromisedByDay(node, sku)).Take(2));
        await node.ReleaseCapacity("o1", Today.AddDays(1));
        await node.ReleaseCapacity("o1", Today.AddDays(1));
        Assert.Equal([1, 0], (await PromisedByDay(node, sku)).Take(2));
        await node.ReleaseCapacity("unknown-without-a-day", null); // an outbox entry stored before releases named their day
        Assert.Equal(1, (await node.Get())!.CapacityUsed);
    }

    [Fact]
    public async Task Stored_capacity_is_numbers_per_day_and_past_days_are_forgotten()
    {
        var node = await NewNode("cap-numbers", dailyCapacity: 1_000);
        for (var i = 0; i < 300; i++)
        {
            Assert.True(await node.ClaimCapacity($"n{i}", Today));
            if (i % 3 != 0)
            {
                await node.ReleaseCapacity($"n{i}", Today); // cancelled orders leave a mark until the day passes
            }
        }
        await Eventually.True(() => Task.FromResult(Stored("cap-numbers")?.Capacity.UsedOn(Today) == 100), "the claims to be flushed");
        var stored = Stored("cap-numbers")!;
        Assert.Equal(NodeState.CurrentSchemaVersion, stored.SchemaVersion);
        Assert.Empty(stored.Capacity.Claims); // 100 open claims are one number
        Assert.Equal(200, stored.Capacity.Released.Count);
        Assert.Empty(stored.ClaimsByDay);
        Assert.Empty(stored.CapacityClaims);
    }

    [Fact]
    public async Task Claims_stored_one_by_one_by_schema_3_are_read_as_numbers_and_their_releases_still_count_once()
    {
        const string id = "cap-schema3";
        var node = await NodeStoredAs(id, old =>
        {
            old.SchemaVersion = 3;
            old.Capacity = new NodeCapacity { UsedByDay = new() { [Today] = 2 }, Claims = new(StringComparer.Ordinal) { ["a"] = Today, ["b"] = Today } };
        });

        Assert.Equal(2, (await node.Get())!.CapacityUsed);
        Assert.True(await node.ClaimCapacity("a", Today)); // a replay of a stored claim: no second unit
        await node.ReleaseCapacity("b", null); // an outbox entry without a day: the node remembers b's
        await node.ReleaseCapacity("b", null);
        Assert.Equal(1, (await node.Get())!.CapacityUsed);
        await Eventually.True(() => Task.FromResult(Stored(id) is { SchemaVersion: NodeState.CurrentSchemaVersion, Capacity.Claims.Count: 0 } s && s.Capacity.UsedOn(Today) == 1),
            "the upgraded state to be written as numbers");
    }

    [Fact]
    public async Task State_of_the_older_schemas_is_read_and_rewritten()
    {
        const string id = "cap-schema2";
        var node = await NodeStoredAs(id, old =>
        {
            old.SchemaVersion = 2;
            old.Capacity = new NodeCapacity();
            old.ClaimsByDay = new() { [Today] = new(StringComparer.Ordinal) { "a", "b" }, [Today.AddDays(-1)] = new(StringComparer.Ordinal) { "c" } };
        });

        Assert.Equal(2, (await node.Get())!.CapacityUsed);
        await node.ReleaseCapacity("a", null); // the node remembers the claims an older schema stored
        await node.ReleaseCapacity("a", null);
        Assert.True(await node.ClaimCapacity("d", Today));
        Assert.True(await node.ClaimCapacity("e", Today));
        Assert.False(await node.ClaimCapacity("f", Today));
        await Eventually.True(() => Task.FromResult(Stored(id) is { SchemaVersion: NodeState.CurrentSchemaVersion, ClaimsByDay.Count: 0 } s && s.Capacity.UsedOn(Today) == 3),
            "the upgraded state to be written");
    }

    [Fact]
    public async Task The_flush_timer_runs_only_while_claims_wait_to_be_written()
    {
        var node = await NewNode("cap-timer", dailyCapacity: 10);
        var id = node.GetGrainId();
        Assert.Equal(0, fixture.Timers.Live(id)); // registered and idle: no timer

        Assert.True(await node.ClaimCapacity("t1", Today));
        Assert.Equal(1, fixture.Timers.Live(id));
        await Eventually.True(() => Task.FromResult(fixture.Timers.Live(id) == 0), "the flush timer to be disposed after the flush", TimeSpan.FromSeconds(10));
        Assert.Equal(1, Stored("cap-timer")!.Capacity.UsedOn(Today));

        await node.ReleaseCapacity("t1", Today);
        Assert.Equal(1, fixture.Timers.Live(id));
        await Eventually.True(() => Task.FromResult(fixture.Timers.Live(id) == 0), "the flush timer to be disposed again", TimeSpan.FromSeconds(10));
        Assert.Equal(0, Stored("cap-timer")!.Capacity.UsedOn(Today));
        Assert.Equal(0, fixture.Timers.Live(id));
    }

    [Fact]
    public async Task A_stale_etag_reloads_and_rewrites_once_instead_of_failing_every_flush()
    {
        var node = await NewNode("cap-etag", dailyCapacity: 10);
        var key = $"node/{node.GetGrainId()}";
        // The flush lands but reports a failure (the node cannot tell), so its ETag goes stale.
        fixture.Faults.FailAfterKeys[key] = 1;
        Assert.True(await node.ClaimCapacity("e1", Today));
        await Eventually.True(() => Task.FromResult(!fixture.Faults.FailAfterKeys.ContainsKey(key)), "the ambiguous write");
        Assert.True(await node.ClaimCapacity("e2", Today));

        await Eventually.True(() => Task.FromResult(Stored("cap-etag")?.Capacity.UsedOn(Today) == 2), "both claims to be stored", TimeSpan.FromSeconds(10));
        var conflicts = fixture.Faults.ConflictsOf(key);
        Assert.True(conflicts <= 1, $"{conflicts} writes refused for a stale ETag: the node must reload after the first");
        await Task.Delay(fixture.FlushInterval * 4);
        Assert.Equal(conflicts, fixture.Faults.ConflictsOf(key)); // and nothing keeps failing afterwards

        // A profile change (a write its caller waits for) that lands but reports failure: the reload
        // finds the write's own stamp, so the caller is told it is done rather than asked to retry.
        fixture.Faults.FailAfterKeys[key] = 1;
        Assert.Equal(20, (await node.Update(new NodeUpdate(null, 20)))!.Profile.DailyCapacity);
        Assert.False(fixture.Faults.FailAfterKeys.ContainsKey(key)); // the fault did fire
        Assert.Equal(20, Stored("cap-etag")!.Profile!.DailyCapacity);
        Assert.Equal(30, (await node.Update(new NodeUpdate(null, 30)))!.Profile.DailyCapacity);
        Assert.Equal(30, Stored("cap-etag")!.Profile!.DailyCapacity);
        Assert.Equal(2, Stored("cap-etag")!.Capacity.UsedOn(Today));
    }

    [Fact]
    public async Task A_write_conflict_from_another_writer_is_merged_not_lost()
    {
        var node = await NewNode("cap-merge", dailyCapacity: 10);
        var key = $"node/{node.GetGrainId()}";
        Assert.True(await node.ClaimCapacity("m1", Today));
        await Eventually.True(() => Task.FromResult(Stored("cap-merge")?.Capacity.UsedOn(Today) == 1), "the first claim to be stored");

        // Another writer (a duplicate activation after a partition) stores a claim of its own.
        var other = Stored("cap-merge")!;
        other.Capacity.UsedByDay[Today] = other.Capacity.UsedOn(Today) + 1;
        other.WriteStamp = Guid.NewGuid();
        fixture.Store.Write(key, fixture.Store.Read(key)!.Value.ETag, fixture.Serializer.SerializeToArray(other));

        Assert.True(await node.ClaimCapacity("m2", Today));
        await Eventually.True(() => Task.FromResult(Stored("cap-merge")?.Capacity.UsedOn(Today) == 3), "both writers' claims to be stored", TimeSpan.FromSeconds(10));
        Assert.Equal(3, (await node.Get())!.CapacityUsed);
        Assert.Equal(1, fixture.Faults.ConflictsOf(key));
    }
}

/// <summary>Counts the live grain timers per grain (registered and not yet disposed).</summary>
public sealed class TimerCounts
{
    private readonly ConcurrentDictionary<GrainId, int> _live = new();

    public int Live(GrainId grain) => _live.GetValueOrDefault(grain);

    internal void Add(GrainId grain, int delta) => _live.AddOrUpdate(grain, delta, (_, n) => n + delta);
}

internal sealed class CountingTimerRegistry(ITimerRegistry inner, TimerCounts counts) : ITimerRegistry
{
    [Obsolete("Orleans' own obsolete overload, passed through.")]
    public IDisposable RegisterTimer(IGrainContext grainContext, Func<object?, Task> asyncCallback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.RegisterTimer(grainContext, asyncCallback, state, dueTime, period);

    public IGrainTimer RegisterGrainTimer<TState>(IGrainContext grainContext, Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options)
    {
        var timer = inner.RegisterGrainTimer(grainContext, callback, state, options);
        counts.Add(grainContext.GrainId, 1);
        return new Counted(timer, () => counts.Add(grainContext.GrainId, -1));
    }

    private sealed class Counted(IGrainTimer inner, Action onDispose) : IGrainTimer
    {
        private int _disposed;

        public void Change(TimeSpan dueTime, TimeSpan period) => inner.Change(dueTime, period);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                onDispose();
            }
            inner.Dispose();
        }
    }
}

/// <summary>Store faults aimed at single keys (the shared store's rates hit every grain).</summary>
public sealed class KeyedFaults
{
    /// <summary>Key -> writes left that land and then report a failure.</summary>
    public ConcurrentDictionary<string, int> FailAfterKeys { get; } = new();

    /// <summary>Keys whose storage is down: reads and writes fail before anything lands.</summary>
    public ConcurrentDictionary<string, bool> DownKeys { get; } = new();

    private readonly ConcurrentDictionary<string, int> _conflicts = new();

    public int ConflictsOf(string key) => _conflicts.GetValueOrDefault(key);

    internal void Conflict(string key) => _conflicts.AddOrUpdate(key, 1, (_, n) => n + 1);
}

/// <summary>The shared store with <see cref="KeyedFaults"/> applied around it.</summary>
internal sealed class KeyedFaultStorage(SharedStore store, KeyedFaults faults, Serializer serializer) : IGrainStorage
{
    private readonly SharedGrainStorage _inner = new(store, serializer);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        faults.DownKeys.ContainsKey($"{stateName}/{grainId}")
            ? throw new IOException($"Injected outage reading {stateName}/{grainId}.")
            : _inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = $"{stateName}/{grainId}";
        if (faults.DownKeys.ContainsKey(key))
        {
            throw new IOException($"Injected outage writing {key}.");
        }
        try
        {
            await _inner.WriteStateAsync(stateName, grainId, grainState);
        }
        catch (InconsistentStateException)
        {
            faults.Conflict(key);
            throw;
        }
        var left = 0;
        if (faults.FailAfterKeys.TryGetValue(key, out left) && left > 0)
        {
            faults.FailAfterKeys.AddOrUpdate(key, 0, (_, n) => n - 1);
            if (faults.FailAfterKeys.TryGetValue(key, out var now) && now <= 0)
            {
                faults.FailAfterKeys.TryRemove(key, out _);
            }
            grainState.ETag = "lost"; // the caller never learnt the new ETag
            throw new IOException($"Injected fault after writing {key} (the write landed).");
        }
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _inner.ClearStateAsync(stateName, grainId, grainState);
}

/// <summary>The shared store's ledgers (stock ledgers, waiting lists) with <see cref="KeyedFaults"/> applied, keyed <see cref="SharedLedgerStore.Key"/>.</summary>
internal sealed class KeyedFaultLedgerStore(SharedStore store, KeyedFaults faults) : IStockLedgerStore
{
    private readonly SharedLedgerStore _inner = new(store);

    public Task<StoredLedger?> ReadAsync(string stockKey, CancellationToken cancellationToken = default) =>
        faults.DownKeys.ContainsKey(SharedLedgerStore.Key(stockKey))
            ? throw new IOException($"Injected outage reading {SharedLedgerStore.Key(stockKey)}.")
            : _inner.ReadAsync(stockKey, cancellationToken);

    public async Task<LedgerVersion> WriteAsync(string stockKey, LedgerChanges changes, LedgerVersion? version, Func<IReadOnlyCollection<LedgerRow>> currentRows, CancellationToken cancellationToken = default)
    {
        var key = SharedLedgerStore.Key(stockKey);
        if (faults.DownKeys.ContainsKey(key))
        {
            throw new IOException($"Injected outage writing {key}.");
        }
        LedgerVersion written;
        try
        {
            written = await _inner.WriteAsync(stockKey, changes, version, currentRows, cancellationToken);
        }
        catch (LedgerWriteConflictException)
        {
            faults.Conflict(key);
            throw;
        }
        if (faults.FailAfterKeys.TryGetValue(key, out var left) && left > 0)
        {
            faults.FailAfterKeys.AddOrUpdate(key, 0, (_, n) => n - 1);
            if (faults.FailAfterKeys.TryGetValue(key, out var now) && now <= 0)
            {
                faults.FailAfterKeys.TryRemove(key, out _);
            }
            throw new IOException($"Injected fault after writing {key} (the write landed).");
        }
        return written;
    }
}

/// <summary>One silo over a shared store with per-key faults, a fake business clock and counted timers.</summary>
public sealed class NodeClusterFixture : IAsyncLifetime
{
    public TimeSpan FlushInterval { get; } = TimeSpan.FromMilliseconds(300);

    public FakeTimeProvider Time { get; } = new(GridClusterFixture.Start);

    public SharedStore Store { get; } = new();

    public KeyedFaults Faults { get; } = new();

    public TimerCounts Timers { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public Serializer Serializer => Cluster.Silos[0].ServiceProvider.GetRequiredService<Serializer>();

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        var clock = new GridClock(Time);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddGrainStorage(GridOptions.StorageName, (sp, _) => new KeyedFaultStorage(Store, Faults, sp.GetRequiredService<Serializer>()));
            silo.UseInMemoryReminderService();
            silo.AddGridMemoryStreams();
            silo.AddMemoryGrainStorage("PubSubStore");
            silo.Services.AddSingleton(clock);
            silo.Services.AddSingleton<IStockLedgerStore>(new KeyedFaultLedgerStore(Store, Faults));
            silo.Services.AddOrderGridGrains();
            silo.Services.AddSingleton(Timers);
            var registry = silo.Services.Last(d => d.ServiceType == typeof(ITimerRegistry));
            silo.Services.AddSingleton<ITimerRegistry>(sp => new CountingTimerRegistry(
                (ITimerRegistry)(registry.ImplementationInstance
                    ?? registry.ImplementationFactory?.Invoke(sp)
                    ?? ActivatorUtilities.CreateInstance(sp, registry.ImplementationType!)),
                sp.GetRequiredService<TimerCounts>()));
            silo.Services.Configure<GridOptions>(o =>
            {
                o.SoftStateFlushInterval = FlushInterval;
                o.AvailabilityFlushInterval = FlushInterval;
                o.HoldSweepInterval = TimeSpan.FromMilliseconds(200);
                o.OpportunityCost.RefreshInterval = TimeSpan.FromHours(1);
            });
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(30));
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class NodeClusterCollection : ICollectionFixture<NodeClusterFixture>
{
    public const string Name = "nodes";
}
