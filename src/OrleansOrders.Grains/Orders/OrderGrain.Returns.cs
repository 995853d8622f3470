using OrleansOrders.Contracts;
using OrleansOrders.Orders;

namespace OrleansOrders.Grains.Orders;

public sealed partial class OrderGrain
{
    async Task<OrderActionResult> IOrderGrain.StartReturn(ReturnRequest request, string actor)
    {
        if (S.Request is null)
        {
            return Refuse(ActionOutcome.NotFound, $"Order '{OrderId}' does not exist.");
        }
        await FinishPending();
        if (request is null || !Identifiers.IsValid(request.ReturnId) || !Identifiers.IsValid(request.Channel))
        {
            return Refuse(ActionOutcome.Invalid, "returnId and channel must be 1-64 letters, digits or . _ : -.");
        }
        var lines = OrderAggregate.Merge((request.Lines ?? []).Where(l => l is not null).Select(ToPlanLine)).Select(ToOrderLine).ToList();
        if (ExistingReturn(request.ReturnId) is { } existing)
        {
            return SameLines(existing.Lines, lines)
                ? new OrderActionResult(ActionOutcome.NoChange, View(), $"Return {request.ReturnId} is already open.")
                : Refuse(ActionOutcome.NotAllowed, $"Return id {request.ReturnId} is already used for other lines.");
        }
        if (lines.Count == 0 || (request.Lines ?? []).Any(l => l is null || l.Quantity < 1))
        {
            return Refuse(ActionOutcome.Invalid, "A return needs at least one line with a quantity of 1 or more.");
        }
        var plan = Plan();
        foreach (var line in lines)
        {
            var returnable = plan.ShippedUnits(line.Sku) - S.Returns.SelectMany(r => r.Lines).Where(l => l.Sku == line.Sku).Sum(l => l.Quantity);
            if (line.Quantity > returnable)
            {
                return Refuse(ActionOutcome.NotAllowed, $"Only {Math.Max(0, returnable)} of {line.Sku} can be returned (shipped and not yet returned).");
            }
        }

        string? exchangeOrderId = null;
        if (request.ExchangeFor is { Count: > 0 } exchangeLines)
        {
            // An exchange is a new order for the same customer and address, linked to the return.
            exchangeOrderId = $"{OrderId}-x-{request.ReturnId}";
            if (!Identifiers.IsValid(exchangeOrderId))
            {
                return Refuse(ActionOutcome.Invalid, "Order id and return id are too long together to name the exchange order.");
            }
            var exchange = new OrderRequest(exchangeOrderId, S.Request.CustomerId, request.Channel, S.Request.ShipTo, exchangeLines.ToList());
            var submitted = await GrainFactory.GetGrain<IOrderGrain>(exchangeOrderId).Submit(exchange);
            if (submitted.Outcome is SubmitOutcome.Invalid or SubmitOutcome.Conflict)
            {
                return Refuse(ActionOutcome.Invalid, "The exchange order was refused: " + string.Join(" ", submitted.Errors));
            }
        }

        var view = new ReturnView(request.ReturnId, ReturnStatus.Open,
            lines.Select(l => l with { UnitPrice = UnitPriceOf(l.Sku) }).ToList(),
            request.Channel, Clip(request.Reason, "no reason given"), null, [], 0m, exchangeOrderId, clock.UtcNow);
        S.Returns.Add(view);
        Record(OrderEventKind.ReturnStarted, actor, view.Reason,
            $"{request.ReturnId} via {request.Channel}: {string.Join(", ", lines.Select(l => $"{l.Quantity} x {l.Sku}"))}" +
            (exchangeOrderId is null ? "" : $"; exchange order {exchangeOrderId}"));
        await WriteOrReload();
        await FinishPending();
        return new OrderActionResult(ActionOutcome.Done, View(), null);
    }

    async Task<OrderActionResult> IOrderGrain.ReceiveReturn(string returnId, string nodeId, IReadOnlyList<ReturnedItem> items, string actor)
    {
        if (S.Request is null)
        {
            return Refuse(ActionOutcome.NotFound, $"Order '{OrderId}' does not exist.");
        }
        await FinishPending();
        if (ExistingReturn(returnId) is not { } open)
        {
            return Refuse(ActionOutcome.NotFound, $"Order '{OrderId}' has no return '{returnId}'.");
        }
        if (open.Status == ReturnStatus.Received)
        {
            return new OrderActionResult(ActionOutcome.NoChange, View(), $"Return {returnId} was already received at {open.ReceivedAtNode}.");
        }
        if (!Identifiers.IsValid(nodeId) || await GrainFactory.GetGrain<IFulfilmentNodeGrain>(nodeId).Get() is null)
        {
            return Refuse(ActionOutcome.NotFound, $"Node '{nodeId}' does not exist.");
        }
        if (items is null || items.Count == 0 || items.Any(i => i is null || i.Quantity < 1 || !Enum.IsDefined(i.Disposition)))
        {
            return Refuse(ActionOutcome.Invalid, "Each received item needs a sku, a quantity of 1 or more and a disposition (Restock or WriteOff).");
        }
        if (items.Any(i => i.Disposition == ReturnDisposition.WriteOff && string.IsNullOrWhiteSpace(i.Reason)))
        {
            return Refuse(ActionOutcome.Invalid, "A write-off needs a reason.");
        }
        foreach (var group in items.GroupBy(i => i.Sku))
        {
            var expected = open.Lines.Where(l => l.Sku == group.Key).Sum(l => l.Quantity);
            if (group.Sum(i => i.Quantity) > expected)
            {
                return Refuse(ActionOutcome.Invalid, $"Return {returnId} expects {expected} of {group.Key}; {group.Sum(i => i.Quantity)} were received.");
            }
        }

        // Restocked units become sellable at the node that received them, whichever node shipped them.
        foreach (var restock in items.Where(i => i.Disposition == ReturnDisposition.Restock).GroupBy(i => i.Sku))
        {
            S.Pending.Add(new PendingOp(PendingOpKind.Restock, nodeId, restock.Key, restock.Sum(i => i.Quantity), $"{OrderId}:{returnId}:{restock.Key}"));
        }
        var refund = items.Sum(i => i.Quantity * UnitPriceOf(i.Sku));
        var received = open with { Status = ReturnStatus.Received, ReceivedAtNode = nodeId, Items = items.ToList(), Refund = refund };
        S.Returns[S.Returns.IndexOf(open)] = received;
        Record(OrderEventKind.ReturnReceived, actor, null,
            $"{returnId} at {nodeId}: {string.Join(", ", items.Select(i => $"{i.Quantity} x {i.Sku} {i.Disposition}{(i.Reason is null ? "" : $" ({i.Reason})")}"))}; refund {refund:0.00}");
        await TrackStep();
        await WriteOrReload();
        await FinishPending();
        return new OrderActionResult(ActionOutcome.Done, View(), null);
    }

    private ReturnView? ExistingReturn(string returnId) => S.Returns.FirstOrDefault(r => r.ReturnId == returnId);

    private static bool SameLines(IReadOnlyList<OrderLine> a, IReadOnlyList<OrderLine> b) =>
        a.Count == b.Count && a.All(l => b.Any(m => m.Sku == l.Sku && m.Quantity == l.Quantity));
}
