namespace OrleansOrders.Orders;

/// <summary>Units of one SKU a node received back, and whether they go back on its shelf.</summary>
public sealed record ReturnedUnits(string Sku, int Quantity, bool Restock, string? Reason = null);

/// <summary>
/// A return of an order: the lines the customer announced, and once a node received it, what came back
/// (<see cref="ReceivedAt"/> is null while it is open).
/// </summary>
public sealed record OrderReturn(string Id, IReadOnlyList<PlanLine> Lines, string? ReceivedAt = null, IReadOnlyList<ReturnedUnits>? Received = null)
{
    public bool IsReceived => ReceivedAt is not null;
}

/// <summary>What a return step decided: refused, already done (a replay: nothing changes), or done.</summary>
public enum ReturnVerdict
{
    Refused,
    AlreadyDone,
    Done,
}

public sealed record ReturnDecision(ReturnVerdict Verdict, Refusal? Refusal = null, decimal Refund = 0m)
{
    public static ReturnDecision Refuse(RefusalKind kind, string reason) => new(ReturnVerdict.Refused, new Refusal(kind, reason));
}

/// <summary>
/// Returns: a customer may send back what left a node and was not already announced for return;
/// a node receiving it restocks the units marked sellable (at that node, whichever node shipped them)
/// and the customer is refunded every unit received at the price it was ordered.
/// </summary>
public sealed partial class OrderAggregate
{
    private readonly List<OrderReturn> _returns;

    public IReadOnlyList<OrderReturn> Returns => _returns;

    /// <summary>Units received back over every return (they decide the <see cref="PlanStatus.Returned"/> status).</summary>
    public int ReceivedUnits => _returns.Where(r => r.IsReceived).Sum(r => r.Received!.Sum(u => u.Quantity));

    public OrderReturn? FindReturn(string returnId) => _returns.Find(r => r.Id == returnId);

    /// <summary>Units of a SKU that can still be announced for return: shipped, less what open and received returns already count.</summary>
    public int ReturnableUnits(string sku) => ShippedUnits(sku) - _returns.Sum(r => UnitsOf(r.Lines, sku));

    /// <summary>
    /// Opens return <paramref name="returnId"/> for <paramref name="lines"/>; the same id with the same
    /// lines again is a replay, with other lines a conflict. The channel it came through, the customer's
    /// reason and <paramref name="exchangeOrderId"/> (the order that replaces the units) go to the history.
    /// </summary>
    public ReturnDecision StartReturn(string returnId, IReadOnlyList<PlanLine> lines, string channel, string reason, string? exchangeOrderId = null)
    {
        var merged = Merge(lines);
        if (FindReturn(returnId) is { } existing)
        {
            return SameUnits(existing.Lines, merged)
                ? new ReturnDecision(ReturnVerdict.AlreadyDone)
                : ReturnDecision.Refuse(RefusalKind.NotAllowed, $"Return id {returnId} is already used for other lines.");
        }
        if (merged.Count == 0 || lines.Any(l => l.Quantity < 1))
        {
            return ReturnDecision.Refuse(RefusalKind.Invalid, "A return needs at least one line with a quantity of 1 or more.");
        }
        foreach (var line in merged)
        {
            var returnable = ReturnableUnits(line.Sku);
            if (line.Quantity > returnable)
            {
                return ReturnDecision.Refuse(RefusalKind.NotAllowed, $"Only {Math.Max(0, returnable)} of {line.Sku} can be returned (shipped and not yet returned).");
            }
        }
        _returns.Add(new OrderReturn(returnId, merged));
        Facts.Add(new OrderFact(OrderFactKind.ReturnStarted, reason,
            $"{returnId} via {channel}: {Describe(merged)}" + (exchangeOrderId is null ? "" : $"; exchange order {exchangeOrderId}")));
        return new ReturnDecision(ReturnVerdict.Done);
    }

    /// <summary>
    /// Receives return <paramref name="returnId"/> at <paramref name="nodeId"/>: no more of a SKU than the
    /// return announced; sellable units are restocked there, once (the restock's id names the order, the
    /// return and the SKU), and the refund is every unit received at <paramref name="unitPrice"/>.
    /// </summary>
    public ReturnDecision ReceiveReturn(string returnId, string nodeId, IReadOnlyList<ReturnedUnits> items, Func<string, decimal> unitPrice)
    {
        if (FindReturn(returnId) is not { } open)
        {
            return ReturnDecision.Refuse(RefusalKind.NotFound, $"Order '{OrderId}' has no return '{returnId}'.");
        }
        if (open.IsReceived)
        {
            return new ReturnDecision(ReturnVerdict.AlreadyDone);
        }
        if (items.Count == 0 || items.Any(i => i.Quantity < 1))
        {
            return ReturnDecision.Refuse(RefusalKind.Invalid, "Each received item needs a quantity of 1 or more.");
        }
        foreach (var group in items.GroupBy(i => i.Sku, StringComparer.Ordinal))
        {
            var expected = UnitsOf(open.Lines, group.Key);
            var received = group.Sum(i => i.Quantity);
            if (received > expected)
            {
                return ReturnDecision.Refuse(RefusalKind.Invalid, $"Return {returnId} expects {expected} of {group.Key}; {received} were received.");
            }
        }
        foreach (var restock in items.Where(i => i.Restock).GroupBy(i => i.Sku, StringComparer.Ordinal))
        {
            Outbox.Add(new OrderCall(OrderCallKind.Restock, nodeId, restock.Key, restock.Sum(i => i.Quantity), $"{OrderId}:{returnId}:{restock.Key}"));
        }
        var refund = items.Sum(i => i.Quantity * unitPrice(i.Sku));
        _returns[_returns.IndexOf(open)] = open with { ReceivedAt = nodeId, Received = items.ToList() };
        Facts.Add(new OrderFact(OrderFactKind.ReturnReceived, null,
            $"{returnId} at {nodeId}: {string.Join(", ", items.Select(i => $"{i.Quantity} x {i.Sku} {(i.Restock ? "Restock" : "WriteOff")}{(i.Reason is null ? "" : $" ({i.Reason})")}"))}; refund {refund:0.00}"));
        return new ReturnDecision(ReturnVerdict.Done, Refund: refund);
    }

    private static bool SameUnits(IReadOnlyList<PlanLine> a, IReadOnlyList<PlanLine> b) =>
        a.Count == b.Count && a.All(l => UnitsOf(b, l.Sku) == l.Quantity);
}
