using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using OrleansOrders.Stock;

namespace OrleansOrders.Grains.Stock.Ledger;

/// <summary>
/// Stock ledgers in Azure Table storage: one partition per stock grain, a header entity and one entity
/// per row, each write one entity-group transaction (atomic, at most 100 entities: the header and
/// <see cref="StockLedger.MaxRowsPerWrite"/> rows) whose header replace carries the ETag read, so two
/// activations can never both write. Reading a ledger is one partition query.
/// </summary>
public sealed class AzureTableStockLedgerStore(TableServiceClient service, string tableName = AzureTableStockLedgerStore.DefaultTable) : IStockLedgerStore
{
    public const string DefaultTable = "OrleansOrdersStockLedger";
    private const string HeaderRowKey = "h";
    private const int ChunkChars = 30_000; // a string property holds 64 KiB (32K UTF-16 characters)
    private const int MaxChunks = 30;

    private readonly TableClient _table = service.GetTableClient(tableName);
    private Task? _created;

    public async Task<StoredLedger?> ReadAsync(string stockKey, CancellationToken cancellationToken = default)
    {
        await EnsureTable(cancellationToken);
        var partition = TableKeys.Escape(stockKey);
        LedgerHeader? header = null;
        string? etag = null;
        var rows = new List<LedgerRow>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken))
        {
            if (entity.RowKey == HeaderRowKey)
            {
                header = ReadHeader(entity);
                etag = entity.ETag.ToString();
                continue;
            }
            var key = TableKeys.Unescape(entity.RowKey);
            var kind = (LedgerRowKind)(entity.GetInt32("Kind") ?? 0);
            rows.Add(new LedgerRow(kind, key[2..], entity.GetInt32("Qty") ?? 0, entity.GetDateTimeOffset("At") ?? default));
        }
        return header is null ? null : new StoredLedger(header, rows, etag!);
    }

    public async Task<string> WriteAsync(string stockKey, LedgerChanges changes, string? etag, CancellationToken cancellationToken = default)
    {
        if (changes.Rows.Count > StockLedger.MaxRowsPerWrite)
        {
            throw new InvalidOperationException($"A ledger write carries at most {StockLedger.MaxRowsPerWrite} rows; this one had {changes.Rows.Count}.");
        }
        await EnsureTable(cancellationToken);
        var partition = TableKeys.Escape(stockKey);
        var header = WriteHeader(partition, changes.Header);
        var actions = new List<TableTransactionAction>(changes.Rows.Count + 1)
        {
            etag is null
                ? new TableTransactionAction(TableTransactionActionType.Add, header)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, header, new ETag(etag)),
        };
        foreach (var change in changes.Rows)
        {
            var rowKey = TableKeys.Escape(change.Key);
            actions.Add(change.Row is { } row
                ? new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partition, rowKey)
                {
                    ["Kind"] = (int)row.Kind,
                    ["Qty"] = row.Quantity,
                    ["At"] = row.At == default ? null : row.At,
                })
                : new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, rowKey), ETag.All));
        }
        try
        {
            var response = await _table.SubmitTransactionAsync(actions, cancellationToken);
            return response.Value[0].Headers.ETag?.ToString() ?? throw new InvalidOperationException("The table answered a ledger write without an ETag.");
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 && ex.FailedTransactionActionIndex is 0)
        {
            throw new LedgerWriteConflictException($"Ledger {stockKey} was written by someone else.", ex);
        }
    }

    private Task EnsureTable(CancellationToken cancellationToken) =>
        _created is { IsCompletedSuccessfully: true } ? Task.CompletedTask : _created = _table.CreateIfNotExistsAsync(cancellationToken);

    private static TableEntity WriteHeader(string partition, LedgerHeader header)
    {
        var json = JsonSerializer.Serialize(header, LedgerJson.Default.LedgerHeader);
        var chunks = (json.Length + ChunkChars - 1) / ChunkChars;
        if (chunks > MaxChunks)
        {
            throw new InvalidOperationException($"A ledger header of {json.Length} characters does not fit one table entity.");
        }
        var entity = new TableEntity(partition, HeaderRowKey) { ["Chunks"] = chunks };
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

    public static string Unescape(string key) => key.Contains('%') ? Uri.UnescapeDataString(key) : key;

    private static bool NeedsEscape(char c) => c is '/' or '\\' or '#' or '?' or '%' || char.IsControl(c);
}

[JsonSerializable(typeof(LedgerHeader))]
internal sealed partial class LedgerJson : JsonSerializerContext;
