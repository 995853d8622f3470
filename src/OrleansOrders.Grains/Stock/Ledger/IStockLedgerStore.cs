using OrleansOrders.Stock;

namespace OrleansOrders.Grains.Stock.Ledger;

/// <summary>
/// Where stock ledgers live: one partition per stock grain, holding a header (levels, counters, terms)
/// and one row per open commitment, closed reservation or applied operation. A write replaces the
/// header and puts or deletes the rows that changed, atomically, if the header's ETag is still the one
/// read; so a write costs what changed, never what the ledger holds.
/// </summary>
public interface IStockLedgerStore
{
    /// <summary>The ledger of <paramref name="stockKey"/>, or null when it was never written.</summary>
    Task<StoredLedger?> ReadAsync(string stockKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <paramref name="changes"/> atomically when the stored header still has <paramref name="etag"/>
    /// (null: the ledger must not exist yet); answers the new ETag. Throws
    /// <see cref="LedgerWriteConflictException"/> when another writer got there first.
    /// </summary>
    Task<string> WriteAsync(string stockKey, LedgerChanges changes, string? etag, CancellationToken cancellationToken = default);
}

public sealed record StoredLedger(LedgerHeader Header, IReadOnlyList<LedgerRow> Rows, string ETag);

/// <summary>The stored ledger moved on since it was read (another activation wrote it): reload before deciding again.</summary>
public sealed class LedgerWriteConflictException(string message, Exception? inner = null) : Exception(message, inner);
