namespace OrleansOrders.Contracts;

/// <summary>
/// One shard of the recovery sweep: its reminder finishes orders that a crash left in the middle of
/// a step. Orders write their recovery entry with their plan, beside their record (the silo's order
/// record store, which the shard reads); the shard's own ledger (<see cref="Track"/> and the calls
/// after it) holds orders tracked by silos of the earlier version. Keyed by shard number: see
/// <see cref="OrderRecoveryShards"/>.
/// </summary>
[Alias("oo.IOrderRecoveryGrain")]
public interface IOrderRecoveryGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// The earlier version's tracking, still served for its silos during an upgrade (orders of this
    /// version write their recovery entry with their record instead).
    /// Records that the order is about to start a step; answers once that is durable. Each call
    /// stamps the entry anew, so a sweep that resumed the order meanwhile does not remove it;
    /// answers the stamp, which the order writes beside the step's pending operations.
    /// </summary>
    [Alias("Track")]
    Task<long> Track(string orderId);

    /// <summary>Activates the shard, so its reminder is registered (each silo calls it for every shard as it starts).</summary>
    [Alias("EnsureSweeping")]
    Task EnsureSweeping();

    /// <summary>The stamp of the order's latest tracked step while it is tracked (in the shard's ledger or by its recovery entry); null once settled.</summary>
    [Alias("TrackedStamp"), ReadOnly]
    Task<long?> TrackedStamp(string orderId);

    /// <summary>The order finished its step. Written lazily: forgetting it only costs a needless sweep.</summary>
    [Alias("Settled")]
    Task Settled(string orderId);

    /// <summary>
    /// Steps that finished, batched by a silo (forgetting them only costs a needless sweep; answered so a deactivating order can wait for its own).
    /// Each is forgotten only if its stamp is still the order's latest: a settle that arrives after
    /// the order tracked its next step leaves that step tracked.
    /// </summary>
    [Alias("SettledMany")]
    Task SettledMany(IReadOnlyList<SettledStep> steps);

    /// <summary>Finishes tracked orders older than the grace period; answers how many remain unfinished.</summary>
    [Alias("Sweep")]
    Task<int> Sweep();

    /// <summary>Orders tracked in the shard's ledger or by recovery entries in the partitions it sweeps.</summary>
    [Alias("GetTracked"), ReadOnly]
    Task<IReadOnlyList<string>> GetTracked();
}

/// <summary>An order's step that finished, under the stamp its Track answered.</summary>
[GenerateSerializer, Immutable, Alias("oo.SettledStep")]
public sealed record SettledStep([property: Id(0)] string OrderId, [property: Id(1)] long Stamp);

public static class OrderRecoveryShards
{
    /// <summary>A stable shard for an order id (string.GetHashCode differs between processes).</summary>
    public static long For(string orderId, int shards)
    {
        var hash = 2166136261u; // FNV-1a
        foreach (var c in orderId)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash % (uint)Math.Max(1, shards);
    }
}
