using System.Collections.Concurrent;
using System.Globalization;

namespace OrleansOrders.Grains.Orders.Records;

/// <summary>
/// The embedded default's order records, with the Azure Table store's semantics: ETags checked, a
/// step's record and recovery entry written in one call (nothing can stop between them: a silo that
/// stops in this process stops between calls), entries removed only at the ETag their remover saw.
/// Records are kept serialized outside the GC heap by <see cref="ProcessMemoryGrainStorage.Store"/>
/// (every order the grid has taken); entries, a handful per partition, in dictionaries under the
/// partition's lock. It lives in the process, outside the silos (shared by every silo of a service in
/// it), so a silo that stops does not take orders with it.
/// </summary>
public sealed class MemoryOrderRecordStore : IOrderRecordStore
{
    private static readonly ConcurrentDictionary<string, MemoryOrderRecordStore> ByService = new(StringComparer.Ordinal);

    private readonly ProcessMemoryGrainStorage.Store _records;
    private readonly Partition[] _partitions = Enumerable.Range(0, OrderRecordPartitions.Count).Select(_ => new Partition()).ToArray();
    private long _etag;

    /// <summary>The store every silo of one service and cluster in this process shares.</summary>
    public static MemoryOrderRecordStore ForService(string serviceKey) => ByService.GetOrAdd(serviceKey, key => new MemoryOrderRecordStore(key));

    // The records' store is one of the process's native tables (reports count their bytes outside the heap).
    private MemoryOrderRecordStore(string serviceKey) => _records = ProcessMemoryGrainStorage.Store.ForService(serviceKey + "/order-records");

    public Task<StoredOrderRecord?> ReadAsync(string orderId, CancellationToken cancellationToken = default)
    {
        if (_records.Read(orderId) is not { } record)
        {
            return Task.FromResult<StoredOrderRecord?>(null);
        }
        var partition = PartitionOf(orderId);
        lock (partition)
        {
            return Task.FromResult<StoredOrderRecord?>(new StoredOrderRecord(record.Data.ToArray(), record.ETag, partition.Tracks.GetValueOrDefault(orderId)));
        }
    }

    public Task<OrderRecordVersion> WriteAsync(string orderId, byte[] data, string? etag, TrackEntry? track, CancellationToken cancellationToken = default)
    {
        string written;
        try
        {
            written = _records.Write(orderId, etag, new BinaryData(data));
        }
        catch (Orleans.Storage.InconsistentStateException ex)
        {
            // A faulted task, as an asynchronous store answers, not a throw from the call itself.
            return Task.FromException<OrderRecordVersion>(new OrderRecordConflictException($"Order record {orderId}: {ex.Message}", ex));
        }
        if (track is null)
        {
            return Task.FromResult(new OrderRecordVersion(written, null));
        }
        var partition = PartitionOf(orderId);
        lock (partition)
        {
            return Task.FromResult(new OrderRecordVersion(written, Put(partition, orderId, track)));
        }
    }

    public Task<string> TrackAsync(string orderId, TrackEntry track, CancellationToken cancellationToken = default)
    {
        var partition = PartitionOf(orderId);
        lock (partition)
        {
            return Task.FromResult(Put(partition, orderId, track));
        }
    }

    public Task UntrackAsync(IReadOnlyList<TrackedOrder> entries, CancellationToken cancellationToken = default)
    {
        foreach (var entry in entries)
        {
            var partition = PartitionOf(entry.OrderId);
            lock (partition)
            {
                if (partition.Tracks.TryGetValue(entry.OrderId, out var current) && current.ETag == entry.ETag)
                {
                    partition.Tracks.Remove(entry.OrderId);
                }
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<TrackedOrder>> TrackedAsync(int partition, CancellationToken cancellationToken = default)
    {
        var p = _partitions[partition];
        lock (p)
        {
            return Task.FromResult<IReadOnlyList<TrackedOrder>>(p.Tracks.Values.ToList());
        }
    }

    private string Put(Partition partition, string orderId, TrackEntry track)
    {
        var etag = NextETag();
        partition.Tracks[orderId] = new TrackedOrder(orderId, track.Stamp, track.TrackedAt, etag);
        return etag;
    }

    private string NextETag() => Interlocked.Increment(ref _etag).ToString(CultureInfo.InvariantCulture);

    private Partition PartitionOf(string orderId) => _partitions[OrderRecordPartitions.Of(orderId)];

    private sealed class Partition
    {
        public Dictionary<string, TrackedOrder> Tracks { get; } = new(StringComparer.Ordinal);
    }
}
