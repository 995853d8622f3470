namespace OrleansOrders.Stock;

/// <summary>
/// The stock of one SKU at one node: on hand, safety stock, holds, commitments, the channel reserve,
/// expected receipts and the promises made of them. It decides every stock operation in memory and
/// records what changed as rows, so a durable write carries the change and never the history: a
/// ledger with 200,000 open commitments writes a commit as cheaply as one with ten.
/// <para>
/// Holds live in memory only (losing one can only free stock: a commit re-checks availability).
/// Totals (held, committed) are kept as running sums and re-derived by <see cref="CheckInvariants"/>.
/// Closed reservations and applied operations are kept for <c>retention</c> (see
/// <see cref="TakeChanges"/>), then forgotten: the order side makes its pending work durable as done
/// before that bound, so nothing replays against a forgotten record.
/// </para>
/// Not thread-safe: its owner (a grain) runs one call at a time between awaits.
/// </summary>
public sealed class StockLedger
{
    /// <summary>
    /// Rows one durable write may carry: what fits one 64 KiB log entry of the Azure Table store at the
    /// longest ids. Callers that find the next write full wait for the write in flight.
    /// </summary>
    public const int MaxRowsPerWrite = 400;

    /// <summary>The most rows one operation changes (a ship deletes the commitment and writes its tombstone).</summary>
    public const int MaxRowsPerOperation = 2;

    public const int MaxReceipts = 100;
    public const int MaxUnits = 10_000_000;

    private readonly Dictionary<string, int> _commitments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LedgerRow> _closed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _operations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _receivedReceipts = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, DateTimeOffset At)> _expiring = new();
    private readonly Dictionary<string, LedgerHold> _holds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DirtyRow> _dirty = new(StringComparer.Ordinal);
    private readonly List<string> _scratch = [];
    private List<LedgerReceipt> _receipts = [];
    private List<LedgerPromise> _promises = [];
    private DateTimeOffset _nextExpiry = DateTimeOffset.MaxValue;
    private bool _headerDirty;

    public int OnHand { get; private set; }
    public int SafetyStock { get; private set; }
    public long Received { get; private set; }
    public long Adjusted { get; private set; }
    public long Shipped { get; private set; }
    public long Restocked { get; private set; }
    public LedgerReserve? Reserve { get; private set; }
    public int Held { get; private set; }
    public int Committed { get; private set; }

    /// <summary>What can still be promised: on hand less safety stock, committed and live holds. Negative when safety stock or a count left less than is promised.</summary>
    public int Free => OnHand - SafetyStock - Committed - Held;

    /// <summary>What a storefront or bid may count on: never below zero (one meaning for every view of availability).</summary>
    public int Available => Math.Max(0, Free);

    public IReadOnlyDictionary<string, int> Commitments => _commitments;
    public IReadOnlyDictionary<string, LedgerHold> Holds => _holds;
    public IReadOnlyList<LedgerReceipt> Receipts => _receipts;
    public IReadOnlyList<LedgerPromise> Promises => _promises;

    /// <summary>Changes not yet handed to a write.</summary>
    public bool HasChanges => _headerDirty || _dirty.Count > 0;

    /// <summary>Whether one more operation fits in the next write (else the caller waits for the write in flight).</summary>
    public bool HasRoom => _dirty.Count + MaxRowsPerOperation <= MaxRowsPerWrite;

    public static StockLedger Restore(LedgerHeader header, IEnumerable<LedgerRow> rows)
    {
        var ledger = new StockLedger
        {
            OnHand = header.OnHand,
            SafetyStock = header.SafetyStock,
            Received = header.Received,
            Adjusted = header.Adjusted,
            Shipped = header.Shipped,
            Restocked = header.Restocked,
            Reserve = header.Reserve,
            _receipts = [.. header.Receipts],
            _promises = [.. header.Promises],
        };
        var expiring = new List<(string, DateTimeOffset)>();
        foreach (var row in rows)
        {
            switch (row.Kind)
            {
                case LedgerRowKind.Commitment:
                    ledger._commitments[row.Id] = row.Quantity;
                    ledger.Committed += row.Quantity;
                    break;
                case LedgerRowKind.Released or LedgerRowKind.Shipped:
                    ledger._closed[row.Id] = row;
                    break;
                case LedgerRowKind.Operation:
                    ledger._operations[row.Id] = row.At;
                    break;
                case LedgerRowKind.ReceivedReceipt:
                    ledger._receivedReceipts[row.Id] = row.At;
                    break;
            }
            if (row.Kind != LedgerRowKind.Commitment)
            {
                expiring.Add((row.Key, row.At));
            }
        }
        foreach (var entry in expiring.OrderBy(e => e.Item2))
        {
            ledger._expiring.Enqueue(entry);
        }
        return ledger;
    }

    public LedgerHeader Header => new(OnHand, SafetyStock, Received, Adjusted, Shipped, Restocked, Reserve, [.. _receipts], [.. _promises]);

    /// <summary>Units a hold for <paramref name="channel"/> must leave alone.</summary>
    public int ReservedAgainst(string? channel) => Reserve is { } reserve && !reserve.Allows(channel) ? reserve.Quantity : 0;

    public bool IsClosed(string reservationId) => _closed.ContainsKey(reservationId);

    // ---- holds ---------------------------------------------------------------------------------

    /// <summary>
    /// Sets the reservation's hold to <paramref name="quantity"/> (a replay or a re-hold counts what it
    /// already holds) if that much is free to <paramref name="channel"/>; refused for a reservation that
    /// is committed or closed.
    /// </summary>
    public (HoldDecision Decision, int Available) Hold(string reservationId, int quantity, DateTimeOffset expiresAt, string? channel, string? attempt = null)
    {
        Positive(quantity, nameof(quantity));
        if (_commitments.ContainsKey(reservationId) || _closed.ContainsKey(reservationId))
        {
            return (HoldDecision.Closed, Available);
        }
        var previous = _holds.TryGetValue(reservationId, out var existing) ? existing.Quantity : 0;
        var forChannel = Free + previous - ReservedAgainst(channel);
        if (forChannel < quantity)
        {
            return (HoldDecision.Insufficient, Math.Max(0, forChannel));
        }
        _holds[reservationId] = new LedgerHold(quantity, expiresAt, attempt);
        Held += quantity - previous;
        if (expiresAt < _nextExpiry)
        {
            _nextExpiry = expiresAt;
        }
        return (HoldDecision.Granted, Available);
    }

    /// <summary>
    /// Drops the reservation's hold, and only a hold: a router giving back what it held can never
    /// release a commitment. With <paramref name="attempt"/> set, only a hold made by that attempt goes
    /// (a late router of an earlier attempt cannot drop the retry's hold). Answers the units freed.
    /// </summary>
    public int DropHold(string reservationId, string? attempt = null)
    {
        if (!_holds.TryGetValue(reservationId, out var hold) || (attempt is not null && hold.Attempt != attempt))
        {
            return 0;
        }
        _holds.Remove(reservationId);
        Held -= hold.Quantity;
        return hold.Quantity;
    }

    /// <summary>Drops holds whose time is up; cheap unless the earliest expiry has passed. Answers how many lapsed.</summary>
    public int ExpireHolds(DateTimeOffset now)
    {
        if (now < _nextExpiry)
        {
            return 0;
        }
        var next = DateTimeOffset.MaxValue;
        _scratch.Clear();
        foreach (var (id, hold) in _holds)
        {
            if (hold.ExpiresAt <= now)
            {
                _scratch.Add(id);
            }
            else if (hold.ExpiresAt < next)
            {
                next = hold.ExpiresAt;
            }
        }
        foreach (var id in _scratch)
        {
            Held -= _holds[id].Quantity;
            _holds.Remove(id);
        }
        _nextExpiry = next;
        return _scratch.Count;
    }

    /// <summary>When the earliest hold lapses (MaxValue: none held).</summary>
    public DateTimeOffset NextHoldExpiry => _holds.Count == 0 ? DateTimeOffset.MaxValue : _nextExpiry;

    /// <summary>
    /// After state was reloaded from storage: holds for reservations the stored state has committed or
    /// closed go, and holds granted on availability that never became durable go too, latest expiry
    /// first, until what is held fits again (a hold is a promise only while it fits).
    /// </summary>
    public int TrimHoldsToFit()
    {
        var dropped = 0;
        foreach (var id in _holds.Keys.Where(id => _commitments.ContainsKey(id) || _closed.ContainsKey(id)).ToList())
        {
            dropped += DropHold(id) > 0 ? 1 : 0;
        }
        while (Free < 0 && _holds.Count > 0)
        {
            var latest = _holds.MaxBy(h => (h.Value.ExpiresAt, h.Key));
            DropHold(latest.Key);
            dropped++;
        }
        return dropped;
    }

    /// <summary>Takes over the holds of the ledger this one replaces (state reloaded after a failed write), then trims them to fit.</summary>
    public int AdoptHolds(StockLedger previous)
    {
        foreach (var (id, hold) in previous._holds)
        {
            _holds[id] = hold;
            Held += hold.Quantity;
            if (hold.ExpiresAt < _nextExpiry)
            {
                _nextExpiry = hold.ExpiresAt;
            }
        }
        return TrimHoldsToFit();
    }

    // ---- reservations --------------------------------------------------------------------------

    /// <summary>
    /// Turns the reservation's hold into a commitment. Without a live hold (it lapsed, or was lost with
    /// an activation) the stock must still be free of other holds and of the reserve for the channel.
    /// A replay answers the first commit; a released or shipped reservation is never revived.
    /// </summary>
    public (CommitDecision Decision, int Quantity) Commit(string reservationId, int quantity, string? channel)
    {
        Positive(quantity, nameof(quantity));
        if (_commitments.TryGetValue(reservationId, out var already))
        {
            return (CommitDecision.Committed, already);
        }
        if (_closed.ContainsKey(reservationId))
        {
            return (CommitDecision.Released, 0);
        }
        var heldHere = DropHold(reservationId);
        // Committed stock must always fit within on hand less safety stock. With a live hold that is the
        // only check; without one the stock must also be free of other orders' holds.
        var fits = Committed + quantity <= OnHand - SafetyStock &&
                   (heldHere >= quantity || Free + heldHere - ReservedAgainst(channel) >= quantity);
        if (!fits)
        {
            return (CommitDecision.Insufficient, 0);
        }
        SetCommitment(reservationId, quantity);
        return (CommitDecision.Committed, quantity);
    }

    /// <summary>
    /// Frees what the reservation holds or has committed (an order cancelled). A released commitment
    /// leaves a tombstone so a late commit cannot revive it. Answers the units freed (0 on a replay).
    /// </summary>
    public int Release(string reservationId, DateTimeOffset now)
    {
        var held = DropHold(reservationId);
        if (!_commitments.TryGetValue(reservationId, out var committed))
        {
            return held;
        }
        RemoveCommitment(reservationId, committed);
        Close(new LedgerRow(LedgerRowKind.Released, reservationId, committed, now));
        return held + committed;
    }

    /// <summary>The reservation's committed units leave the building (at most what is on hand). A replay answers the units shipped first.</summary>
    public (int Units, bool Replay) Ship(string reservationId, DateTimeOffset now)
    {
        if (_closed.TryGetValue(reservationId, out var closed))
        {
            return (closed.Kind == LedgerRowKind.Shipped ? closed.Quantity : 0, true);
        }
        if (!_commitments.TryGetValue(reservationId, out var units))
        {
            return (0, false); // nothing committed under this id: nothing leaves
        }
        RemoveCommitment(reservationId, units);
        // A count may have found fewer units than were committed: what is not there cannot leave (a
        // short pick), and on hand never goes below zero.
        var shipped = Math.Min(units, OnHand);
        OnHand -= shipped;
        Shipped += shipped;
        _headerDirty = true;
        Close(new LedgerRow(LedgerRowKind.Shipped, reservationId, shipped, now));
        return (shipped, false);
    }

    /// <summary>Lowers a commitment to <paramref name="quantity"/> (a line cancelled in part); only ever lowers, so a replay is a no-op.</summary>
    public (int Quantity, bool Changed) Reduce(string reservationId, int quantity, DateTimeOffset now)
    {
        if (quantity < 0)
        {
            throw new LedgerRuleException("quantity must not be negative.");
        }
        if (!_commitments.TryGetValue(reservationId, out var committed))
        {
            return (0, false);
        }
        if (quantity >= committed)
        {
            return (committed, false);
        }
        if (quantity == 0)
        {
            RemoveCommitment(reservationId, committed);
            Close(new LedgerRow(LedgerRowKind.Released, reservationId, committed, now));
        }
        else
        {
            Committed -= committed;
            SetCommitment(reservationId, quantity);
        }
        return (quantity, true);
    }

    // ---- on hand -------------------------------------------------------------------------------

    /// <summary>Returned units put back as sellable; once per operation id.</summary>
    public bool Restock(string operationId, int quantity, DateTimeOffset now)
    {
        Positive(quantity, nameof(quantity));
        if (_operations.ContainsKey(operationId))
        {
            return false;
        }
        FitsUnits((long)OnHand + quantity);
        ApplyOperation(operationId, now);
        OnHand += quantity;
        Restocked += quantity;
        return true;
    }

    /// <summary>A correction of on hand by <paramref name="delta"/>; once per operation id; never below zero.</summary>
    public bool Adjust(string operationId, int delta, DateTimeOffset now)
    {
        if (_operations.ContainsKey(operationId))
        {
            return false;
        }
        if ((long)OnHand + delta < 0)
        {
            throw new LedgerRuleException($"Adjusting by {delta} would leave {(long)OnHand + delta} on hand.");
        }
        FitsUnits((long)OnHand + delta);
        ApplyOperation(operationId, now);
        OnHand += delta;
        Adjusted += delta;
        return true;
    }

    /// <summary>Goods received; once per operation id. When the id names an expected receipt, it leaves the inbound list with the promises it covered.</summary>
    public bool Receive(string operationId, int quantity, DateTimeOffset now)
    {
        Positive(quantity, nameof(quantity));
        if (_operations.ContainsKey(operationId))
        {
            return false;
        }
        FitsUnits((long)OnHand + quantity);
        ApplyOperation(operationId, now);
        OnHand += quantity;
        Received += quantity;
        FulfilReceipt(operationId, now);
        return true;
    }

    /// <summary>Sets on hand and safety stock (a count); the difference is recorded as an adjustment. Once per operation id.</summary>
    public bool SetLevel(string operationId, int onHand, int safetyStock, DateTimeOffset now)
    {
        FitsUnits(onHand);
        FitsUnits(safetyStock);
        if (_operations.ContainsKey(operationId))
        {
            return false;
        }
        ApplyOperation(operationId, now);
        Adjusted += onHand - OnHand;
        OnHand = onHand;
        SafetyStock = safetyStock;
        return true;
    }

    // ---- terms ---------------------------------------------------------------------------------

    /// <summary>Sets (null or zero clears) the units only some channels may take.</summary>
    public bool SetReserve(LedgerReserve? reserve)
    {
        if (reserve is { Quantity: < 0 or > MaxUnits })
        {
            throw new LedgerRuleException($"reserve quantity must be between 0 and {MaxUnits}.");
        }
        var normalised = reserve is null || reserve.Quantity == 0
            ? null
            : reserve with { Channels = reserve.Channels.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList() };
        if (SameReserve(Reserve, normalised))
        {
            return false;
        }
        Reserve = normalised;
        _headerDirty = true;
        return true;
    }

    /// <summary>Declares (or with the same id replaces) an expected receipt.</summary>
    public bool ExpectReceipt(LedgerReceipt receipt)
    {
        Positive(receipt.Quantity, "quantity");
        FitsUnits(receipt.Quantity);
        if (_receivedReceipts.ContainsKey(receipt.ReceiptId))
        {
            throw new LedgerRuleException($"Receipt '{receipt.ReceiptId}' was already received.");
        }
        var index = _receipts.FindIndex(r => r.ReceiptId == receipt.ReceiptId);
        if (index < 0 && _receipts.Count >= MaxReceipts)
        {
            throw new LedgerRuleException($"A SKU at a node has at most {MaxReceipts} expected receipts.");
        }
        if (index >= 0 && _receipts[index] == receipt)
        {
            return false;
        }
        if (index >= 0)
        {
            _receipts.RemoveAt(index);
        }
        _receipts.Add(receipt);
        _receipts.Sort(CompareReceipts);
        TrimPromisesToReceipts();
        _headerDirty = true;
        return true;
    }

    /// <summary>Withdraws an expected receipt; the latest promises it no longer covers are withdrawn with it.</summary>
    public bool CancelReceipt(string receiptId)
    {
        if (_receipts.RemoveAll(r => r.ReceiptId == receiptId) == 0)
        {
            return false;
        }
        TrimPromisesToReceipts();
        _headerDirty = true;
        return true;
    }

    /// <summary>
    /// Promises <paramref name="quantity"/> backordered units of an order from expected receipts,
    /// replacing what it was promised before (0 withdraws). A smaller quantity keeps its place in the
    /// queue; a larger or new one goes to the back. Answers the date of the receipt covering its last
    /// unit, or null when the receipts cannot cover it (then nothing is promised), and whether anything changed.
    /// </summary>
    public (DateOnly? Date, bool Changed) PromiseInbound(string orderId, int quantity)
    {
        if (quantity < 0)
        {
            throw new LedgerRuleException("quantity must not be negative.");
        }
        var index = _promises.FindIndex(p => p.OrderId == orderId);
        if (index >= 0 && _promises[index].Quantity == quantity)
        {
            return (DateOfPromise(index), false);
        }
        if (index >= 0 && quantity > 0 && quantity < _promises[index].Quantity)
        {
            _promises[index] = _promises[index] with { Quantity = quantity };
            _headerDirty = true;
            return (DateOfPromise(index), true);
        }
        if (index >= 0)
        {
            _promises.RemoveAt(index);
            _headerDirty = true;
        }
        DateOnly? date = null;
        if (quantity > 0 && SumReceipts() - SumPromises() >= quantity)
        {
            _promises.Add(new LedgerPromise(orderId, quantity));
            _headerDirty = true;
            date = DateOfPromise(_promises.Count - 1);
        }
        return (date, index >= 0 || date is not null);
    }

    /// <summary>Receipts less what is promised of them (earliest receipts are promised first).</summary>
    public IReadOnlyList<LedgerReceipt> UnpromisedReceipts()
    {
        if (_receipts.Count == 0)
        {
            return [];
        }
        var promised = SumPromises();
        var left = new List<LedgerReceipt>();
        foreach (var receipt in _receipts)
        {
            var taken = (int)Math.Min(promised, receipt.Quantity);
            promised -= taken;
            if (receipt.Quantity > taken)
            {
                left.Add(receipt with { Quantity = receipt.Quantity - taken });
            }
        }
        return left;
    }

    /// <summary>Units of expected receipts not yet promised.</summary>
    public long UnpromisedInbound => _receipts.Count == 0 ? 0 : Math.Max(0, SumReceipts() - SumPromises());

    // ---- durability ----------------------------------------------------------------------------

    /// <summary>
    /// Hands over what changed since the last call, for one atomic write, and forgets closed
    /// reservations and applied operations older than <paramref name="now"/> - <paramref name="retention"/>
    /// in the room the write has left. Null when nothing changed.
    /// </summary>
    public LedgerChanges? TakeChanges(DateTimeOffset now, TimeSpan retention)
    {
        var cutoff = now - retention;
        while (_dirty.Count < MaxRowsPerWrite && _expiring.TryPeek(out var oldest) && oldest.At < cutoff)
        {
            _expiring.Dequeue();
            Forget(oldest.Key, oldest.At);
        }
        if (!HasChanges)
        {
            return null;
        }
        var rows = new List<LedgerRowChange>(_dirty.Count);
        foreach (var (key, dirty) in _dirty)
        {
            if (dirty.Row is not null || dirty.Existed)
            {
                rows.Add(new LedgerRowChange(key, dirty.Row));
            }
        }
        _dirty.Clear();
        _headerDirty = false;
        return new LedgerChanges(Header, rows);
    }

    /// <summary>Every durable row the ledger holds now (for a store that writes a snapshot of it).</summary>
    public List<LedgerRow> DurableRows()
    {
        var rows = new List<LedgerRow>(_commitments.Count + _closed.Count + _operations.Count + _receivedReceipts.Count);
        foreach (var (id, quantity) in _commitments)
        {
            rows.Add(new LedgerRow(LedgerRowKind.Commitment, id, quantity, default));
        }
        rows.AddRange(_closed.Values);
        foreach (var (id, at) in _operations)
        {
            rows.Add(new LedgerRow(LedgerRowKind.Operation, id, 0, at));
        }
        foreach (var (id, at) in _receivedReceipts)
        {
            rows.Add(new LedgerRow(LedgerRowKind.ReceivedReceipt, id, 0, at));
        }
        return rows;
    }

    /// <summary>Every rule the ledger keeps, re-derived from scratch; empty when all hold.</summary>
    public IReadOnlyList<string> CheckInvariants(long initialOnHand = long.MinValue)
    {
        var violations = new List<string>();
        if (Committed != _commitments.Values.Sum())
        {
            violations.Add($"committed {Committed} differs from the sum of commitments {_commitments.Values.Sum()}.");
        }
        if (Held != _holds.Values.Sum(h => h.Quantity))
        {
            violations.Add($"held {Held} differs from the sum of holds {_holds.Values.Sum(h => h.Quantity)}.");
        }
        if (OnHand < 0)
        {
            violations.Add($"on hand {OnHand} is negative.");
        }
        if (_commitments.Values.Any(q => q <= 0) || _holds.Values.Any(h => h.Quantity <= 0))
        {
            violations.Add("a commitment or hold of no units.");
        }
        foreach (var id in _commitments.Keys)
        {
            if (_closed.ContainsKey(id) || _holds.ContainsKey(id))
            {
                violations.Add($"reservation {id} is committed and also {(_closed.ContainsKey(id) ? "closed" : "held")}.");
            }
        }
        if (SumPromises() > SumReceipts())
        {
            violations.Add($"promised {SumPromises()} inbound units of {SumReceipts()} expected.");
        }
        if (initialOnHand != long.MinValue && OnHand != initialOnHand + Received + Restocked + Adjusted - Shipped)
        {
            violations.Add($"on hand {OnHand} breaks conservation: {initialOnHand} + {Received} received + {Restocked} restocked + {Adjusted} adjusted - {Shipped} shipped.");
        }
        return violations;
    }

    // ---- internals -----------------------------------------------------------------------------

    private void SetCommitment(string reservationId, int quantity)
    {
        var key = LedgerRow.KeyOf(LedgerRowKind.Commitment, reservationId);
        Touch(key, _commitments.ContainsKey(reservationId));
        _commitments[reservationId] = quantity;
        Committed += quantity;
        _dirty[key].Row = new LedgerRow(LedgerRowKind.Commitment, reservationId, quantity, default);
    }

    private void RemoveCommitment(string reservationId, int quantity)
    {
        var key = LedgerRow.KeyOf(LedgerRowKind.Commitment, reservationId);
        Touch(key, existed: true);
        _commitments.Remove(reservationId);
        Committed -= quantity;
        _dirty[key].Row = null;
    }

    private void Close(LedgerRow tombstone)
    {
        Touch(tombstone.Key, existed: false);
        _closed[tombstone.Id] = tombstone;
        _dirty[tombstone.Key].Row = tombstone;
        _expiring.Enqueue((tombstone.Key, tombstone.At));
    }

    private void ApplyOperation(string operationId, DateTimeOffset now)
    {
        var row = new LedgerRow(LedgerRowKind.Operation, operationId, 0, now);
        Touch(row.Key, existed: false);
        _operations[operationId] = now;
        _dirty[row.Key].Row = row;
        _expiring.Enqueue((row.Key, now));
        _headerDirty = true;
    }

    /// <summary>Any delivery received under an id is that receipt from now on; a declared one leaves with the promises it covered.</summary>
    private void FulfilReceipt(string receiptId, DateTimeOffset now)
    {
        var row = new LedgerRow(LedgerRowKind.ReceivedReceipt, receiptId, 0, now);
        Touch(row.Key, _receivedReceipts.ContainsKey(receiptId));
        _receivedReceipts[receiptId] = now;
        _dirty[row.Key].Row = row;
        _expiring.Enqueue((row.Key, now));
        var index = _receipts.FindIndex(r => r.ReceiptId == receiptId);
        if (index < 0)
        {
            return;
        }
        var coveredBefore = 0L;
        for (var i = 0; i < index; i++)
        {
            coveredBefore += _receipts[i].Quantity;
        }
        var covered = _receipts[index].Quantity;
        _receipts.RemoveAt(index);
        var kept = new List<LedgerPromise>();
        var position = 0L;
        foreach (var promise in _promises)
        {
            var start = position;
            position += promise.Quantity;
            var inThisReceipt = Math.Max(0, Math.Min(position, coveredBefore + covered) - Math.Max(start, coveredBefore));
            if (promise.Quantity - inThisReceipt > 0)
            {
                kept.Add(promise with { Quantity = (int)(promise.Quantity - inThisReceipt) });
            }
        }
        _promises = kept;
    }

    private void Forget(string key, DateTimeOffset at)
    {
        var id = key[2..];
        var gone = key[0] switch
        {
            'x' => _closed.TryGetValue(id, out var row) && row.At == at && _closed.Remove(id),
            'o' => _operations.TryGetValue(id, out var when) && when == at && _operations.Remove(id),
            'r' => _receivedReceipts.TryGetValue(id, out var when) && when == at && _receivedReceipts.Remove(id),
            _ => false,
        };
        if (gone)
        {
            Touch(key, existed: true);
            _dirty[key].Row = null;
        }
    }

    /// <summary>Marks a row changed; the first touch in a write remembers whether storage has it (a row put and deleted before its write is never sent).</summary>
    private void Touch(string key, bool existed)
    {
        if (!_dirty.ContainsKey(key))
        {
            _dirty[key] = new DirtyRow(existed);
        }
    }

    private void TrimPromisesToReceipts()
    {
        var supply = SumReceipts();
        var total = 0L;
        var keep = 0;
        while (keep < _promises.Count && (total += _promises[keep].Quantity) <= supply)
        {
            keep++;
        }
        _promises.RemoveRange(keep, _promises.Count - keep);
    }

    private DateOnly? DateOfPromise(int index)
    {
        if (index < 0 || _promises[index].Quantity == 0)
        {
            return null;
        }
        var through = 0L;
        for (var i = 0; i <= index; i++)
        {
            through += _promises[i].Quantity;
        }
        var cumulative = 0L;
        foreach (var receipt in _receipts)
        {
            cumulative += receipt.Quantity;
            if (cumulative >= through)
            {
                return receipt.ExpectedOn;
            }
        }
        return null;
    }

    private long SumReceipts()
    {
        var sum = 0L;
        foreach (var r in _receipts)
        {
            sum += r.Quantity;
        }
        return sum;
    }

    private long SumPromises()
    {
        var sum = 0L;
        foreach (var p in _promises)
        {
            sum += p.Quantity;
        }
        return sum;
    }

    private static int CompareReceipts(LedgerReceipt a, LedgerReceipt b) =>
        a.ExpectedOn != b.ExpectedOn ? a.ExpectedOn.CompareTo(b.ExpectedOn) : string.CompareOrdinal(a.ReceiptId, b.ReceiptId);

    private static bool SameReserve(LedgerReserve? a, LedgerReserve? b) =>
        a is null ? b is null : b is not null && a.Quantity == b.Quantity && a.Channels.SequenceEqual(b.Channels);

    private static void Positive(int quantity, string name)
    {
        if (quantity <= 0)
        {
            throw new LedgerRuleException($"{name} must be positive.");
        }
    }

    private static void FitsUnits(long units)
    {
        if (units is < 0 or > MaxUnits)
        {
            throw new LedgerRuleException($"A SKU at a node holds between 0 and {MaxUnits} units; this would make {units}.");
        }
    }

    private sealed class DirtyRow(bool existed)
    {
        public bool Existed { get; } = existed;
        public LedgerRow? Row { get; set; }
    }
}
