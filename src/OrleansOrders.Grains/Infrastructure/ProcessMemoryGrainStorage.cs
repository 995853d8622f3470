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
    /// The records of one service: key, ETag and serialized state, in <see cref="NativeTable"/>s outside
    /// the GC heap. The in-process grid's database is every order it has taken: as managed objects (even
    /// one small index entry and key string per record) it made each full collection walk what the grains
    /// no longer touch, and the heap grew with the run. Keys are spread over stripes, each with its own
    /// lock (a read copies the bytes out under it): with one lock for the whole store, every read and
    /// write of the grid queued behind the others (a CPU trace of the 150 s steady load spent 6% of its
    /// samples in the store early and 12% by the end, mostly spinning).
    /// </summary>
    public sealed class Store
    {
        private const int Stripes = 64;
        private static readonly ConcurrentDictionary<string, Store> ByService = new(StringComparer.Ordinal);

        private readonly NativeTable[] _stripes = Enumerable.Range(0, Stripes).Select(_ => new NativeTable()).ToArray();
        private long _etag;

        public static Store ForService(string serviceKey) => ByService.GetOrAdd(serviceKey, _ => new Store());

        /// <summary>Records that hold a state (counted, not kept: only tests and reports ask).</summary>
        public int Count => _stripes.Sum(stripe => { lock (stripe) { return stripe.Count; } });

        /// <summary>Bytes the records hold outside the GC heap (keys, ETags and states).</summary>
        public long NativeBytes => _stripes.Sum(stripe => { lock (stripe) { return stripe.EntryBytes; } });

        internal (BinaryData Data, string ETag)? Read(string key)
        {
            var stripe = StripeOf(key);
            lock (stripe)
            {
                if (!stripe.TryGet(key, out var stored))
                {
                    return null;
                }
                return (new BinaryData(stored[sizeof(long)..].ToArray()), Format(MemoryMarshal.Read<long>(stored)));
            }
        }

        internal string Write(string key, string? expectedETag, BinaryData data)
        {
            var bytes = data.ToMemory().Span;
            var stripe = StripeOf(key);
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(sizeof(long) + bytes.Length);
            try
            {
                lock (stripe)
                {
                    var stored = stripe.TryGet(key, out var current) ? Format(MemoryMarshal.Read<long>(current)) : null;
                    if (stored != expectedETag)
                    {
                        throw Conflict(key, stored ?? "none", expectedETag ?? "none");
                    }
                    var etag = Interlocked.Increment(ref _etag);
                    MemoryMarshal.Write(buffer, in etag);
                    bytes.CopyTo(buffer.AsSpan(sizeof(long)));
                    stripe.Set(key, buffer.AsSpan(0, sizeof(long) + bytes.Length));
                    return Format(etag);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        internal void Clear(string key, string? expectedETag)
        {
            var stripe = StripeOf(key);
            lock (stripe)
            {
                if (!stripe.TryGet(key, out var current))
                {
                    return;
                }
                var stored = Format(MemoryMarshal.Read<long>(current));
                if (stored != expectedETag)
                {
                    throw Conflict(key, stored, expectedETag ?? "none");
                }
                stripe.Remove(key);
            }
        }

        private NativeTable StripeOf(string key) => _stripes[(uint)key.GetHashCode(StringComparison.Ordinal) % Stripes];

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
