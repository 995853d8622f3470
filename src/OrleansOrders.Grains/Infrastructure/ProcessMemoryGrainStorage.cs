using System.Collections.Concurrent;
using System.Runtime.InteropServices;
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
    /// <summary>
    /// The records of one service: key, serialized state, ETag. The serialized bytes live outside the
    /// GC heap (one native block per record, freed when replaced or cleared): the in-process grid's
    /// database is every order it has taken, and as managed arrays it made each full collection walk
    /// and compact gigabytes the grains no longer touch, so the GC paused longer the longer the grid
    /// ran. Each record has its own lock (reads copy the bytes out under it, since a write may free the
    /// block right after): with one lock for the whole store, every read and write of the grid queued
    /// behind the others, and the more records the store held the longer each wait (a CPU trace of the
    /// 150 s steady load spent 6% of its samples in the store early and 12% by the end, mostly spinning).
    /// </summary>
    public sealed class Store
    {
        private static readonly ConcurrentDictionary<string, Store> ByService = new(StringComparer.Ordinal);

        private readonly ConcurrentDictionary<string, Record> _records = new(StringComparer.Ordinal);
        private long _etag;
        private long _bytes;

        /// <summary>A key's record. Locked while read or written; once removed from the store it is never written again.</summary>
        private sealed class Record
        {
            public nint Block;
            public int Length;
            /// <summary>0 until the first write lands (a record added by a write that then failed holds nothing).</summary>
            public long ETag;
            public bool Removed;
        }

        public static Store ForService(string serviceKey) => ByService.GetOrAdd(serviceKey, _ => new Store());

        /// <summary>Records that hold a state (counted, not kept: only tests and reports ask).</summary>
        public int Count => _records.Values.Count(record => Volatile.Read(ref record.ETag) != 0);

        /// <summary>Bytes the records hold outside the GC heap.</summary>
        public long NativeBytes => Interlocked.Read(ref _bytes);

        /// <summary>Bytes every service's records in this process hold outside the GC heap.</summary>
        public static long NativeBytesInProcess => ByService.Values.Sum(store => store.NativeBytes);

        internal (BinaryData Data, string ETag)? Read(string key)
        {
            if (!_records.TryGetValue(key, out var record))
            {
                return null;
            }
            lock (record)
            {
                if (record.Removed || record.ETag == 0)
                {
                    return null;
                }
                var data = new byte[record.Length];
                Marshal.Copy(record.Block, data, 0, record.Length);
                return (new BinaryData(data), Format(record.ETag));
            }
        }

        internal string Write(string key, string? expectedETag, BinaryData data)
        {
            var bytes = MemoryMarshal.TryGetArray(data.ToMemory(), out var segment) ? segment : new ArraySegment<byte>(data.ToArray());
            while (true)
            {
                var record = _records.GetOrAdd(key, static _ => new Record());
                lock (record)
                {
                    if (record.Removed)
                    {
                        continue; // cleared meanwhile: the key's next record is the one to write
                    }
                    var stored = record.ETag == 0 ? null : Format(record.ETag);
                    if (stored != expectedETag)
                    {
                        throw Conflict(key, stored ?? "none", expectedETag ?? "none");
                    }
                    var block = Marshal.AllocHGlobal(Math.Max(1, bytes.Count));
                    Marshal.Copy(bytes.Array!, bytes.Offset, block, bytes.Count);
                    Free(record);
                    record.Block = block;
                    record.Length = bytes.Count;
                    Volatile.Write(ref record.ETag, Interlocked.Increment(ref _etag));
                    Interlocked.Add(ref _bytes, bytes.Count);
                    return Format(record.ETag);
                }
            }
        }

        internal void Clear(string key, string? expectedETag)
        {
            if (!_records.TryGetValue(key, out var record))
            {
                return;
            }
            lock (record)
            {
                if (record.Removed || record.ETag == 0)
                {
                    return;
                }
                if (Format(record.ETag) != expectedETag)
                {
                    throw Conflict(key, Format(record.ETag), expectedETag ?? "none");
                }
                Free(record);
                record.Removed = true;
                _records.TryRemove(new KeyValuePair<string, Record>(key, record));
            }
        }

        private void Free(Record record)
        {
            if (record.Block != 0)
            {
                Marshal.FreeHGlobal(record.Block);
                Interlocked.Add(ref _bytes, -record.Length);
                record.Block = 0;
            }
        }

        private static string Format(long etag) => etag.ToString(System.Globalization.CultureInfo.InvariantCulture);

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
