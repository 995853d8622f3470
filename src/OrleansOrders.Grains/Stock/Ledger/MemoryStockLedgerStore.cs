using System.Collections.Concurrent;
using OrleansOrders.Stock;

namespace OrleansOrders.Grains.Stock.Ledger;

/// <summary>
/// The embedded default's ledger store, with the same semantics as the Azure Table store: atomic
/// writes of a header and rows, ETags checked, at most <see cref="StockLedger.MaxRowsPerWrite"/> rows a
/// write, and a delete of a row that is not there refused (as a transaction would be). It lives in the
/// process, outside the silos, so every silo of an in-process cluster sees one store and a silo that
/// stops does not take ledgers with it; a cluster of several processes uses the Azure Table store.
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
                : new StoredLedger(partition.Header, partition.Rows.Values.ToList(), new LedgerVersion(partition.ETag!)));
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
            foreach (var change in changes.Rows)
            {
                if (change.Row is null)
                {
                    partition.Rows.Remove(change.Key);
                }
                else
                {
                    partition.Rows[change.Key] = change.Row;
                }
            }
            partition.Header = changes.Header;
            partition.ETag = Interlocked.Increment(ref _etag).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Task.FromResult(new LedgerVersion(partition.ETag));
        }
    }

    private sealed class Partition
    {
        public LedgerHeader? Header;
        public string? ETag;
        public readonly Dictionary<string, LedgerRow> Rows = new(StringComparer.Ordinal);
    }
}
