using System.Collections.Concurrent;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansOrders.Grains.Stock.Ledger;
using OrleansOrders.Stock;

namespace OrleansOrders.Cluster.Tests.Support;

/// <summary>
/// A grain store shared by every silo of a test cluster and living outside them, as a real store
/// does: a killed silo loses its memory, not the data. ETags are checked like Azure Tables do, and
/// faults are injected on demand: a write that fails before it lands, one that lands and then
/// fails (the caller cannot tell), and a write conflict.
/// </summary>
public sealed class SharedStore
{
    private readonly ConcurrentDictionary<string, (byte[] Data, string ETag)> _entries = new();
    private readonly Random _random = new(1234);
    private long _etag;

    public double FailBeforeWriteRate { get; set; }
    public double FailAfterWriteRate { get; set; }
    public double ConflictRate { get; set; }

    public int FailedBefore;
    public int FailedAfter;
    public int Conflicts;
    public int Writes;

    /// <summary>Keys whose every write fails before it lands while they are listed (the rates above hit every key).</summary>
    public ConcurrentDictionary<string, bool> FailingKeys { get; } = new();

    public int FailedKeyed;

    /// <summary>Keys whose writes wait for their gate to open (a slow store), to see what a grain still answers meanwhile.</summary>
    public ConcurrentDictionary<string, HeldWrite> HeldWrites { get; } = new();

    public void FaultsOff() => (FailBeforeWriteRate, FailAfterWriteRate, ConflictRate) = (0, 0, 0);

    private readonly ConcurrentDictionary<string, int> _writesByKey = new();

    /// <summary>Writes that landed under one key (a grain state: "{state}/{grain type}/{key}").</summary>
    public int WritesOf(string key) => _writesByKey.GetValueOrDefault(key);

    internal (byte[] Data, string ETag)? Read(string key) => _entries.TryGetValue(key, out var e) ? e : null;

    /// <summary>Stock ledgers, kept beside the grain states and faulted alike (see <see cref="SharedLedgerStore"/>).</summary>
    public MemoryStockLedgerStore Ledger { get; } = new();

    /// <summary>Decides the fault of one write: before it lands, a conflict, after it lands, or none.</summary>
    internal double Roll()
    {
        lock (_random)
        {
            return _random.NextDouble();
        }
    }

    /// <summary>Throws the fault <paramref name="roll"/> picks before a write lands, if any.</summary>
    internal void FailBefore(double roll, string key, string? expectedETag)
    {
        if (roll < FailBeforeWriteRate)
        {
            Interlocked.Increment(ref FailedBefore);
            throw new IOException($"Injected storage fault before writing {key}.");
        }
        if (roll < FailBeforeWriteRate + ConflictRate)
        {
            Interlocked.Increment(ref Conflicts);
            throw new InconsistentStateException($"Injected write conflict on {key}.", "injected", expectedETag ?? "none");
        }
    }

    /// <summary>Throws when <paramref name="roll"/> picks a fault after the write landed (the caller cannot tell).</summary>
    internal void FailAfter(double roll, string key)
    {
        if (roll < FailBeforeWriteRate + ConflictRate + FailAfterWriteRate)
        {
            Interlocked.Increment(ref FailedAfter);
            throw new IOException($"Injected storage fault after writing {key} (the write landed).");
        }
    }

    internal string Write(string key, string? expectedETag, byte[] data) => WriteWith(key, expectedETag, data, with: null).ETag;

    internal void Clear(string key) => _entries.TryRemove(key, out _);

    /// <summary>
    /// Writes <paramref name="key"/> as <see cref="Write"/> does (faults, ETag check, counts) and, in the same
    /// step under the lock, puts <paramref name="with"/>: an entity-group transaction of two rows.
    /// </summary>
    internal (string ETag, string? WithETag) WriteWith(string key, string? expectedETag, byte[] data, (string Key, byte[] Data)? with)
    {
        if (FailingKeys.ContainsKey(key))
        {
            Interlocked.Increment(ref FailedKeyed);
            throw new IOException($"Injected storage fault before writing {key} (a failing key).");
        }
        var roll = Roll();
        FailBefore(roll, key, expectedETag);
        string etag;
        string? withETag = null;
        lock (_entries)
        {
            var current = _entries.TryGetValue(key, out var e) ? e.ETag : null;
            if (current != expectedETag)
            {
                Interlocked.Increment(ref Conflicts);
                throw new InconsistentStateException($"ETag mismatch on {key}.", current ?? "none", expectedETag ?? "none");
            }
            etag = Interlocked.Increment(ref _etag).ToString();
            _entries[key] = (data, etag);
            if (with is { } row)
            {
                withETag = Interlocked.Increment(ref _etag).ToString();
                _entries[row.Key] = (row.Data, withETag);
            }
        }
        Interlocked.Increment(ref Writes);
        CountWrite(key);
        FailAfter(roll, key);
        return (etag, withETag);
    }

    /// <summary>Puts an entry whatever it held (an upsert), unfaulted.</summary>
    internal string Put(string key, byte[] data)
    {
        lock (_entries)
        {
            var etag = Interlocked.Increment(ref _etag).ToString();
            _entries[key] = (data, etag);
            return etag;
        }
    }

    /// <summary>Removes an entry only while it is at <paramref name="etag"/>.</summary>
    internal void ClearIf(string key, string etag)
    {
        lock (_entries)
        {
            if (_entries.TryGetValue(key, out var e) && e.ETag == etag)
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    internal IEnumerable<string> KeysStartingWith(string prefix) => _entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList();

    internal void CountWrite(string key) => _writesByKey.AddOrUpdate(key, 1, (_, n) => n + 1);
}

/// <summary>A write held at the store: <see cref="Reached"/> when one arrives, landing once <see cref="Release"/> is set.</summary>
public sealed class HeldWrite
{
    public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

public sealed class SharedGrainStorage(SharedStore store, Serializer serializer) : IGrainStorage
{
    private static string Key(string stateName, GrainId grainId) => $"{stateName}/{grainId}";

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (store.Read(Key(stateName, grainId)) is { } entry)
        {
            grainState.State = serializer.Deserialize<T>(entry.Data);
            grainState.ETag = entry.ETag;
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
        return Task.CompletedTask;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await Task.Yield(); // a real store answers asynchronously, letting other calls interleave
        if (store.HeldWrites.TryGetValue(Key(stateName, grainId), out var held))
        {
            held.Reached.TrySetResult();
            await held.Release.Task;
        }
        var data = serializer.SerializeToArray(grainState.State);
        grainState.ETag = store.Write(Key(stateName, grainId), grainState.ETag, data);
        grainState.RecordExists = true;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        store.Clear(Key(stateName, grainId));
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}

/// <summary>The stock ledgers of a <see cref="SharedStore"/>, with the same injected faults as grain states.</summary>
public sealed class SharedLedgerStore(SharedStore store) : IStockLedgerStore
{
    public Task<StoredLedger?> ReadAsync(string stockKey, CancellationToken cancellationToken = default) =>
        store.Ledger.ReadAsync(stockKey, cancellationToken);

    /// <summary>The key a ledger's faults, held writes and write counts go by in the <see cref="SharedStore"/>.</summary>
    public static string Key(string stockKey) => $"ledger/{stockKey}";

    public async Task<LedgerVersion> WriteAsync(string stockKey, LedgerChanges changes, LedgerVersion? version, Func<IReadOnlyCollection<LedgerRow>> currentRows, CancellationToken cancellationToken = default)
    {
        var etag = version?.ETag;
        await Task.Yield(); // a real store answers asynchronously, letting other calls interleave
        var key = Key(stockKey);
        if (store.HeldWrites.TryGetValue(key, out var held))
        {
            held.Reached.TrySetResult();
            await held.Release.Task;
        }
        if (store.FailingKeys.ContainsKey(key))
        {
            Interlocked.Increment(ref store.FailedKeyed);
            throw new IOException($"Injected storage fault before writing {key} (a failing key).");
        }
        var roll = store.Roll();
        try
        {
            store.FailBefore(roll, stockKey, etag);
        }
        catch (InconsistentStateException ex)
        {
            throw new LedgerWriteConflictException(ex.Message, ex);
        }
        var written = await store.Ledger.WriteAsync(stockKey, changes, version, currentRows, cancellationToken);
        Interlocked.Increment(ref store.Writes);
        store.CountWrite(key);
        store.FailAfter(roll, stockKey);
        return written;
    }
}

/// <summary>
/// Order records and recovery entries of a <see cref="SharedStore"/>, with its injected faults: a record is
/// the entry "order/order/{id}" (the key the order's grain state had, so tests read and count it the same),
/// its recovery entry "track/order/{id}" (JSON), written together under the store's lock.
/// </summary>
public sealed class SharedOrderRecordStore(SharedStore store) : OrleansOrders.Grains.Orders.Records.IOrderRecordStore
{
    public static string RecordKey(string orderId) => $"order/order/{orderId}";

    public static string TrackKey(string orderId) => $"track/order/{orderId}";

    public Task<OrleansOrders.Grains.Orders.Records.StoredOrderRecord?> ReadAsync(string orderId, CancellationToken cancellationToken = default)
    {
        var record = store.Read(RecordKey(orderId));
        return Task.FromResult(record is not { } r ? null : new OrleansOrders.Grains.Orders.Records.StoredOrderRecord(r.Data, r.ETag, ReadTrack(orderId)));
    }

    public async Task<OrleansOrders.Grains.Orders.Records.OrderRecordVersion> WriteAsync(string orderId, byte[] data, string? etag,
        OrleansOrders.Grains.Orders.Records.TrackEntry? track, CancellationToken cancellationToken = default)
    {
        await Task.Yield(); // a real store answers asynchronously, letting other calls interleave
        var key = RecordKey(orderId);
        if (store.HeldWrites.TryGetValue(key, out var held))
        {
            held.Reached.TrySetResult();
            await held.Release.Task;
        }
        try
        {
            var (written, trackETag) = store.WriteWith(key, etag, data, track is null ? null : (TrackKey(orderId), Encode(track)));
            return new OrleansOrders.Grains.Orders.Records.OrderRecordVersion(written, trackETag);
        }
        catch (InconsistentStateException ex)
        {
            throw new OrleansOrders.Grains.Orders.Records.OrderRecordConflictException(ex.Message, ex);
        }
    }

    public Task<string> TrackAsync(string orderId, OrleansOrders.Grains.Orders.Records.TrackEntry track, CancellationToken cancellationToken = default) =>
        Task.FromResult(store.Put(TrackKey(orderId), Encode(track)));

    public Task UntrackAsync(IReadOnlyList<OrleansOrders.Grains.Orders.Records.TrackedOrder> entries, CancellationToken cancellationToken = default)
    {
        foreach (var entry in entries)
        {
            store.ClearIf(TrackKey(entry.OrderId), entry.ETag);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<OrleansOrders.Grains.Orders.Records.TrackedOrder>> TrackedAsync(int partition, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<OrleansOrders.Grains.Orders.Records.TrackedOrder>>(store.KeysStartingWith("track/order/")
            .Select(key => key["track/order/".Length..])
            .Where(orderId => OrleansOrders.Grains.Orders.Records.OrderRecordPartitions.Of(orderId) == partition)
            .Select(ReadTrack).OfType<OrleansOrders.Grains.Orders.Records.TrackedOrder>().ToList());

    /// <summary>Puts a recovery entry as an order's write would (a test recreating what a crash left behind).</summary>
    public void PutTrack(string orderId, long stamp, DateTimeOffset trackedAt) =>
        store.Put(TrackKey(orderId), Encode(new OrleansOrders.Grains.Orders.Records.TrackEntry(stamp, trackedAt)));

    private OrleansOrders.Grains.Orders.Records.TrackedOrder? ReadTrack(string orderId)
    {
        if (store.Read(TrackKey(orderId)) is not { } entry)
        {
            return null;
        }
        var track = System.Text.Json.JsonSerializer.Deserialize<OrleansOrders.Grains.Orders.Records.TrackEntry>(entry.Data)!;
        return new OrleansOrders.Grains.Orders.Records.TrackedOrder(orderId, track.Stamp, track.TrackedAt, entry.ETag);
    }

    private static byte[] Encode(OrleansOrders.Grains.Orders.Records.TrackEntry track) => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(track);
}
