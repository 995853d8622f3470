namespace OrleansOrders.Grains.Orders.Records;

/// <summary>
/// Where orders' hot records live, each beside its recovery entry: the marker that a step of the
/// order is under way, which the recovery sweep looks for after a crash. Both sit in one partition
/// (one of <see cref="OrderRecordPartitions.Count"/>), so the write of a step's plan and its recovery
/// entry is one atomic write: an order can never be stored with operations pending and no entry that
/// sends the sweep to it, and a step costs one write, not a tracking write and then the plan's.
/// Entries leave lazily (<see cref="UntrackAsync"/>), each only if it is still the one its remover saw.
/// </summary>
public interface IOrderRecordStore
{
    /// <summary>
    /// The order's record, with its recovery entry when the record's last write put one and it is still
    /// there (an entry put alone, by <see cref="TrackAsync"/>, is for the sweep: a read may not return it);
    /// null when there is no record.
    /// </summary>
    Task<StoredOrderRecord?> ReadAsync(string orderId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the record if it is still at <paramref name="etag"/> (null: it must not exist yet) and, in the
    /// same atomic write, puts the recovery entry <paramref name="track"/> when given. Throws
    /// <see cref="OrderRecordConflictException"/> when the record moved on since it was read.
    /// </summary>
    Task<OrderRecordVersion> WriteAsync(string orderId, byte[] data, string? etag, TrackEntry? track, CancellationToken cancellationToken = default);

    /// <summary>Puts the recovery entry alone (an order with nothing to write that the sweep must still come back to); answers its ETag.</summary>
    Task<string> TrackAsync(string orderId, TrackEntry track, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes each entry if it is still at the ETag given; one that is gone or was put again since (a
    /// later step of the order) stays as it is. Entries of one partition go together.
    /// </summary>
    Task UntrackAsync(IReadOnlyList<TrackedOrder> entries, CancellationToken cancellationToken = default);

    /// <summary>The recovery entries of one partition.</summary>
    Task<IReadOnlyList<TrackedOrder>> TrackedAsync(int partition, CancellationToken cancellationToken = default);
}

public sealed record StoredOrderRecord(byte[] Data, string ETag, TrackedOrder? Track);

/// <summary>A recovery entry to put: the step's stamp (also in the record, beside its pending operations) and when it began.</summary>
public sealed record TrackEntry(long Stamp, DateTimeOffset TrackedAt);

/// <summary>A recovery entry as stored, with the ETag a removal must match.</summary>
public sealed record TrackedOrder(string OrderId, long Stamp, DateTimeOffset TrackedAt, string ETag);

/// <param name="TrackETag">The recovery entry's ETag when the write put one.</param>
public sealed record OrderRecordVersion(string ETag, string? TrackETag)
{
    /// <summary>
    /// The write that carried its round trip, once per request: false for the other orders' writes of
    /// a transaction a store shared between them (one that counts its own round trips says false for all).
    /// </summary>
    public bool RoundTrip { get; init; } = true;
}

/// <summary>The record was written by someone else since it was read: reload before deciding again.</summary>
public sealed class OrderRecordConflictException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>How order ids map to partitions: fixed by the store's layout, not by the recovery shard count.</summary>
public static class OrderRecordPartitions
{
    /// <summary>
    /// Few, so that the entries a silo removes in one flush share partitions (a transaction per
    /// partition): with 64, a durable order cost 0.95 removal writes; a partition of Azure Tables
    /// serves about 2,000 entities/s, so 16 exceed an account's limit.
    /// </summary>
    public const int Count = 16;

    public static int Of(string orderId) => (int)Contracts.OrderRecoveryShards.For(orderId, Count);

    /// <summary>The partitions recovery shard <paramref name="shard"/> of <paramref name="shards"/> sweeps (<paramref name="shards"/> divides <see cref="Count"/>).</summary>
    public static IEnumerable<int> OfShard(long shard, int shards) =>
        Enumerable.Range(0, Count).Where(p => p % shards == shard);
}
