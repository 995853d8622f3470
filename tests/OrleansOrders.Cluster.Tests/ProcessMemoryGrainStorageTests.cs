using System.Text.Json;
using Orleans.Storage;
using OrleansOrders.Grains;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// The embedded default's grain storage keeps the durable store's semantics (serialized records, an
/// ETag checked on every write and clear, a conflict as <see cref="InconsistentStateException"/>)
/// with the bytes outside the GC heap, freed when a record is replaced or cleared.
/// </summary>
[Trait("Category", "fast")]
public class ProcessMemoryGrainStorageTests
{
    private sealed class JsonStateSerializer : IGrainStorageSerializer
    {
        public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input));

        public T Deserialize<T>(BinaryData input) => JsonSerializer.Deserialize<T>(input.ToMemory().Span)!;
    }

    public sealed class Counter
    {
        public int Value { get; set; }

        public string Note { get; set; } = "";
    }

    private sealed class Held(Counter value) : IGrainState<Counter>
    {
        [System.Diagnostics.CodeAnalysis.AllowNull]
        public Counter State { get; set; } = value;
        public string? ETag { get; set; }
        public bool RecordExists { get; set; }
    }

    [Fact]
    public async Task Records_round_trip_every_write_checks_its_etag_and_replaced_or_cleared_bytes_are_freed()
    {
        var store = ProcessMemoryGrainStorage.Store.ForService($"test/{Guid.NewGuid()}");
        var storage = new ProcessMemoryGrainStorage(store, new JsonStateSerializer());
        var grain = GrainId.Create("counter", "c1");

        var first = new Held(new Counter { Value = 1, Note = new string('x', 1000) });
        await storage.WriteStateAsync("s", grain, first);
        var afterFirst = store.NativeBytes;
        Assert.True(afterFirst > 1000, $"{afterFirst} bytes stored");

        var read = new Held(new Counter());
        await storage.ReadStateAsync("s", grain, read);
        Assert.Equal((1, 1000, true, first.ETag), (read.State.Value, read.State.Note.Length, read.RecordExists, read.ETag));

        // A writer that read before the last write is refused, and changes nothing.
        var stale = new Held(new Counter { Value = 99 }) { ETag = "0" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("s", grain, stale));
        var creating = new Held(new Counter { Value = 98 });
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("s", grain, creating));

        // Replacing frees the old block: the store holds only the new, smaller record.
        read.State = new Counter { Value = 2 };
        await storage.WriteStateAsync("s", grain, read);
        Assert.True(store.NativeBytes < afterFirst, $"{store.NativeBytes} bytes after replacing {afterFirst}");
        var again = new Held(new Counter());
        await storage.ReadStateAsync("s", grain, again);
        Assert.Equal(2, again.State.Value);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("s", grain, first));
        await storage.ClearStateAsync("s", grain, again);
        Assert.Equal((0, 0L), (store.Count, store.NativeBytes));
        var gone = new Held(new Counter { Value = 5 });
        await storage.ReadStateAsync("s", grain, gone);
        Assert.Equal((false, (string?)null, 0), (gone.RecordExists, gone.ETag, gone.State.Value));
    }
}
