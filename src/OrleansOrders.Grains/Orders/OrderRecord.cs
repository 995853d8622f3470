using Orleans.Storage;
using OrleansOrders.Grains.Orders.Records;

namespace OrleansOrders.Grains.Orders;

/// <summary>
/// An order grain's hot record in the <see cref="IOrderRecordStore"/>, with its recovery entry: what
/// <c>[PersistentState]</c> gave the order before, plus the entry written in the same write. Counts
/// each round trip (store <see cref="GridOptions.StorageName"/>, state "order"; a write that shared its
/// store's request with other orders counts once for all, see <see cref="OrderRecordVersion.RoundTrip"/>), serializes with the
/// grid's state serializer, and, when <see cref="GridOptions.ReadPreviousOrderRecords"/> is on, reads
/// an order the store does not hold from the grain storage where earlier versions kept it (the next
/// write moves it here).
/// </summary>
public sealed class OrderRecord(
    string orderId,
    GrainId grainId,
    IOrderRecordStore store,
    IGrainStorageSerializer serializer,
    StorageOperationCounter counter,
    IGrainStorage? previousStore)
{
    public const string StateName = "order";

    public OrderState State { get; private set; } = new();

    /// <summary>Whether a record was read or written (a new order has none until its plan is written).</summary>
    public bool RecordExists => _etag is not null || FromPreviousStore;

    /// <summary>The recovery entry storage holds for the order as far as this activation knows (null: none, or on its way out).</summary>
    public TrackedOrder? Track { get; private set; }

    /// <summary>The record came from the grain storage of an earlier version: its pending operations were stamped by the recovery shard's ledger.</summary>
    public bool FromPreviousStore { get; private set; }

    private string? _etag;

    public async Task ReadAsync()
    {
        counter.RecordRead(GridOptions.StorageName, StateName);
        var stored = await store.ReadAsync(orderId);
        Track = stored?.Track;
        _etag = stored?.ETag;
        FromPreviousStore = false;
        if (stored is not null)
        {
            State = serializer.Deserialize<OrderState>(new BinaryData(stored.Data)) ?? new OrderState();
            return;
        }
        State = new OrderState();
        if (previousStore is not null)
        {
            counter.RecordRead(GridOptions.StorageName, StateName);
            var previous = new GrainState<OrderState>(new OrderState());
            await previousStore.ReadStateAsync(StateName, grainId, previous);
            if (previous.RecordExists)
            {
                (State, FromPreviousStore) = (previous.State ?? new OrderState(), true);
            }
        }
    }

    /// <summary>Writes the record, with the recovery entry <paramref name="track"/> in the same write when given.</summary>
    public async Task WriteAsync(TrackEntry? track)
    {
        var data = serializer.Serialize(State).ToArray();
        OrderRecordVersion written;
        try
        {
            written = await store.WriteAsync(orderId, data, _etag, track);
        }
        catch
        {
            counter.RecordWrite(GridOptions.StorageName, StateName); // a refused write still cost a round trip
            throw;
        }
        if (written.RoundTrip)
        {
            counter.RecordWrite(GridOptions.StorageName, StateName);
        }
        _etag = written.ETag;
        if (track is not null)
        {
            Track = new TrackedOrder(orderId, track.Stamp, track.TrackedAt, written.TrackETag!);
        }
        // From the first write on the order lives here; pending operations are stamped by this store's entries.
        FromPreviousStore = false;
    }

    /// <summary>Writes the recovery entry alone.</summary>
    public async Task TrackAsync(TrackEntry track)
    {
        counter.RecordWrite(GridOptions.StorageName, "recovery");
        Track = new TrackedOrder(orderId, track.Stamp, track.TrackedAt, await store.TrackAsync(orderId, track));
    }

    /// <summary>Hands over the entry to remove (lazily, at its ETag) and forgets it here; null when there is none.</summary>
    public TrackedOrder? TakeTrack()
    {
        var track = Track;
        Track = null;
        return track;
    }
}
