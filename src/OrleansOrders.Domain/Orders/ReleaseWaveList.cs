using OrleansOrders.Stock;

namespace OrleansOrders.Orders;

/// <summary>
/// The orders waiting for one node's release wave, each with when it is due. Each order is one row
/// (kind <see cref="LedgerRowKind.WaveEntry"/>, keyed by the order, <see cref="LedgerRow.At"/> its due
/// time), so an enlistment or a release costs one row in the next write however many orders wait (a
/// wave of thousands once made every enlistment rewrite the whole list). Due entries are read in time
/// order. What changed since the last write is kept as rows to put or delete, as in <see cref="WaitingList"/>.
/// Not thread-safe: it lives in one grain activation.
/// </summary>
public sealed class ReleaseWaveList
{
    public const int MaxRowsPerWrite = StockLedger.MaxRowsPerWrite;

    private readonly Dictionary<string, DateTimeOffset> _due = new(StringComparer.Ordinal);
    private readonly SortedSet<(DateTimeOffset At, string OrderId)> _byTime = new(ByTime.Instance);
    private readonly Dictionary<string, bool> _dirty = new(StringComparer.Ordinal); // key: whether the stored list had it

    public int Count => _due.Count;

    /// <summary>Whether one more change fits the next write.</summary>
    public bool HasRoom => _dirty.Count < MaxRowsPerWrite;

    public DateTimeOffset? Earliest => _byTime.Count == 0 ? null : _byTime.Min.At;

    public DateTimeOffset? DueAt(string orderId) => _due.TryGetValue(orderId, out var at) ? at : null;

    public static ReleaseWaveList Restore(IEnumerable<LedgerRow> rows)
    {
        var list = new ReleaseWaveList();
        foreach (var row in rows)
        {
            if (row.Kind != LedgerRowKind.WaveEntry)
            {
                throw new InvalidDataException($"A release wave list holds wave entries only; found a {row.Kind} row ({row.Id}).");
            }
            list.Put(row.Id, row.At);
        }
        return list;
    }

    /// <summary>
    /// The order has a parcel due at <paramref name="at"/>: it is listed then, or kept at its earlier
    /// time when it is listed already (a replay, or a second parcel due later). Answers whether it changed.
    /// </summary>
    public bool Enlist(string orderId, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        if (orderId.Contains('|', StringComparison.Ordinal))
        {
            throw new ArgumentException("An order id in a wave list must not contain '|'.", nameof(orderId));
        }
        if (_due.TryGetValue(orderId, out var known) && known <= at)
        {
            return false;
        }
        Touch(orderId);
        Put(orderId, at);
        return true;
    }

    /// <summary>After the order was asked: it waits again until <paramref name="next"/>, or (null) leaves the list.</summary>
    public void Reschedule(string orderId, DateTimeOffset? next)
    {
        if (!_due.TryGetValue(orderId, out var at) || at == next)
        {
            return;
        }
        Touch(orderId);
        _byTime.Remove((at, orderId));
        _due.Remove(orderId);
        if (next is { } again)
        {
            Put(orderId, again);
        }
    }

    /// <summary>The orders due by <paramref name="now"/> (every one when <paramref name="all"/>), earliest first, with the time each was due.</summary>
    public List<(string OrderId, DateTimeOffset At)> Due(DateTimeOffset now, bool all = false)
    {
        var due = new List<(string, DateTimeOffset)>();
        foreach (var (at, orderId) in _byTime)
        {
            if (!all && at > now)
            {
                break;
            }
            due.Add((orderId, at));
        }
        return due;
    }

    /// <summary>The first <paramref name="count"/> entries, earliest first.</summary>
    public List<(string OrderId, DateTimeOffset At)> First(int count) => _byTime.Take(count).Select(e => (e.OrderId, e.At)).ToList();

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
            var key = LedgerRow.KeyOf(LedgerRowKind.WaveEntry, orderId);
            if (_due.TryGetValue(orderId, out var at))
            {
                rows.Add(new LedgerRowChange(key, Row(orderId, at)));
            }
            else if (stored)
            {
                rows.Add(new LedgerRowChange(key, null));
            }
        }
        _dirty.Clear();
        return rows.Count == 0 ? null : new LedgerChanges(LedgerHeader.Empty, rows); // enlisted and gone again between writes: nothing to write
    }

    /// <summary>Every row of the list as it is now (for a store that writes a snapshot).</summary>
    public List<LedgerRow> Rows() => _byTime.Select(e => Row(e.OrderId, e.At)).ToList();

    private static LedgerRow Row(string orderId, DateTimeOffset at) => new(LedgerRowKind.WaveEntry, orderId, 0, at);

    private void Touch(string orderId) => _dirty.TryAdd(orderId, _due.ContainsKey(orderId));

    private void Put(string orderId, DateTimeOffset at)
    {
        if (_due.Remove(orderId, out var old))
        {
            _byTime.Remove((old, orderId));
        }
        _due[orderId] = at;
        _byTime.Add((at, orderId));
    }

    private sealed class ByTime : IComparer<(DateTimeOffset At, string OrderId)>
    {
        public static readonly ByTime Instance = new();

        public int Compare((DateTimeOffset At, string OrderId) x, (DateTimeOffset At, string OrderId) y)
        {
            var byTime = x.At.UtcTicks.CompareTo(y.At.UtcTicks);
            return byTime != 0 ? byTime : string.CompareOrdinal(x.OrderId, y.OrderId);
        }
    }
}
