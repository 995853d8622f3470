namespace OrleansOrders.Contracts;

/// <summary>
/// A node's release waves, keyed by node id: the orders with parcels waiting for release there,
/// and when. At each due time it asks those orders to re-plan if that pays, then to release.
/// </summary>
[Alias("oo.IReleaseWaveGrain")]
public interface IReleaseWaveGrain : IGrainWithStringKey
{
    /// <summary>An order has a parcel here released at <paramref name="releaseAt"/> (idempotent; the earliest time counts).</summary>
    [Alias("Enlist")]
    Task Enlist(string orderId, DateTimeOffset releaseAt);

    /// <summary>The orders waiting for release here, earliest first (at most <paramref name="limit"/>).</summary>
    [Alias("Get"), ReadOnly]
    Task<ReleaseWaveView> Get(int limit = 100);

    /// <summary>Runs the wave now for what is due (everything waiting when <paramref name="force"/>); answers what it did.</summary>
    [Alias("RunDue")]
    Task<WaveRunResult> RunDue(bool force = false);
}

/// <summary>What an order did when its node's wave came.</summary>
/// <param name="Released">Parcels released to the node.</param>
/// <param name="NextReleaseAt">When a parcel of the order still waits at the node (null: none).</param>
/// <param name="Reoptimised">The order moved to a better plan first.</param>
[GenerateSerializer, Immutable, Alias("oo.WaveReleaseResult")]
public sealed record WaveReleaseResult(
    [property: Id(0)] int Released,
    [property: Id(1)] DateTimeOffset? NextReleaseAt,
    [property: Id(2)] bool Reoptimised);

[GenerateSerializer, Immutable, Alias("oo.WaveEntry")]
public sealed record WaveEntry([property: Id(0)] string OrderId, [property: Id(1)] DateTimeOffset ReleaseAt);

[GenerateSerializer, Immutable, Alias("oo.ReleaseWaveView")]
public sealed record ReleaseWaveView(
    [property: Id(0)] string NodeId,
    [property: Id(1)] int Waiting,
    [property: Id(2)] DateTimeOffset? NextWaveAt,
    [property: Id(3)] IReadOnlyList<WaveEntry> Orders,
    [property: Id(4)] long ParcelsReleased,
    [property: Id(5)] long OrdersReoptimised);

/// <summary>One run of a wave: orders asked, parcels released, orders moved to a better plan, orders that failed (retried at the next run).</summary>
[GenerateSerializer, Immutable, Alias("oo.WaveRunResult")]
public sealed record WaveRunResult(
    [property: Id(0)] int Orders,
    [property: Id(1)] int Released,
    [property: Id(2)] int Reoptimised,
    [property: Id(3)] int Failed);
