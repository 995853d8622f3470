using System.Buffers.Binary;
using System.Collections.Concurrent;
using OrleansOrders.Stock;

namespace OrleansOrders.Grains.Stock.Ledger;

/// <summary>
/// The embedded default's ledger store, with the same semantics as the Azure Table store: atomic
/// writes of a header and rows, ETags checked, at most <see cref="StockLedger.MaxRowsPerWrite"/> rows a
/// write, and a delete of a row that is not there refused (as a transaction would be). It lives in the
/// process, outside the silos, so every silo of an in-process cluster sees one store and a silo that
/// stops does not take ledgers with it; a cluster of several processes uses the Azure Table store.
/// Rows are kept encoded in a <see cref="NativeTable"/> per ledger, outside the GC heap: in a long run
/// the rows (open commitments, customers' indexes) are most of what the grid holds, and as objects on
/// the heap they made it grow with the run.
/// </summary>
public sealed class MemoryStockLedgerStore : IStockLedgerStore
{
    private static readonly ConcurrentDictionary<string, MemoryStockLedgerStore> ByService = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, Partition> _partitions = new(StringComparer.Ordinal);
    private long _etag;

    /// <summary>The store every silo of one service and cluster in this process shares.</summary>
    public static MemoryStockLedgerStore ForService(string serviceKey) => ByService.GetOrAdd(serviceKey, _ => new MemoryStockLedgerStore());

    public Task<StoredLedger?> ReadAsync(string stockKey, CancellationToken cancellationToken = default)
    {
        if (!_partitions.TryGetValue(stockKey, out var partition))
        {
            return Task.FromResult<StoredLedger?>(null);
        }
        lock (partition)
        {
            return Task.FromResult<StoredLedger?>(partition.Header is null
                ? null
                : new StoredLedger(partition.Header, RowsOf(partition.Rows), new LedgerVersion(partition.ETag!)));
        }
    }

    public Task<LedgerVersion> WriteAsync(string stockKey, LedgerChanges changes, LedgerVersion? version, Func<IReadOnlyCollection<LedgerRow>> currentRows, CancellationToken cancellationToken = default)
    {
        if (changes.Rows.Count > StockLedger.MaxRowsPerWrite)
        {
            throw new InvalidOperationException($"A ledger write carries at most {StockLedger.MaxRowsPerWrite} rows; this one had {changes.Rows.Count}.");
        }
        var etag = version?.ETag;
        var partition = _partitions.GetOrAdd(stockKey, _ => new Partition());
        lock (partition)
        {
            if (partition.ETag != etag)
            {
                throw new LedgerWriteConflictException($"Ledger {stockKey} was written by someone else (ETag {partition.ETag ?? "none"}, expected {etag ?? "none"}).");
            }
            foreach (var change in changes.Rows)
            {
                if (change.Row is null && !partition.Rows.ContainsKey(change.Key))
                {
                    throw new InvalidOperationException($"Ledger {stockKey}: deleting row {change.Key}, which is not there.");
                }
            }
            Span<byte> encoded = stackalloc byte[RowBytes];
            foreach (var change in changes.Rows)
            {
                if (change.Row is null)
                {
                    partition.Rows.Remove(change.Key);
                }
                else
                {
                    partition.Rows.Set(change.Key, Encode(change.Row, encoded));
                }
            }
            partition.Header = changes.Header;
            partition.ETag = Interlocked.Increment(ref _etag).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Task.FromResult(new LedgerVersion(partition.ETag));
        }
    }

    // A row as stored: kind (1 byte), quantity (4), UTC ticks of At (8), its offset in minutes (2); the
    // id is the key after its two-character kind prefix (LedgerRow.KeyOf).
    private const int RowBytes = 15;

    private static ReadOnlySpan<byte> Encode(LedgerRow row, Span<byte> buffer)
    {
        buffer[0] = (byte)row.Kind;
        BinaryPrimitives.WriteInt32LittleEndian(buffer[1..], row.Quantity);
        BinaryPrimitives.WriteInt64LittleEndian(buffer[5..], row.At.UtcTicks);
        BinaryPrimitives.WriteInt16LittleEndian(buffer[13..], (short)row.At.Offset.TotalMinutes);
        return buffer[..RowBytes];
    }

    private static List<LedgerRow> RowsOf(NativeTable rows)
    {
        var list = new List<LedgerRow>(rows.Count);
        rows.ForEach(list, static (list, key, value) =>
        {
            var offset = TimeSpan.FromMinutes(BinaryPrimitives.ReadInt16LittleEndian(value[13..]));
            var at = new DateTimeOffset(BinaryPrimitives.ReadInt64LittleEndian(value[5..]) + offset.Ticks, offset);
            list.Add(new LedgerRow((LedgerRowKind)value[0], key[2..], BinaryPrimitives.ReadInt32LittleEndian(value[1..]), at));
        });
        return list;
    }

    private sealed class Partition
    {
        public LedgerHeader? Header;
        public string? ETag;
        public readonly NativeTable Rows = new();
    }
}
