using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansOrders.Stock;

namespace OrleansOrders.Grains.Stock.Ledger;

/// <summary>
/// Stock ledgers in Azure Table storage, one partition per stock grain, as a log of changes with
/// snapshots:
/// <list type="bullet">
/// <item>header <c>h</c>: levels, counters and terms, the log sequence, which snapshot is current, and
/// the latest changes themselves (<c>L</c>, binary, at most <see cref="InlineLogBytes"/> by default);</item>
/// <item>log rows <c>l|{seq}</c>: changes moved out of the header (binary);</item>
/// <item>snapshot pages <c>s|{seq}|{page}</c>: every row as of <c>seq</c>, about 1 MB a page.</item>
/// </list>
/// Most writes are one entity: the header, replaced on its ETag, with this write's changes appended
/// to those it already carries. The write that would take the header past <see cref="InlineLogBytes"/>
/// moves what it carried into a log row in the same entity-group transaction. A single-entity write
/// costs the store less than half a transaction (Azurite here: 0.75 ms against 1.85 ms, one at a time;
/// docs/architecture.md), and a hot SKU's commits wait for exactly that round trip. Either way a
/// write costs what changed, never what the ledger holds. Once enough log has accumulated (at least
/// <see cref="MinLogRowsPerSnapshot"/> writes and an eighth of the snapshot's bytes, or
/// <see cref="MaxLogRowsPerSnapshot"/> writes) the write first stores a new snapshot, then points the
/// header at it; so a snapshot's cost is spread over the writes before it, and reading a ledger is one
/// point read, a few pages and at most <see cref="MaxLogRowsPerSnapshot"/> log rows, not one entity per
/// open commitment. Superseded log rows and pages are deleted afterwards (reads never look at them, so
/// a delete that fails costs only space). Partitions are named <c>{serviceId}_{stockKey}</c>, as
/// Orleans names grain state, so services sharing a table never meet. Ledgers written before the
/// header carried changes (no <c>L</c>, log rows in <c>D</c>) read as they are; a silo of that time
/// would not see the changes a header carries, so a rolling upgrade from it runs with
/// <c>Grid:StockLedgerInlineLog</c> off until every silo is new.
/// </summary>
/// <param name="inlineLogBytes">How many bytes of changes the header may carry; 0 writes every change to a log row (the format before the header carried any, which a silo of that time still reads).</param>
public sealed class AzureTableStockLedgerStore(TableServiceClient service, string serviceId, string tableName = AzureTableStockLedgerStore.DefaultTable,
    ILogger? logger = null, int inlineLogBytes = AzureTableStockLedgerStore.InlineLogBytes) : IStockLedgerStore
{
    public const string DefaultTable = "OrleansOrdersStockLedger";
    public const int MinLogRowsPerSnapshot = 1_000;
    public const int MaxLogRowsPerSnapshot = 10_000;
    /// <summary>Changes the header carries before a write moves them into a log row (a replace of 16 KB costs Azurite what one of 2.5 KB does).</summary>
    public const int InlineLogBytes = 16 * 1024;
    private const string HeaderRowKey = "h";
    private const string InlineProperty = "L";
    private const int ChunkChars = 30_000;     // a string property holds 64 KiB (32K UTF-16 characters)
    private const int MaxHeaderChunks = 30;
    private const int BinaryPropertyBytes = 64_000; // a binary property holds 64 KiB
    private const int PropertiesPerPage = 10;       // an entity holds 1 MiB (Azurite counts binary as base64)

    private readonly TableClient _table = service.GetTableClient(tableName);
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private Task? _created;

    public async Task<StoredLedger?> ReadAsync(string stockKey, CancellationToken cancellationToken = default)
    {
        await EnsureTable(cancellationToken);
        var partition = TableKeys.Escape(serviceId + "_" + stockKey);
        var found = await _table.GetEntityIfExistsAsync<TableEntity>(partition, HeaderRowKey, cancellationToken: cancellationToken);
        if (!found.HasValue || found.Value is not { } headerEntity)
        {
            return null;
        }
        var header = ReadHeader(headerEntity);
        var version = new LedgerVersion(headerEntity.ETag.ToString(),
            headerEntity.GetInt64("Seq") ?? 0, headerEntity.GetInt64("SnapSeq") ?? 0, headerEntity.GetInt32("SnapPages") ?? 0,
            headerEntity.GetInt64("LogRows") ?? 0, headerEntity.GetInt64("LogBytes") ?? 0, headerEntity.GetInt64("SnapBytes") ?? 0)
        {
            Inline = headerEntity.GetBinary(InlineProperty) ?? [],
        };

        var rows = new Dictionary<string, LedgerRow>(StringComparer.Ordinal);
        if (version.SnapshotPages > 0)
        {
            var prefix = SnapshotPrefix(version.SnapshotSequence);
            var pages = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {prefix} and RowKey lt {prefix + "~"}");
            await foreach (var page in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                pages[page.RowKey] = ReadBinary(page);
            }
            var bytes = pages.Take(version.SnapshotPages).SelectMany(p => p.Value).ToArray();
            if (pages.Count < version.SnapshotPages)
            {
                throw new InvalidDataException($"Ledger {stockKey}: snapshot {version.SnapshotSequence} has {pages.Count} of {version.SnapshotPages} pages.");
            }
            foreach (var row in LedgerCodec.ReadRows(bytes))
            {
                rows[row.Key] = row;
            }
        }
        if (version.Sequence > version.SnapshotSequence)
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {LogKey(version.SnapshotSequence)} and RowKey le {LogKey(version.Sequence)}");
            var log = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
            await foreach (var entry in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                log[entry.RowKey] = entry.GetBinary("D") ?? ReadBinary(entry);
            }
            foreach (var changes in log.Values)
            {
                Apply(rows, changes);
            }
        }
        Apply(rows, version.Inline);
        return new StoredLedger(header, rows.Values.ToList(), version);
    }

    public async Task<LedgerVersion> WriteAsync(string stockKey, LedgerChanges changes, LedgerVersion? version, Func<IReadOnlyCollection<LedgerRow>> currentRows, CancellationToken cancellationToken = default)
    {
        // Decide and encode before the first await: currentRows is the ledger as of this write only until then.
        var encoded = LedgerCodec.WriteChanges(changes.Rows);
        if (encoded.Length > BinaryPropertyBytes)
        {
            throw new InvalidOperationException($"Ledger {stockKey}: a write of {changes.Rows.Count} rows ({encoded.Length} bytes) does not fit one log row.");
        }
        var previous = version ?? new LedgerVersion("");
        var sequence = previous.Sequence + 1;
        var logRows = previous.LogRowsSinceSnapshot + 1;
        var logBytes = previous.LogBytesSinceSnapshot + encoded.Length;
        byte[]? snapshot = null;
        if (logRows >= MaxLogRowsPerSnapshot || (logRows >= MinLogRowsPerSnapshot && logBytes * 8 >= previous.SnapshotBytes))
        {
            snapshot = LedgerCodec.WriteRows(currentRows());
        }

        await EnsureTable(cancellationToken);
        var partition = TableKeys.Escape(serviceId + "_" + stockKey);
        var next = previous with { Sequence = sequence, LogRowsSinceSnapshot = logRows, LogBytesSinceSnapshot = logBytes };
        if (snapshot is not null)
        {
            // Pages first: nothing reads them until the header below names them, so a crash here leaves only garbage.
            var pages = snapshot.Chunk(BinaryPropertyBytes * PropertiesPerPage).ToList();
            await Task.WhenAll(pages.Select((page, i) => _table.UpsertEntityAsync(
                WriteBinary(new TableEntity(partition, SnapshotPrefix(sequence) + i.ToString("D5", CultureInfo.InvariantCulture)), page),
                TableUpdateMode.Replace, cancellationToken)));
            next = next with { SnapshotSequence = sequence, SnapshotPages = pages.Count, SnapshotBytes = snapshot.Length, LogRowsSinceSnapshot = 0, LogBytesSinceSnapshot = 0 };
        }

        // The header carries this write's changes after those it already carries, unless that takes it past
        // InlineLogBytes: then what it carried moves into a log row, in one transaction with the header.
        byte[] inline;
        byte[]? logRow = null;
        if (snapshot is not null)
        {
            inline = []; // the snapshot holds every row as of this write
        }
        else if (previous.Inline.Length + encoded.Length <= inlineLogBytes)
        {
            inline = Concat(previous.Inline, encoded);
        }
        else if (encoded.Length <= inlineLogBytes)
        {
            (logRow, inline) = (previous.Inline, encoded);
        }
        else
        {
            (logRow, inline) = (Concat(previous.Inline, encoded), []);
        }
        next = next with { Inline = inline };
        var header = WriteHeader(partition, changes.Header, next);
        header[InlineProperty] = inline;
        try
        {
            if (logRow is { Length: > 0 })
            {
                var actions = new List<TableTransactionAction>(2)
                {
                    version is null
                        ? new TableTransactionAction(TableTransactionActionType.Add, header)
                        : new TableTransactionAction(TableTransactionActionType.UpdateReplace, header, new ETag(version.ETag)),
                    new(TableTransactionActionType.UpsertReplace, WriteBinary(new TableEntity(partition, LogKey(sequence)), logRow)),
                };
                var response = await _table.SubmitTransactionAsync(actions, cancellationToken);
                next = next with { ETag = ETagOf(response.Value[0].Headers.ETag) };
            }
            else
            {
                var response = version is null
                    ? await _table.AddEntityAsync(header, cancellationToken)
                    : await _table.UpdateEntityAsync(header, new ETag(version.ETag), TableUpdateMode.Replace, cancellationToken);
                next = next with { ETag = ETagOf(response.Headers.ETag) };
            }
        }
        // The header's condition failed (a single write, or a transaction's first action): someone else wrote.
        catch (RequestFailedException ex) when (ex.Status is 409 or 412 && ex is not TableTransactionFailedException { FailedTransactionActionIndex: not 0 })
        {
            throw new LedgerWriteConflictException($"Ledger {stockKey} was written by someone else.", ex);
        }
        if (snapshot is not null && version is not null)
        {
            _ = DeleteSupersededAsync(partition, previous, sequence);
        }
        return next;
    }

    /// <summary>Log rows the new snapshot covers and the pages of the snapshot before it: no read looks at them any more.</summary>
    private async Task DeleteSupersededAsync(string partition, LedgerVersion previous, long snapshotSequence)
    {
        try
        {
            var keys = new List<string>();
            var logFilter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {LogKey(0)} and RowKey lt {LogKey(snapshotSequence)}");
            await foreach (var entry in _table.QueryAsync<TableEntity>(logFilter, select: ["RowKey"]))
            {
                keys.Add(entry.RowKey);
            }
            if (previous.SnapshotPages > 0)
            {
                var prefix = SnapshotPrefix(previous.SnapshotSequence);
                var pageFilter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {prefix} and RowKey lt {prefix + "~"}");
                await foreach (var entry in _table.QueryAsync<TableEntity>(pageFilter, select: ["RowKey"]))
                {
                    keys.Add(entry.RowKey);
                }
            }
            foreach (var batch in keys.Chunk(100))
            {
                await _table.SubmitTransactionAsync(batch.Select(key =>
                    new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, key), ETag.All)));
            }
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Ledger {Partition}: deleting superseded log rows and pages failed; they only take space", partition);
        }
    }

    private static string ETagOf(ETag? etag) =>
        etag?.ToString() ?? throw new InvalidOperationException("The table answered a ledger write without an ETag.");

    private static byte[] Concat(byte[] first, byte[] second)
    {
        if (first.Length == 0)
        {
            return second;
        }
        var both = new byte[first.Length + second.Length];
        first.CopyTo(both, 0);
        second.CopyTo(both, first.Length);
        return both;
    }

    /// <summary>Applies changes in the order they were written (one or more writes' blocks, back to back).</summary>
    private static void Apply(Dictionary<string, LedgerRow> rows, byte[] changes)
    {
        foreach (var change in LedgerCodec.ReadChanges(changes))
        {
            if (change.Row is null)
            {
                rows.Remove(change.Key);
            }
            else
            {
                rows[change.Key] = change.Row;
            }
        }
    }

    private static string LogKey(long sequence) => "l|" + sequence.ToString("D19", CultureInfo.InvariantCulture);

    private static string SnapshotPrefix(long sequence) => "s|" + sequence.ToString("D19", CultureInfo.InvariantCulture) + "|";

    private Task EnsureTable(CancellationToken cancellationToken) =>
        _created is { IsCompletedSuccessfully: true } ? Task.CompletedTask : _created = _table.CreateIfNotExistsAsync(cancellationToken);

    private static TableEntity WriteBinary(TableEntity entity, byte[] bytes) => TableBinary.Write(entity, bytes, BinaryPropertyBytes);

    private static byte[] ReadBinary(TableEntity entity) => TableBinary.Read(entity);

    private static TableEntity WriteHeader(string partition, LedgerHeader header, LedgerVersion version)
    {
        var json = JsonSerializer.Serialize(header, LedgerJson.Default.LedgerHeader);
        var chunks = (json.Length + ChunkChars - 1) / ChunkChars;
        if (chunks > MaxHeaderChunks)
        {
            throw new InvalidOperationException($"A ledger header of {json.Length} characters does not fit one table entity.");
        }
        var entity = new TableEntity(partition, HeaderRowKey)
        {
            ["Chunks"] = chunks,
            ["Seq"] = version.Sequence,
            ["SnapSeq"] = version.SnapshotSequence,
            ["SnapPages"] = version.SnapshotPages,
            ["SnapBytes"] = version.SnapshotBytes,
            ["LogRows"] = version.LogRowsSinceSnapshot,
            ["LogBytes"] = version.LogBytesSinceSnapshot,
        };
        for (var i = 0; i < chunks; i++)
        {
            entity["H" + i.ToString(CultureInfo.InvariantCulture)] = json.Substring(i * ChunkChars, Math.Min(ChunkChars, json.Length - i * ChunkChars));
        }
        return entity;
    }

    private static LedgerHeader ReadHeader(TableEntity entity)
    {
        var chunks = entity.GetInt32("Chunks") ?? 0;
        var json = new StringBuilder();
        for (var i = 0; i < chunks; i++)
        {
            json.Append(entity.GetString("H" + i.ToString(CultureInfo.InvariantCulture)));
        }
        return JsonSerializer.Deserialize(json.ToString(), LedgerJson.Default.LedgerHeader)
               ?? throw new InvalidDataException($"Ledger header {entity.PartitionKey} is empty.");
    }
}

/// <summary>The binary form of ledger rows and changes in log rows and snapshot pages.</summary>
internal static class LedgerCodec
{
    public static byte[] WriteChanges(IReadOnlyList<LedgerRowChange> changes)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(changes.Count);
            foreach (var change in changes)
            {
                writer.Write(change.Key);
                writer.Write(change.Row is not null);
                if (change.Row is { } row)
                {
                    Write(writer, row);
                }
            }
        }
        return stream.ToArray();
    }

    /// <summary>The changes of one or more blocks written by <see cref="WriteChanges"/> back to back, in order.</summary>
    public static IEnumerable<LedgerRowChange> ReadChanges(byte[] bytes)
    {
        var stream = new MemoryStream(bytes);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        var changes = new List<LedgerRowChange>();
        while (stream.Position < stream.Length)
        {
            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                var key = reader.ReadString();
                changes.Add(new LedgerRowChange(key, reader.ReadBoolean() ? Read(reader) : null));
            }
        }
        return changes;
    }

    public static byte[] WriteRows(IReadOnlyCollection<LedgerRow> rows)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(rows.Count);
            foreach (var row in rows)
            {
                Write(writer, row);
            }
        }
        return stream.ToArray();
    }

    public static IEnumerable<LedgerRow> ReadRows(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        var count = reader.ReadInt32();
        var rows = new List<LedgerRow>(count);
        for (var i = 0; i < count; i++)
        {
            rows.Add(Read(reader));
        }
        return rows;
    }

    private static void Write(BinaryWriter writer, LedgerRow row)
    {
        writer.Write((byte)row.Kind);
        writer.Write(row.Id);
        writer.Write(row.Quantity);
        writer.Write(row.At.UtcTicks);
    }

    private static LedgerRow Read(BinaryReader reader)
    {
        var kind = (LedgerRowKind)reader.ReadByte();
        var id = reader.ReadString();
        var quantity = reader.ReadInt32();
        var ticks = reader.ReadInt64();
        return new LedgerRow(kind, id, quantity, ticks == 0 ? default : new DateTimeOffset(ticks, TimeSpan.Zero));
    }
}

/// <summary>Bytes in an entity as binary properties <c>B0</c>, <c>B1</c>, ... of at most a given size each, their count in <c>Parts</c>.</summary>
internal static class TableBinary
{
    public static TableEntity Write(TableEntity entity, byte[] bytes, int partBytes)
    {
        var parts = bytes.Chunk(partBytes).ToList();
        entity["Parts"] = parts.Count;
        for (var i = 0; i < parts.Count; i++)
        {
            entity["B" + i.ToString(CultureInfo.InvariantCulture)] = parts[i];
        }
        return entity;
    }

    public static byte[] Read(TableEntity entity)
    {
        var parts = entity.GetInt32("Parts") ?? 0;
        if (parts == 1)
        {
            return entity.GetBinary("B0") ?? [];
        }
        var bytes = new List<byte>(parts * 64_000);
        for (var i = 0; i < parts; i++)
        {
            bytes.AddRange(entity.GetBinary("B" + i.ToString(CultureInfo.InvariantCulture)) ?? []);
        }
        return bytes.ToArray();
    }
}

/// <summary>Keys as Azure Tables takes them: '/', '\', '#', '?', '%' and control characters escaped as %XX.</summary>
internal static class TableKeys
{
    public static string Escape(string key)
    {
        if (!key.Any(NeedsEscape))
        {
            return key;
        }
        var builder = new StringBuilder(key.Length + 8);
        foreach (var c in key)
        {
            if (NeedsEscape(c))
            {
                foreach (var b in Encoding.UTF8.GetBytes(c.ToString()))
                {
                    builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
                }
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }

    private static bool NeedsEscape(char c) => c is '/' or '\\' or '#' or '?' or '%' || char.IsControl(c);
}

[JsonSerializable(typeof(LedgerHeader))]
internal sealed partial class LedgerJson : JsonSerializerContext;
