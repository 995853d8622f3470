using Azure;
using Azure.Data.Tables;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Grains.Stock.Ledger;
using OrleansOrders.Stock;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// The Azure Table ledger store against Azurite, below the grain: a seeded random run of writes (small
/// ones the header carries, large ones that move what it carried into a log row, deletes, and enough
/// writes for a snapshot) reads back exactly as a model of it after every stretch, through a new store
/// each time; ledgers written in the earlier format (every change in a log row's <c>D</c>) still read;
/// and a writer that lost the race is told so on both kinds of write.
/// </summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "azurite")]
public sealed class AzureLedgerStoreTests(AzuriteFixture azurite)
{
    private readonly string _table = "LedgerStore" + Guid.NewGuid().ToString("N")[..8];

    private AzureTableStockLedgerStore Store(int inlineLogBytes = AzureTableStockLedgerStore.InlineLogBytes) =>
        new(new TableServiceClient(azurite.ConnectionString), "svc", _table, inlineLogBytes: inlineLogBytes);

    private static LedgerHeader Header(int onHand) => LedgerHeader.Empty with { OnHand = onHand, Received = onHand * 2L };

    private static LedgerRow Commitment(string id, int quantity) => new(LedgerRowKind.Commitment, id, quantity, default);

    private sealed class Model
    {
        public Dictionary<string, LedgerRow> Rows { get; } = new(StringComparer.Ordinal);

        public List<LedgerRowChange> Change(Random random, int puts, int deletes, int idLength)
        {
            var changes = new List<LedgerRowChange>();
            foreach (var key in Rows.Keys.OrderBy(_ => random.Next()).Take(deletes).ToList())
            {
                Rows.Remove(key);
                changes.Add(new LedgerRowChange(key, null));
            }
            for (var i = 0; i < puts; i++)
            {
                // Some puts replace a row that is there (a commitment's quantity reduced, say).
                var id = Rows.Count > 0 && random.Next(4) == 0
                    ? Rows.Values.ElementAt(random.Next(Rows.Count)).Id
                    : Guid.NewGuid().ToString("N") + new string('x', idLength);
                var row = Commitment(id, random.Next(1, 1_000));
                Rows[row.Key] = row;
                changes.Add(new LedgerRowChange(row.Key, row));
            }
            return changes;
        }

        public void AssertRead(StoredLedger? stored, int onHand, string when)
        {
            Assert.NotNull(stored);
            Assert.True(Header(onHand) with { Receipts = stored.Header.Receipts, Promises = stored.Header.Promises } == stored.Header, $"header {when}");
            Assert.Empty(stored.Header.Receipts);
            var read = stored.Rows.ToDictionary(r => r.Key, StringComparer.Ordinal);
            Assert.True(Rows.Count == read.Count, $"{read.Count} rows read, {Rows.Count} written, {when}");
            foreach (var (key, row) in Rows)
            {
                Assert.True(read.TryGetValue(key, out var got) && got == row, $"row {key} {when}");
            }
        }
    }

    [Fact]
    public async Task A_random_run_of_small_large_and_deleting_writes_reads_back_exactly_through_a_new_store()
    {
        var random = new Random(20261204);
        var model = new Model();
        var writer = Store();
        LedgerVersion? version = null;
        var sawInline = false;
        var sawLogRow = false;
        var sawSnapshot = false;
        const int writes = AzureTableStockLedgerStore.MinLogRowsPerSnapshot + 150;
        for (var i = 1; i <= writes; i++)
        {
            // Mostly small writes; now and then one too large for the header (long ids), and deletes.
            var large = random.Next(25) == 0;
            var changes = model.Change(random, puts: large ? 60 : random.Next(1, 8), deletes: random.Next(3), idLength: large ? 300 : 0);
            var rows = model.Rows.Values.ToList();
            var before = version;
            version = await writer.WriteAsync("sku@dc", new LedgerChanges(Header(i), changes), version, () => rows);
            sawInline |= version.Inline.Length > 0 && version.Sequence > 1 && before?.Inline.Length > 0;
            sawLogRow |= before is { Inline.Length: > 0 } && version.Inline.Length < before.Inline.Length && version.SnapshotSequence == before.SnapshotSequence;
            sawSnapshot |= version.SnapshotSequence == version.Sequence && version.Sequence > 1;
            if (i % 97 == 0 || i == writes)
            {
                model.AssertRead(await Store().ReadAsync("sku@dc"), i, $"after write {i}");
            }
        }
        Assert.True(sawInline, "some writes appended to the changes the header carried");
        Assert.True(sawLogRow, "some writes moved the header's changes into a log row");
        Assert.True(sawSnapshot, "the run took a snapshot");

        // The writer's own version stays good: it goes on writing where it left off.
        var last = model.Change(random, puts: 3, deletes: 1, idLength: 0);
        var all = model.Rows.Values.ToList();
        await writer.WriteAsync("sku@dc", new LedgerChanges(Header(writes + 1), last), version, () => all);
        model.AssertRead(await Store().ReadAsync("sku@dc"), writes + 1, "after the last write");
    }

    [Fact]
    public async Task A_ledger_written_with_every_change_in_a_log_row_reads_the_same_and_takes_header_changes_on_top()
    {
        var random = new Random(7);
        var model = new Model();
        var earlier = Store(inlineLogBytes: 0);
        LedgerVersion? version = null;
        for (var i = 1; i <= 20; i++)
        {
            var rows = model.Rows.Values.ToList();
            version = await earlier.WriteAsync("old@dc", new LedgerChanges(Header(i), model.Change(random, 4, 1, 0)), version, () => rows);
            Assert.Empty(version.Inline);
        }
        // Log rows as the code before the header carried changes wrote them: one binary property D.
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient(_table);
        await foreach (var entity in table.QueryAsync<TableEntity>(e => e.PartitionKey == "svc_old@dc"))
        {
            if (entity.RowKey.StartsWith("l|", StringComparison.Ordinal))
            {
                var bytes = entity.GetBinary("B0");
                Assert.Equal(1, entity.GetInt32("Parts"));
                await table.UpsertEntityAsync(new TableEntity(entity.PartitionKey, entity.RowKey) { ["D"] = bytes }, TableUpdateMode.Replace);
            }
        }
        var stored = await Store().ReadAsync("old@dc");
        model.AssertRead(stored, 20, "as written before");

        // Today's store carries on from it with header writes, then reads everything back.
        version = stored!.Version;
        var current = Store();
        for (var i = 21; i <= 30; i++)
        {
            var rows = model.Rows.Values.ToList();
            version = await current.WriteAsync("old@dc", new LedgerChanges(Header(i), model.Change(random, 2, 1, 0)), version, () => rows);
        }
        Assert.NotEmpty(version.Inline);
        model.AssertRead(await Store().ReadAsync("old@dc"), 30, "after header writes on top");

        // And back off again (a rolling upgrade undone): what the header carried moves into a log row.
        var off = Store(inlineLogBytes: 0);
        var final = model.Rows.Values.ToList();
        version = await off.WriteAsync("old@dc", new LedgerChanges(Header(31), model.Change(random, 1, 0, 0)), version, () => final);
        Assert.Empty(version.Inline);
        model.AssertRead(await Store().ReadAsync("old@dc"), 31, "after the header's changes moved out");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_writer_behind_the_stored_ledger_is_refused_and_changes_nothing(bool moveIntoLogRow)
    {
        var model = new Model();
        var random = new Random(3);
        var first = Store();
        var start = await first.WriteAsync("race@dc", new LedgerChanges(Header(1), model.Change(random, 2, 0, 0)), null, () => model.Rows.Values.ToList());
        var won = await Store().WriteAsync("race@dc", new LedgerChanges(Header(2), model.Change(random, 2, 0, 0)), start, () => model.Rows.Values.ToList());

        // The loser wrote from the same version: a small change (header only) or one too large for the header.
        var lost = new Model();
        var losing = lost.Change(random, moveIntoLogRow ? 80 : 1, 0, moveIntoLogRow ? 300 : 0);
        await Assert.ThrowsAsync<LedgerWriteConflictException>(() =>
            first.WriteAsync("race@dc", new LedgerChanges(Header(99), losing), start, () => lost.Rows.Values.ToList()));
        await Assert.ThrowsAsync<LedgerWriteConflictException>(() =>
            first.WriteAsync("race@dc", new LedgerChanges(Header(99), losing), null, () => lost.Rows.Values.ToList()));

        var stored = await Store().ReadAsync("race@dc");
        model.AssertRead(stored, 2, "after the refused writes");
        Assert.Equal(won.ETag, stored!.Version.ETag);
        Assert.Equal(new ETag(won.ETag), new ETag(stored.Version.ETag));
    }
}
