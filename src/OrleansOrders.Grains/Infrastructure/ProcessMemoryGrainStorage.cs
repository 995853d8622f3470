using System.Collections.Concurrent;
using Orleans.Storage;

namespace OrleansOrders.Grains;

/// <summary>
/// Grain state kept in this process, shared by every silo of one service in it (the embedded
/// default and the in-process load test run one silo; the cluster tests run two in one process),
/// as the grid's stock ledgers are (<see cref="Stock.Ledger.MemoryStockLedgerStore.ForService"/>).
/// Semantics are the durable store's: states are stored serialized (a later change in memory never
/// reaches storage unwritten), each write checks the ETag it was read under and a mismatch is an
/// <see cref="InconsistentStateException"/>, a clear removes the record. Orleans' memory storage
/// keeps state in storage grains instead, which cost two grain calls per order step (a read and a
/// write through the grain's messaging) that the real grid, writing to Azure Tables, never makes.
/// </summary>
public sealed class ProcessMemoryGrainStorage(ProcessMemoryGrainStorage.Store store, IGrainStorageSerializer serializer) : IGrainStorage
{
    /// <summary>The records of one service: key, serialized state, ETag.</summary>
    public sealed class Store
    {
        private static readonly ConcurrentDictionary<string, Store> ByService = new(StringComparer.Ordinal);

        private readonly ConcurrentDictionary<string, (BinaryData Data, string ETag)> _records = new(StringComparer.Ordinal);
        private long _etag;

        public static Store ForService(string serviceKey) => ByService.GetOrAdd(serviceKey, _ => new Store());

        public int Count => _records.Count;

        internal (BinaryData Data, string ETag)? Read(string key) => _records.TryGetValue(key, out var record) ? record : null;

        internal string Write(string key, string? expectedETag, BinaryData data)
        {
            var etag = Interlocked.Increment(ref _etag).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var stored = _records.AddOrUpdate(key,
                _ => expectedETag is null ? (data, etag) : throw Conflict(key, "none", expectedETag),
                (_, current) => current.ETag == expectedETag ? (data, etag) : throw Conflict(key, current.ETag, expectedETag ?? "none"));
            return stored.ETag;
        }

        internal void Clear(string key, string? expectedETag)
        {
            while (_records.TryGetValue(key, out var current))
            {
                if (current.ETag != expectedETag)
                {
                    throw Conflict(key, current.ETag, expectedETag ?? "none");
                }
                if (_records.TryRemove(new KeyValuePair<string, (BinaryData, string)>(key, current)))
                {
                    return;
                }
            }
        }

        private static InconsistentStateException Conflict(string key, string stored, string expected) =>
            new($"ETag mismatch on {key}: storage has {stored}, the write expected {expected}.", stored, expected);
    }

    private static string Key(string stateName, GrainId grainId) => $"{stateName}/{grainId}";

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (store.Read(Key(stateName, grainId)) is { } record)
        {
            grainState.State = serializer.Deserialize<T>(record.Data);
            grainState.ETag = record.ETag;
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

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        grainState.ETag = store.Write(Key(stateName, grainId), grainState.ETag, serializer.Serialize(grainState.State));
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        store.Clear(Key(stateName, grainId), grainState.ETag);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}
