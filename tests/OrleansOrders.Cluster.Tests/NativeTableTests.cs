using System.Text;
using OrleansOrders.Grains;
using OrleansOrders.Grains.Stock.Ledger;
using OrleansOrders.Stock;
using Xunit;

namespace OrleansOrders.Cluster.Tests;

[Trait("Category", "fast")]
public sealed class NativeTableTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_sets_replaces_and_removes_agree_with_a_dictionary_through_every_growth(int seed)
    {
        var random = new Random(seed);
        var model = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var table = new NativeTable();
        // Few enough keys that they collide and come back; some long (past the stack buffer) and not ASCII.
        string KeyAt(int i) => (i % 7) switch
        {
            0 => new string('k', 300 + i % 50) + i,
            1 => "é|" + i + "|ü",
            _ => "c|o-" + i,
        };

        for (var step = 0; step < 20_000; step++)
        {
            var key = KeyAt(random.Next(3_000));
            switch (random.Next(4))
            {
                case 0:
                    Assert.Equal(model.Remove(key), table.Remove(key));
                    break;
                default:
                    var value = new byte[random.Next(0, 40)];
                    random.NextBytes(value);
                    model[key] = value;
                    table.Set(key, value);
                    break;
            }
            if (step % 997 == 0)
            {
                Assert.Equal(model.Count, table.Count);
            }
        }

        Assert.Equal(model.Count, table.Count);
        foreach (var (key, value) in model)
        {
            Assert.True(table.TryGet(key, out var stored), key);
            Assert.Equal(value, stored.ToArray());
        }
        Assert.False(table.TryGet("c|never", out _));
        var seen = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        table.ForEach(seen, static (seen, key, value) => seen.Add(key, value.ToArray()));
        Assert.Equal(model.OrderBy(e => e.Key, StringComparer.Ordinal), seen.OrderBy(e => e.Key, StringComparer.Ordinal));
        // Each entry is its header, its key in UTF-8 and its value: nothing else is counted, nothing leaks.
        Assert.Equal(model.Sum(e => 24L + Encoding.UTF8.GetByteCount(e.Key) + e.Value.Length), table.EntryBytes);
    }

    [Fact]
    public void Removing_every_entry_frees_every_entry_byte()
    {
        using var table = new NativeTable();
        for (var i = 0; i < 1_000; i++)
        {
            table.Set("k" + i, new byte[100]);
        }
        for (var i = 0; i < 1_000; i++)
        {
            Assert.True(table.Remove("k" + i));
        }
        Assert.Equal((0, 0L), (table.Count, table.EntryBytes));
    }

    [Fact]
    public async Task The_memory_ledger_store_gives_back_every_row_as_written_and_a_refused_write_changes_nothing()
    {
        var store = MemoryStockLedgerStore.ForService($"test/{Guid.NewGuid()}");
        var at = new DateTimeOffset(2026, 12, 3, 18, 30, 15, 123, TimeSpan.FromHours(-5)).AddTicks(7);
        LedgerRow[] rows =
        [
            new(LedgerRowKind.Commitment, "r-1", 3, at),
            new(LedgerRowKind.Shipped, "r-2", 2, at.ToUniversalTime()),
            new(LedgerRowKind.Operation, "op|ü-1", 0, DateTimeOffset.MinValue),
            new(LedgerRowKind.CustomerOrder, "o-9", -1, DateTimeOffset.MaxValue),
            new(LedgerRowKind.WaitingOrder, "o-10", int.MaxValue, at),
        ];
        var header = LedgerHeader.Empty with { OnHand = 7 };
        var version = await store.WriteAsync("stock-1", new LedgerChanges(header, rows.Select(r => new LedgerRowChange(r.Key, r)).ToList()), null, () => rows);

        var read = await store.ReadAsync("stock-1");
        Assert.NotNull(read);
        Assert.Equal(rows.OrderBy(r => r.Key), read.Rows.OrderBy(r => r.Key));
        Assert.Equal(rows.OrderBy(r => r.Key).Select(r => r.At.Offset), read.Rows.OrderBy(r => r.Key).Select(r => r.At.Offset)); // equality alone compares instants

        // Released replaces Shipped under one key; a delete of a row that is not there refuses the whole write.
        var released = new LedgerRow(LedgerRowKind.Released, "r-2", 0, at);
        var refused = new LedgerChanges(header with { OnHand = 0 }, [new(released.Key, released), new(LedgerRow.KeyOf(LedgerRowKind.Commitment, "absent"), null)]);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteAsync("stock-1", refused, version, () => rows));
        await Assert.ThrowsAsync<LedgerWriteConflictException>(() => store.WriteAsync("stock-1", new LedgerChanges(header, [new(released.Key, released)]), new LedgerVersion("stale"), () => rows));
        var unchanged = await store.ReadAsync("stock-1");
        Assert.Equal((7, read.Version.ETag), (unchanged!.Header.OnHand, unchanged.Version.ETag));
        Assert.Equal(read.Rows.OrderBy(r => r.Key), unchanged.Rows.OrderBy(r => r.Key));

        await store.WriteAsync("stock-1", new LedgerChanges(header, [new(released.Key, released), new(rows[0].Key, null)]), version, () => rows);
        var after = await store.ReadAsync("stock-1");
        Assert.Equal(rows.Skip(2).Append(released).OrderBy(r => r.Key), after!.Rows.OrderBy(r => r.Key));
    }
}
