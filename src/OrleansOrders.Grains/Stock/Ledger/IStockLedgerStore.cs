using OrleansOrders.Stock;

namespace OrleansOrders.Grains.Stock.Ledger;

/// <summary>
/// Where stock ledgers live. A write replaces the header (levels, counters, terms) and puts or deletes
/// the rows that changed, atomically, if the ledger is still at the version read; so a write costs
/// what changed, never what the ledger holds. How rows are laid out is the store's business (the
/// Azure Table store keeps a log of changes and snapshots; see <see cref="AzureTableStockLedgerStore"/>).
/// </summary>
public interface IStockLedgerStore
{
    /// <summary>The ledger of <paramref name="stockKey"/>, or null when it was never written.</summary>
    Task<StoredLedger?> ReadAsync(string stockKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <paramref name="changes"/> atomically when the stored ledger is still at <paramref name="version"/>
    /// (null: it must not exist yet); answers the new version. <paramref name="currentRows"/> gives every
    /// row of the ledger as it is after these changes, for a store that decides to write a snapshot;
    /// the store calls it, if at all, before its first await. Throws
    /// <see cref="LedgerWriteConflictException"/> when another writer got there first.
    /// </summary>
    Task<LedgerVersion> WriteAsync(string stockKey, LedgerChanges changes, LedgerVersion? version, Func<IReadOnlyCollection<LedgerRow>> currentRows, CancellationToken cancellationToken = default);
}

public sealed record StoredLedger(LedgerHeader Header, IReadOnlyList<LedgerRow> Rows, LedgerVersion Version);

/// <summary>Where a writer stands in its stored ledger: the ETag a write must match, and the store's own bookkeeping.</summary>
public sealed record LedgerVersion(string ETag, long Sequence = 0, long SnapshotSequence = 0, int SnapshotPages = 0,
    long LogRowsSinceSnapshot = 0, long LogBytesSinceSnapshot = 0, long SnapshotBytes = 0)
{
    /// <summary>The changes the stored header carries (the Azure Table store's latest writes), which the next write resends.</summary>
    public byte[] Inline { get; init; } = [];
}

/// <summary>The stored ledger moved on since it was read (another activation wrote it): reload before deciding again.</summary>
public sealed class LedgerWriteConflictException(string message, Exception? inner = null) : Exception(message, inner);
