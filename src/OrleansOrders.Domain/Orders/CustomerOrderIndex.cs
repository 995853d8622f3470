using OrleansOrders.Stock;

namespace OrleansOrders.Orders;

/// <summary>
/// A customer's orders, for customer service: one row per order (kind
/// <see cref="LedgerRowKind.CustomerOrder"/>, its time the order's acceptance), so a flush writes the
/// orders added since the last one, however many the customer has. (As one record rewritten whole,
/// a business customer with tens of thousands of orders rewrote all of them every flush, and past
/// about 1 MB Azure Table refuses the record for good.) Adding is idempotent: the event stream may
/// deliver an order twice. Not thread-safe: it lives in one grain activation.
/// </summary>
public sealed class CustomerOrderIndex
{
    /// <summary>Rows one write carries at most (a store's transaction has a size limit).</summary>
    public const int MaxRowsPerWrite = StockLedger.MaxRowsPerWrite;

    private readonly Dictionary<string, DateTimeOffset> _orders = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unwritten = new(StringComparer.Ordinal); // added, not yet handed to a write
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);     // handed to the write in flight

    public int Count => _orders.Count;

    /// <summary>Orders added that no write has carried yet.</summary>
    public int Unwritten => _unwritten.Count;

    /// <summary>The index as stored: rows of other kinds are not the index's and are refused.</summary>
    public static CustomerOrderIndex Restore(IEnumerable<LedgerRow> rows)
    {
        var index = new CustomerOrderIndex();
        foreach (var row in rows)
        {
            if (row.Kind != LedgerRowKind.CustomerOrder)
            {
                throw new InvalidDataException($"A customer's order index holds customer orders only; found a {row.Kind} row ({row.Id}).");
            }
            index._orders[row.Id] = row.At;
        }
        return index;
    }

    /// <summary>Adds an order; false (and no change) when it is there already.</summary>
    public bool Add(string orderId, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        if (orderId.Contains('|', StringComparison.Ordinal))
        {
            throw new ArgumentException("An order id must not contain '|'.", nameof(orderId));
        }
        if (!_orders.TryAdd(orderId, at))
        {
            return false;
        }
        _unwritten.Add(orderId);
        return true;
    }

    /// <summary>Order ids, newest first (ties by id, so the answer is stable).</summary>
    public List<string> NewestFirst() =>
        _orders.OrderByDescending(o => o.Value).ThenBy(o => o.Key, StringComparer.Ordinal).Select(o => o.Key).ToList();

    /// <summary>
    /// Hands at most <see cref="MaxRowsPerWrite"/> of the unwritten orders to one write (the rest wait
    /// for the next); null when none. Call <see cref="Written"/> when it succeeded and
    /// <see cref="Failed"/> when it did not.
    /// </summary>
    public LedgerChanges? TakeChanges()
    {
        if (_unwritten.Count == 0)
        {
            return null;
        }
        var rows = new List<LedgerRowChange>(Math.Min(_unwritten.Count, MaxRowsPerWrite));
        foreach (var orderId in _unwritten)
        {
            if (rows.Count == MaxRowsPerWrite)
            {
                break;
            }
            rows.Add(new LedgerRowChange(LedgerRow.KeyOf(LedgerRowKind.CustomerOrder, orderId), Row(orderId, _orders[orderId])));
            _taken.Add(orderId);
        }
        _unwritten.ExceptWith(_taken);
        return new LedgerChanges(LedgerHeader.Empty, rows);
    }

    /// <summary>The write of the last <see cref="TakeChanges"/> succeeded.</summary>
    public void Written() => _taken.Clear();

    /// <summary>The write of the last <see cref="TakeChanges"/> failed: what it carried waits for the next.</summary>
    public void Failed()
    {
        _unwritten.UnionWith(_taken);
        _taken.Clear();
    }

    /// <summary>The rows storage holds once the write in flight lands (for a store that writes a snapshot): not those still unwritten.</summary>
    public List<LedgerRow> StoredRows()
    {
        var rows = new List<LedgerRow>(_orders.Count - _unwritten.Count);
        foreach (var (orderId, at) in _orders)
        {
            if (!_unwritten.Contains(orderId))
            {
                rows.Add(Row(orderId, at));
            }
        }
        return rows;
    }

    /// <summary>Every order in memory with its time (to add again on top of a reload after a failed write).</summary>
    public IEnumerable<KeyValuePair<string, DateTimeOffset>> Entries => _orders;

    private static LedgerRow Row(string orderId, DateTimeOffset at) => new(LedgerRowKind.CustomerOrder, orderId, 0, at);
}
