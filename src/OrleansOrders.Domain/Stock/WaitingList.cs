namespace OrleansOrders.Stock;

/// <summary>
/// The orders waiting for stock of one SKU, first come first served. Each order is one row (kind
/// <see cref="LedgerRowKind.WaitingOrder"/>, keyed by the order, its place in line the time it joined),
/// so joining or leaving costs one row in the next write, however long the list is: a hot SKU's
/// backorders (tens of thousands) once made every join rewrite and re-serialise the whole list.
/// Membership, joining and leaving are O(log n); the first orders in line are read in order.
/// What changed since the last write is kept as the rows to put or delete, as in <see cref="StockLedger"/>:
/// a row joined and left again before a write is never written, and a row not stored is never deleted.
/// Not thread-safe: it lives in one grain activation.
/// </summary>
public sealed class WaitingList
{
    /// <summary>Rows one write carries at most (a store's transaction has a size limit).</summary>
    public const int MaxRowsPerWrite = StockLedger.MaxRowsPerWrite;

    private readonly Dictionary<string, DateTimeOffset> _joinedAt = new(StringComparer.Ordinal);
    private readonly SortedSet<(DateTimeOffset At, string OrderId)> _line = new(LineOrder.Instance);
    private readonly Dictionary<string, bool> _dirty = new(StringComparer.Ordinal); // key: whether the stored list had it
    private DateTimeOffset _lastJoin = DateTimeOffset.MinValue;

    public int Count => _joinedAt.Count;

    /// <summary>Something joined or left since the last <see cref="TakeChanges"/>.</summary>
    public bool HasChanges => _dirty.Count > 0;

    /// <summary>Whether one more join or leave fits the next write.</summary>
    public bool HasRoom => _dirty.Count < MaxRowsPerWrite;

    public bool Contains(string orderId) => _joinedAt.ContainsKey(orderId);

    /// <summary>The list as stored: rows of other kinds are not the list's and are refused.</summary>
    public static WaitingList Restore(IEnumerable<LedgerRow> rows)
    {
        var list = new WaitingList();
        foreach (var row in rows)
        {
            if (row.Kind != LedgerRowKind.WaitingOrder)
            {
                throw new InvalidDataException($"A waiting list holds waiting orders only; found a {row.Kind} row ({row.Id}).");
            }
            list.Add(row.Id, row.At);
        }
        return list;
    }

    /// <summary>
    /// Puts <paramref name="orderId"/> at the end of the line; false (and no change) when it already
    /// waits, so a replayed join keeps its place. Places are strictly increasing even when the clock
    /// stands still or steps back, so the line is the order of joining.
    /// </summary>
    public bool Join(string orderId, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        if (orderId.Contains('|', StringComparison.Ordinal))
        {
            throw new ArgumentException("An order id in a waiting list must not contain '|'.", nameof(orderId));
        }
        if (_joinedAt.ContainsKey(orderId))
        {
            return false;
        }
        Touch(orderId);
        Add(orderId, now > _lastJoin ? now : _lastJoin.AddTicks(1));
        return true;
    }

    /// <summary>Takes <paramref name="orderId"/> out of the line; false (and no change) when it was not waiting.</summary>
    public bool Leave(string orderId)
    {
        if (!_joinedAt.TryGetValue(orderId, out var at))
        {
            return false;
        }
        Touch(orderId);
        _joinedAt.Remove(orderId);
        _line.Remove((at, orderId));
        return true;
    }

    /// <summary>The first <paramref name="count"/> orders in line, first come first.</summary>
    public List<string> First(int count)
    {
        var first = new List<string>(Math.Min(count, _line.Count));
        foreach (var (_, orderId) in _line)
        {
            if (first.Count == count)
            {
                break;
            }
            first.Add(orderId);
        }
        return first;
    }

    /// <summary>The rows to put or delete since the last call, for one atomic write; null when nothing changed.</summary>
    public LedgerChanges? TakeChanges()
    {
        if (_dirty.Count == 0)
        {
            return null;
        }
        var rows = new List<LedgerRowChange>(_dirty.Count);
        foreach (var (orderId, stored) in _dirty)
        {
            var key = LedgerRow.KeyOf(LedgerRowKind.WaitingOrder, orderId);
            if (_joinedAt.TryGetValue(orderId, out var at))
            {
                rows.Add(new LedgerRowChange(key, Row(orderId, at)));
            }
            else if (stored)
            {
                rows.Add(new LedgerRowChange(key, null));
            }
        }
        _dirty.Clear();
        return new LedgerChanges(LedgerHeader.Empty, rows);
    }

    /// <summary>Every row of the list as it is now (for a store that writes a snapshot).</summary>
    public List<LedgerRow> Rows()
    {
        var rows = new List<LedgerRow>(_line.Count);
        foreach (var (at, orderId) in _line)
        {
            rows.Add(Row(orderId, at));
        }
        return rows;
    }

    private static LedgerRow Row(string orderId, DateTimeOffset at) => new(LedgerRowKind.WaitingOrder, orderId, 0, at);

    /// <summary>Notes, on the first change to an order since the last write, whether the stored list has it.</summary>
    private void Touch(string orderId) => _dirty.TryAdd(orderId, _joinedAt.ContainsKey(orderId));

    private void Add(string orderId, DateTimeOffset at)
    {
        _joinedAt[orderId] = at;
        _line.Add((at, orderId));
        if (at > _lastJoin)
        {
            _lastJoin = at;
        }
    }

    private sealed class LineOrder : IComparer<(DateTimeOffset At, string OrderId)>
    {
        public static readonly LineOrder Instance = new();

        public int Compare((DateTimeOffset At, string OrderId) x, (DateTimeOffset At, string OrderId) y)
        {
            var byTime = x.At.UtcTicks.CompareTo(y.At.UtcTicks);
            return byTime != 0 ? byTime : string.CompareOrdinal(x.OrderId, y.OrderId);
        }
    }
}
