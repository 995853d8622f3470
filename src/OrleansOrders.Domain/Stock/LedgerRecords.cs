namespace OrleansOrders.Stock;

/// <summary>Units only some channels may take.</summary>
public sealed record LedgerReserve(int Quantity, IReadOnlyList<string> Channels)
{
    public bool Allows(string? channel) => channel is not null && Channels.Contains(channel, StringComparer.Ordinal);
}

/// <summary>A delivery expected at the node.</summary>
public sealed record LedgerReceipt(string ReceiptId, int Quantity, DateOnly ExpectedOn);

/// <summary>Units of expected receipts promised to a backordered order, in the order promised.</summary>
public sealed record LedgerPromise(string OrderId, int Quantity);

/// <summary>
/// The small, always-rewritten part of a ledger: levels, lifetime counters and the terms (reserve,
/// receipts, promises; each bounded). Its size does not depend on how many orders the stock has seen.
/// </summary>
public sealed record LedgerHeader(
    int OnHand,
    int SafetyStock,
    long Received,
    long Adjusted,
    long Shipped,
    long Restocked,
    LedgerReserve? Reserve,
    IReadOnlyList<LedgerReceipt> Receipts,
    IReadOnlyList<LedgerPromise> Promises)
{
    public static readonly LedgerHeader Empty = new(0, 0, 0, 0, 0, 0, null, [], []);
}

/// <summary>What a row of the ledger records; its key says which reservation, operation or receipt.</summary>
public enum LedgerRowKind
{
    /// <summary>An open commitment: <see cref="LedgerRow.Quantity"/> units promised to a reservation.</summary>
    Commitment = 0,
    /// <summary>A reservation released after commit (tombstone): a late commit must not revive it.</summary>
    Released = 1,
    /// <summary>A reservation shipped with <see cref="LedgerRow.Quantity"/> units: a replay answers the same.</summary>
    Shipped = 2,
    /// <summary>A restock, adjustment, receipt or level operation already applied (idempotency).</summary>
    Operation = 3,
    /// <summary>A receipt id a delivery was received under: declaring it as expected again would count it twice.</summary>
    ReceivedReceipt = 4,
    /// <summary>An order in a SKU's waiting list (see <see cref="WaitingList"/>); <see cref="LedgerRow.At"/> is its place in line.</summary>
    WaitingOrder = 5,
    /// <summary>An order in a customer's order index (see <c>CustomerOrderIndex</c>); <see cref="LedgerRow.At"/> is when it was accepted.</summary>
    CustomerOrder = 6,
    /// <summary>An order waiting for a node's release wave (see <c>ReleaseWaveList</c>); <see cref="LedgerRow.At"/> is when it is due.</summary>
    WaveEntry = 7,
}

/// <summary>One row of the ledger. Rows are written one by one, so a write costs what changed.</summary>
public sealed record LedgerRow(LedgerRowKind Kind, string Id, int Quantity, DateTimeOffset At)
{
    /// <summary>The row's key in its partition: a kind prefix and the id (ids never contain '|').</summary>
    public string Key => KeyOf(Kind, Id);

    public static string KeyOf(LedgerRowKind kind, string id) => kind switch
    {
        LedgerRowKind.Commitment => "c|" + id,
        LedgerRowKind.Released or LedgerRowKind.Shipped => "x|" + id,
        LedgerRowKind.Operation => "o|" + id,
        LedgerRowKind.WaitingOrder => "w|" + id,
        LedgerRowKind.CustomerOrder => "a|" + id,
        LedgerRowKind.WaveEntry => "v|" + id,
        _ => "r|" + id,
    };
}

/// <summary>A row to put (insert or replace) or, with <see cref="Row"/> null, to delete.</summary>
public sealed record LedgerRowChange(string Key, LedgerRow? Row);

/// <summary>One durable step of a ledger: the header as it now is, and the rows that changed since the last step.</summary>
public sealed record LedgerChanges(LedgerHeader Header, IReadOnlyList<LedgerRowChange> Rows);

/// <summary>A hold's state in memory: units, when it lapses, and the attempt that made it.</summary>
public readonly record struct LedgerHold(int Quantity, DateTimeOffset ExpiresAt, string? Attempt);

public enum HoldDecision { Granted, Insufficient, Closed }

public enum CommitDecision { Committed, Insufficient, Released }

/// <summary>Why a ledger operation was refused: bad input that must change nothing.</summary>
public sealed class LedgerRuleException(string message) : ArgumentException(message);
