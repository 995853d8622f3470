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

    [Fact]
    public async Task Writers_racing_on_one_record_lose_no_update_and_clears_racing_writes_leave_one_outcome()
    {
        var store = ProcessMemoryGrainStorage.Store.ForService($"test/{Guid.NewGuid()}");
        var storage = new ProcessMemoryGrainStorage(store, new JsonStateSerializer());
        var hot = GrainId.Create("counter", "hot");
        const int Writers = 8, IncrementsEach = 200;

        // Read, add one, write under the ETag read; retry on a conflict. No increment may be lost.
        var conflicts = 0;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < IncrementsEach; i++)
            {
                while (true)
                {
                    var held = new Held(new Counter());
                    await storage.ReadStateAsync("s", hot, held);
                    held.State.Value++;
                    try
                    {
                        await storage.WriteStateAsync("s", hot, held);
                        break;
                    }
                    catch (InconsistentStateException)
                    {
                        Interlocked.Increment(ref conflicts);
                    }
                }
            }
        })));
        var final = new Held(new Counter());
        await storage.ReadStateAsync("s", hot, final);
        Assert.Equal(Writers * IncrementsEach, final.State.Value);

        // Clears racing first writes on fresh keys: each key ends either cleared or holding one write, never half.
        var keys = Enumerable.Range(0, 200).Select(i => GrainId.Create("counter", $"k{i}")).ToList();
        foreach (var key in keys)
        {
            await storage.WriteStateAsync("s", key, new Held(new Counter { Value = 1 }));
        }
        await Task.WhenAll(keys.Select(key => Task.Run(async () =>
        {
            var held = new Held(new Counter());
            await storage.ReadStateAsync("s", key, held);
            await storage.ClearStateAsync("s", key, held);
            await storage.WriteStateAsync("s", key, new Held(new Counter { Value = 2 })); // a create after the clear
        })));
        foreach (var key in keys)
        {
            var held = new Held(new Counter());
            await storage.ReadStateAsync("s", key, held);
            Assert.Equal((true, 2), (held.RecordExists, held.State.Value));
        }
        Assert.Equal(keys.Count + 1, store.Count);
    }
}
