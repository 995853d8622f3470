using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansOrders.Grains.Stock.Ledger;

namespace OrleansOrders.Grains.Orders.Records;

/// <summary>
/// Order records in Azure Table storage, <see cref="OrderRecordPartitions.Count"/> partitions per
/// service (<c>{serviceId}_o{nn}</c>): each order's record is row <c>o|{orderId}</c> (binary, split over
/// properties of 64 KB) and its recovery entry row <c>t|{orderId}</c> (stamp and start) of the same
/// partition. A step's plan and its entry go in one entity-group transaction of two entities, and the
/// writes of several orders of a partition that arrive while its transaction is in flight go
/// together in the next one (up to 50 orders: group commit across orders, each on its own ETag); a
/// lone write with nothing pending is a single-entity replace. The first write of a transaction says it
/// carried the round trip (<see cref="OrderRecordVersion.RoundTrip"/>), so each is counted once. Reading an order is a point read of its
/// record, and a second of its entry only when the record's last write put one (<c>Tracked</c>): a
/// new order costs one read. (A query for both rows at once cost Azurite about 7 times a point read
/// here: 227 against 1,201-1,773 per second at 64 in flight.) The sweep lists a partition's entries
/// with one range query; entries leave in transactions of up to 100 deletes, each on the ETag its
/// remover saw.
/// </summary>
public sealed class AzureTableOrderRecordStore(TableServiceClient service, string serviceId, string tableName = AzureTableOrderRecordStore.DefaultTable, ILogger? logger = null)
    : IOrderRecordStore
{
    public const string DefaultTable = "OrleansOrdersOrders";
    private const int BinaryPropertyBytes = 64_000; // a binary property holds 64 KiB
    private const int MaxParts = 10;                // an entity holds 1 MiB (Azurite counts binary as base64)
    private const string RecordPrefix = "o|";
    private const string TrackPrefix = "t|";

    private readonly TableClient _table = service.GetTableClient(tableName);
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private Task? _created;

    public async Task<StoredOrderRecord?> ReadAsync(string orderId, CancellationToken cancellationToken = default)
    {
        await EnsureTable(cancellationToken);
        var partition = PartitionKey(OrderRecordPartitions.Of(orderId));
        var found = await _table.GetEntityIfExistsAsync<TableEntity>(partition, RecordPrefix + TableKeys.Escape(orderId), cancellationToken: cancellationToken);
        if (!found.HasValue || found.Value is not { } record)
        {
            return null;
        }
        TrackedOrder? track = null;
        if (record.GetBoolean("Tracked") is true)
        {
            var entry = await _table.GetEntityIfExistsAsync<TableEntity>(partition, TrackPrefix + TableKeys.Escape(orderId), cancellationToken: cancellationToken);
            track = entry.HasValue && entry.Value is { } e ? ToTracked(orderId, e) : null;
        }
        return new StoredOrderRecord(ReadBinary(record), record.ETag.ToString(), track);
    }

    public async Task<OrderRecordVersion> WriteAsync(string orderId, byte[] data, string? etag, TrackEntry? track, CancellationToken cancellationToken = default)
    {
        if (data.Length > BinaryPropertyBytes * MaxParts)
        {
            throw new InvalidOperationException($"Order record {orderId} of {data.Length} bytes does not fit one table entity.");
        }
        await EnsureTable(cancellationToken);
        var index = OrderRecordPartitions.Of(orderId);
        var partition = PartitionKey(index);
        var record = WriteBinary(new TableEntity(partition, RecordPrefix + TableKeys.Escape(orderId)), data);
        if (track is not null)
        {
            record["Tracked"] = true;
        }
        var write = new PendingWrite(orderId, record, etag, track is null ? null : TrackEntity(partition, orderId, track), data.Length);
        _writers[index].Enqueue(write, this);
        return await write.Done.Task;
    }

    /// <summary>Most orders in one transaction: two entities each, and a transaction takes 100.</summary>
    private const int MaxOrdersPerTransaction = 50;

    /// <summary>Most record bytes in one transaction (its request may carry 4 MiB; binary travels as base64).</summary>
    private const int MaxBytesPerTransaction = 2_000_000;

    private readonly PartitionWriter[] _writers = Enumerable.Range(0, OrderRecordPartitions.Count).Select(_ => new PartitionWriter()).ToArray();

    /// <summary>One order's write waiting for its partition's next transaction.</summary>
    private sealed class PendingWrite(string orderId, TableEntity record, string? etag, TableEntity? track, int bytes)
    {
        public string OrderId { get; } = orderId;

        public int Bytes { get; } = bytes;
        public TaskCompletionSource<OrderRecordVersion> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IEnumerable<TableTransactionAction> Actions()
        {
            yield return etag is null
                ? new TableTransactionAction(TableTransactionActionType.Add, record)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, record, new ETag(etag));
            if (track is not null)
            {
                yield return new TableTransactionAction(TableTransactionActionType.UpsertReplace, track);
            }
        }

        public int ActionCount => track is null ? 1 : 2;

        /// <summary>The write alone, outside a transaction when it is one entity (cheaper than a transaction of one).</summary>
        public async Task<OrderRecordVersion> WriteAlone(TableClient table)
        {
            if (track is null)
            {
                var response = etag is null
                    ? await table.AddEntityAsync(record)
                    : await table.UpdateEntityAsync(record, new ETag(etag), TableUpdateMode.Replace);
                return new OrderRecordVersion(response.Headers.ETag?.ToString() ?? throw MissingETag(), null);
            }
            var responses = (await table.SubmitTransactionAsync(Actions())).Value;
            return Version(responses, 0, roundTrip: true);
        }

        public OrderRecordVersion Version(IReadOnlyList<Response> responses, int first, bool roundTrip) => new(
            responses[first].Headers.ETag?.ToString() ?? throw MissingETag(),
            track is null ? null : responses[first + 1].Headers.ETag?.ToString() ?? throw MissingETag())
        {
            RoundTrip = roundTrip,
        };

        public void Fail(Exception ex) => Done.TrySetException(ex is RequestFailedException { Status: 409 or 412 }
            ? new OrderRecordConflictException($"Order record {OrderId} was written by someone else.", ex)
            : ex);
    }

    /// <summary>
    /// Group commit across orders: one transaction in flight per partition; the writes that arrive
    /// meanwhile go together in the next (each still on its own ETag). A conflict fails the whole
    /// transaction, so the order it names gets the conflict and the others go again without it.
    /// </summary>
    private sealed class PartitionWriter
    {
        private readonly Queue<PendingWrite> _waiting = new();
        private bool _writing;

        public void Enqueue(PendingWrite write, AzureTableOrderRecordStore store)
        {
            lock (_waiting)
            {
                _waiting.Enqueue(write);
                if (_writing)
                {
                    return;
                }
                _writing = true;
            }
            _ = Task.Run(() => Drain(store));
        }

        private List<PendingWrite>? Take()
        {
            lock (_waiting)
            {
                if (_waiting.Count == 0)
                {
                    _writing = false;
                    return null;
                }
                var batch = new List<PendingWrite>();
                var orders = new HashSet<string>(StringComparer.Ordinal);
                var bytes = 0;
                while (batch.Count < MaxOrdersPerTransaction && _waiting.TryPeek(out var next)
                       && (batch.Count == 0 || bytes + next.Bytes <= MaxBytesPerTransaction) && orders.Add(next.OrderId))
                {
                    bytes += next.Bytes;
                    batch.Add(_waiting.Dequeue());
                }
                return batch;
            }
        }

        private void PutBack(IEnumerable<PendingWrite> writes)
        {
            lock (_waiting)
            {
                var rest = _waiting.ToList();
                _waiting.Clear();
                foreach (var write in writes.Concat(rest))
                {
                    _waiting.Enqueue(write);
                }
            }
        }

        private async Task Drain(AzureTableOrderRecordStore store)
        {
            try
            {
                await DrainBatches(store);
            }
            catch (Exception ex)
            {
                // Not a storage answer (those fail their writes below): never leave the partition stuck.
                store._logger.LogError(ex, "Order records: a partition's writer stopped; failing what waits and starting afresh");
                lock (_waiting)
                {
                    while (_waiting.TryDequeue(out var write))
                    {
                        write.Fail(ex);
                    }
                    _writing = false;
                }
            }
        }

        private async Task DrainBatches(AzureTableOrderRecordStore store)
        {
            while (Take() is { } batch)
            {
                if (batch.Count == 1)
                {
                    try
                    {
                        batch[0].Done.TrySetResult(await batch[0].WriteAlone(store._table));
                    }
                    catch (Exception ex)
                    {
                        batch[0].Fail(ex);
                    }
                    continue;
                }
                try
                {
                    var responses = (await store._table.SubmitTransactionAsync(batch.SelectMany(w => w.Actions()).ToList())).Value;
                    var at = 0;
                    for (var i = 0; i < batch.Count; i++)
                    {
                        batch[i].Done.TrySetResult(batch[i].Version(responses, at, roundTrip: i == 0));
                        at += batch[i].ActionCount;
                    }
                }
                catch (TableTransactionFailedException ex) when (ex.FailedTransactionActionIndex is { } failed)
                {
                    // Nothing of the transaction landed: the write it names fails, the others go again.
                    var at = 0;
                    var culprit = batch.First(w => (at += w.ActionCount) > failed);
                    culprit.Fail(ex);
                    PutBack(batch.Where(w => w != culprit));
                }
                catch (Exception ex)
                {
                    foreach (var write in batch)
                    {
                        write.Fail(ex);
                    }
                }
            }
        }
    }

    public async Task<string> TrackAsync(string orderId, TrackEntry track, CancellationToken cancellationToken = default)
    {
        await EnsureTable(cancellationToken);
        var response = await _table.UpsertEntityAsync(TrackEntity(PartitionKey(OrderRecordPartitions.Of(orderId)), orderId, track), TableUpdateMode.Replace, cancellationToken);
        return response.Headers.ETag?.ToString() ?? throw MissingETag();
    }

    public async Task UntrackAsync(IReadOnlyList<TrackedOrder> entries, CancellationToken cancellationToken = default)
    {
        await EnsureTable(cancellationToken);
        foreach (var byPartition in entries.GroupBy(e => OrderRecordPartitions.Of(e.OrderId)))
        {
            var partition = PartitionKey(byPartition.Key);
            // One delete per order in a transaction (a batch may not name an entity twice).
            foreach (var batch in byPartition.DistinctBy(e => e.OrderId, StringComparer.Ordinal).Chunk(100))
            {
                try
                {
                    await _table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.Delete,
                        new TableEntity(partition, TrackPrefix + TableKeys.Escape(e.OrderId)), new ETag(e.ETag))), cancellationToken);
                }
                catch (TableTransactionFailedException ex) when (ex.Status is 404 or 412)
                {
                    // One entry was gone or put again since: the transaction took none; each on its own.
                    foreach (var entry in batch)
                    {
                        try
                        {
                            await _table.DeleteEntityAsync(partition, TrackPrefix + TableKeys.Escape(entry.OrderId), new ETag(entry.ETag), cancellationToken);
                        }
                        catch (RequestFailedException single) when (single.Status is 404 or 412)
                        {
                            _logger.LogDebug("Recovery entry of {Order} was already gone or moved on", entry.OrderId);
                        }
                    }
                }
            }
        }
    }

    public async Task<IReadOnlyList<TrackedOrder>> TrackedAsync(int partition, CancellationToken cancellationToken = default)
    {
        await EnsureTable(cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey(partition)} and RowKey ge {TrackPrefix} and RowKey lt {"t}"}");
        var entries = new List<TrackedOrder>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            entries.Add(ToTracked(Uri.UnescapeDataString(entity.RowKey[TrackPrefix.Length..]), entity));
        }
        return entries;
    }

    private string PartitionKey(int partition) =>
        TableKeys.Escape(serviceId + "_o" + partition.ToString("D2", CultureInfo.InvariantCulture));

    private static TableEntity TrackEntity(string partition, string orderId, TrackEntry track) =>
        new(partition, TrackPrefix + TableKeys.Escape(orderId)) { ["Stamp"] = track.Stamp, ["TrackedAt"] = track.TrackedAt };

    private static TrackedOrder ToTracked(string orderId, TableEntity entity) =>
        new(orderId, entity.GetInt64("Stamp") ?? 0, entity.GetDateTimeOffset("TrackedAt") ?? DateTimeOffset.MinValue, entity.ETag.ToString());

    private static InvalidOperationException MissingETag() => new("The table answered an order record write without an ETag.");

    private Task EnsureTable(CancellationToken cancellationToken) =>
        _created is { IsCompletedSuccessfully: true } ? Task.CompletedTask : _created = _table.CreateIfNotExistsAsync(cancellationToken);

    private static TableEntity WriteBinary(TableEntity entity, byte[] bytes) => TableBinary.Write(entity, bytes, BinaryPropertyBytes);

    private static byte[] ReadBinary(TableEntity entity) => TableBinary.Read(entity);
}
