using System.Text.Json;
using Azure.Data.Tables;
using Orleans.Storage;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Grains;
using OrleansOrders.Grains.Orders;
using OrleansOrders.Grains.Orders.Records;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// What every order-record store keeps (the memory store of the embedded default and the Azure Table
/// store): a step's record and recovery entry land together, a stale ETag changes nothing, an entry
/// leaves only at the ETag its remover saw, and the sweep sees exactly one partition's entries.
/// </summary>
public abstract class OrderRecordStoreContract
{
    protected abstract IOrderRecordStore Store { get; }

    private static readonly DateTimeOffset At = new(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Ids unique to one run, with characters table keys do not take as they are.</summary>
    private static string Id(string name) => $"{name}/{Guid.NewGuid():N}#?%";

    [Fact]
    public async Task A_step_writes_its_record_and_recovery_entry_together_and_a_read_returns_both()
    {
        var id = Id("both");
        Assert.Null(await Store.ReadAsync(id));

        var written = await Store.WriteAsync(id, [1, 2, 3], etag: null, new TrackEntry(7, At));
        var read = (await Store.ReadAsync(id))!;
        Assert.Equal([1, 2, 3], read.Data);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(new TrackedOrder(id, 7, At, written.TrackETag!), read.Track);

        // A write with nothing pending replaces the record alone (a read need not look for an entry then),
        // and the entry stays for the sweep until it is removed.
        var next = await Store.WriteAsync(id, [4], written.ETag, track: null);
        Assert.Null(next.TrackETag);
        read = (await Store.ReadAsync(id))!;
        Assert.Equal(("04", next.ETag), (Convert.ToHexString(read.Data), read.ETag));
        Assert.Contains(new TrackedOrder(id, 7, At, written.TrackETag!), await Store.TrackedAsync(OrderRecordPartitions.Of(id)));
    }

    [Fact]
    public async Task A_write_at_a_stale_etag_or_a_second_first_write_is_refused_and_changes_nothing()
    {
        var id = Id("stale");
        var first = await Store.WriteAsync(id, [1], etag: null, new TrackEntry(1, At));
        await Store.WriteAsync(id, [2], first.ETag, new TrackEntry(1, At));

        await Assert.ThrowsAsync<OrderRecordConflictException>(() => Store.WriteAsync(id, [3], first.ETag, new TrackEntry(2, At)));
        await Assert.ThrowsAsync<OrderRecordConflictException>(() => Store.WriteAsync(id, [4], etag: null, new TrackEntry(3, At)));
        var read = (await Store.ReadAsync(id))!;
        Assert.Equal(("02", 1L), (Convert.ToHexString(read.Data), read.Track!.Stamp)); // neither the record nor the entry moved
    }

    [Fact]
    public async Task Writes_racing_in_one_partition_each_land_on_their_own_etag_and_a_stale_one_fails_alone()
    {
        // One partition: the Azure store sends the writes that queue behind a transaction together in the next one.
        var ids = Enumerable.Range(0, 400).Select(i => Id($"race{i}")).ToList();
        var partition = OrderRecordPartitions.Of(ids[0]);
        ids = ids.Where(id => OrderRecordPartitions.Of(id) == partition).Take(12).ToList();
        var first = await Task.WhenAll(ids.Select(id => Store.WriteAsync(id, [1], etag: null, new TrackEntry(1, At))));
        var stale = ids[5];
        await Store.WriteAsync(stale, [9], first[5].ETag, track: null); // someone else moved it on

        var racing = ids.Select((id, i) => Store.WriteAsync(id, [2], first[i].ETag, new TrackEntry(2, At))).ToList();
        await Assert.ThrowsAsync<OrderRecordConflictException>(() => racing[5]);
        foreach (var (id, i) in ids.Select((id, i) => (id, i)).Where(e => e.i != 5))
        {
            var written = await racing[i];
            var read = (await Store.ReadAsync(id))!;
            Assert.Equal(("02", written.ETag, 2L), (Convert.ToHexString(read.Data), read.ETag, read.Track!.Stamp));
        }
        Assert.Equal("09", Convert.ToHexString((await Store.ReadAsync(stale))!.Data));
    }

    [Fact]
    public async Task An_entry_leaves_only_at_the_etag_its_remover_saw()
    {
        var (kept, gone) = (Id("kept"), Id("gone"));
        var first = await Store.WriteAsync(kept, [1], etag: null, new TrackEntry(1, At));
        // The order's next step put its entry again: a removal of the first one must not take it.
        var second = await Store.WriteAsync(kept, [2], first.ETag, new TrackEntry(2, At));
        var other = await Store.WriteAsync(gone, [1], etag: null, new TrackEntry(1, At));

        await Store.UntrackAsync([new TrackedOrder(kept, 1, At, first.TrackETag!), new TrackedOrder(gone, 1, At, other.TrackETag!)]);
        Assert.Equal(2L, (await Store.ReadAsync(kept))!.Track!.Stamp);
        Assert.Null((await Store.ReadAsync(gone))!.Track);

        await Store.UntrackAsync([new TrackedOrder(kept, 2, At, second.TrackETag!), new TrackedOrder(gone, 1, At, other.TrackETag!)]); // one gone already
        Assert.Null((await Store.ReadAsync(kept))!.Track);
        Assert.Equal([2], (await Store.ReadAsync(kept))!.Data);
    }

    [Fact]
    public async Task An_entry_put_alone_is_listed_for_the_sweep_and_the_sweep_sees_only_its_partitions_entries()
    {
        var id = Id("alone");
        var etag = await Store.TrackAsync(id, new TrackEntry(5, At));
        Assert.Null(await Store.ReadAsync(id)); // no record: nothing to read

        var partition = OrderRecordPartitions.Of(id);
        Assert.Contains(new TrackedOrder(id, 5, At, etag), await Store.TrackedAsync(partition));
        var elsewhere = (partition + 1) % OrderRecordPartitions.Count;
        Assert.DoesNotContain(await Store.TrackedAsync(elsewhere), e => e.OrderId == id);
        Assert.All(await Store.TrackedAsync(elsewhere), e => Assert.Equal(elsewhere, OrderRecordPartitions.Of(e.OrderId)));
    }
}

[Trait("Category", "fast")]
public sealed class MemoryOrderRecordStoreTests : OrderRecordStoreContract
{
    protected override IOrderRecordStore Store { get; } = MemoryOrderRecordStore.ForService($"test/{Guid.NewGuid()}");

    [Fact]
    public async Task Records_are_kept_outside_the_gc_heap_in_a_block_store_the_reports_count()
    {
        var service = $"test/{Guid.NewGuid()}";
        var records = MemoryOrderRecordStore.ForService(service);
        var blocks = ProcessMemoryGrainStorage.Store.ForService(service + "/order-records");
        var written = await records.WriteAsync("native-o1", new byte[1_000], etag: null, new TrackEntry(1, DateTimeOffset.UnixEpoch));
        var afterFirst = blocks.NativeBytes;
        Assert.True(afterFirst > 1_000, $"{afterFirst} bytes stored");
        await records.WriteAsync("native-o1", new byte[700], written.ETag, track: null);
        Assert.Equal((1, afterFirst - 300), (blocks.Count, blocks.NativeBytes)); // the replaced entry was freed
    }

    private sealed class JsonStateSerializer : IGrainStorageSerializer
    {
        public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input));

        public T Deserialize<T>(BinaryData input) => JsonSerializer.Deserialize<T>(input.ToMemory().Span)!;
    }

    [Fact]
    public async Task An_order_kept_by_an_earlier_version_in_grain_storage_is_read_from_there_when_asked_and_moves_with_its_next_write()
    {
        var serializer = new JsonStateSerializer();
        var previous = new ProcessMemoryGrainStorage(ProcessMemoryGrainStorage.Store.ForService($"test/{Guid.NewGuid()}"), serializer);
        var grainId = GrainId.Create("order", "earlier-o1");
        var earlier = new GrainState<OrderState>(new OrderState { AcceptedAt = new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero), PendingStamp = 41 });
        await previous.WriteStateAsync(OrderRecord.StateName, grainId, earlier);
        var counter = new StorageOperationCounter();

        // Without the option the order is not found: a new order costs one read.
        var ignoring = new OrderRecord("earlier-o1", grainId, Store, serializer, counter, previousStore: null);
        await ignoring.ReadAsync();
        Assert.False(ignoring.RecordExists);

        var record = new OrderRecord("earlier-o1", grainId, Store, serializer, counter, previous);
        await record.ReadAsync();
        Assert.True(record.RecordExists);
        Assert.True(record.FromPreviousStore);
        Assert.Equal((earlier.State!.AcceptedAt, 41L), (record.State.AcceptedAt, record.State.PendingStamp));

        // Its first write lands in the record store (as a first write: nothing was there), with its entry.
        record.State.CancelReason = "moved";
        await record.WriteAsync(new TrackEntry(42, earlier.State!.AcceptedAt));
        Assert.False(record.FromPreviousStore);
        var reread = new OrderRecord("earlier-o1", grainId, Store, serializer, counter, previous);
        await reread.ReadAsync();
        Assert.Equal(("moved", false, 42L), (reread.State.CancelReason, reread.FromPreviousStore, reread.Track!.Stamp));
        Assert.Equal(3 + 1, counter.Snapshot().Reads); // three reads of the record store, one of grain storage (the first read with the option)
    }
}

[Collection(AzuriteCollection.Name)]
[Trait("Category", "Functional")]
public sealed class AzureTableOrderRecordStoreTests(AzuriteFixture azurite) : OrderRecordStoreContract
{
    protected override IOrderRecordStore Store { get; } =
        new AzureTableOrderRecordStore(new TableServiceClient(azurite.ConnectionString), $"records-{Guid.NewGuid():N}"[..20]);
}
