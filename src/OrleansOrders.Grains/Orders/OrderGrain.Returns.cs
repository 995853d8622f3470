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
        if (request.Lines is null || request.Lines.Any(l => l is null))
        {
            return Refuse(ActionOutcome.Invalid, "A return needs at least one line with a quantity of 1 or more.");
        }
        var plan = Plan();
        var reason = Clip(request.Reason, "no reason given");
        string? exchangeOrderId = request.ExchangeFor is { Count: > 0 } ? $"{OrderId}-x-{request.ReturnId}" : null;
        var decision = plan.StartReturn(request.ReturnId, request.Lines.Select(ToPlanLine).ToList(), request.Channel, reason, exchangeOrderId);
        if (decision.Verdict == ReturnVerdict.AlreadyDone)
        {
            return new OrderActionResult(ActionOutcome.NoChange, View(), $"Return {request.ReturnId} is already open.");
        }
        if (decision.Refusal is { } refusal)
        {
            return Refuse(refusal);
        }

        if (exchangeOrderId is not null)
        {
            // An exchange is a new order for the same customer and address, linked to the return.
            if (!Identifiers.IsValid(exchangeOrderId))
            {
                return Refuse(ActionOutcome.Invalid, "Order id and return id are too long together to name the exchange order.");
            }
            var exchange = new OrderRequest(exchangeOrderId, S.Request.CustomerId, request.Channel, S.Request.ShipTo, request.ExchangeFor!.ToList());
            var submitted = await GrainFactory.Reference<IOrderGrain>(exchangeOrderId).Submit(exchange);
            if (submitted.Outcome is SubmitOutcome.Invalid or SubmitOutcome.Conflict)
            {
                return Refuse(ActionOutcome.Invalid, "The exchange order was refused: " + string.Join(" ", submitted.Errors));
            }
        }

        S.Returns.Add(new ReturnView(request.ReturnId, ReturnStatus.Open, plan.FindReturn(request.ReturnId)!.Lines.Select(ToOrderLine).ToList(),
            request.Channel, reason, null, [], 0m, exchangeOrderId, clock.UtcNow));
        Take(plan, actor);
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
        var plan = Plan();
        if (plan.FindReturn(returnId) is not { } open)
        {
            return Refuse(ActionOutcome.NotFound, $"Order '{OrderId}' has no return '{returnId}'.");
        }
        if (open.IsReceived)
        {
            return new OrderActionResult(ActionOutcome.NoChange, View(), $"Return {returnId} was already received at {open.ReceivedAt}.");
        }
        if (!Identifiers.IsValid(nodeId) || await GrainFactory.Reference<IFulfilmentNodeGrain>(nodeId).Get() is null)
        {
            return Refuse(ActionOutcome.NotFound, $"Node '{nodeId}' does not exist.");
        }
        if (items is null || items.Count == 0 || items.Any(i => i is null || !Identifiers.IsValid(i.Sku) || !Enum.IsDefined(i.Disposition)))
        {
            return Refuse(ActionOutcome.Invalid, "Each received item needs a sku, a quantity of 1 or more and a disposition (Restock or WriteOff).");
        }
        if (items.Any(i => i.Disposition == ReturnDisposition.WriteOff && string.IsNullOrWhiteSpace(i.Reason)))
        {
            return Refuse(ActionOutcome.Invalid, "A write-off needs a reason.");
        }

        // Restocked units become sellable at the node that received them, whichever node shipped them.
        var decision = plan.ReceiveReturn(returnId, nodeId,
            items.Select(i => new ReturnedUnits(i.Sku, i.Quantity, i.Disposition == ReturnDisposition.Restock, i.Reason)).ToList(), UnitPriceOf);
        if (decision.Refusal is { } refusal)
        {
            return Refuse(refusal);
        }
        var view = S.Returns.First(r => r.ReturnId == returnId);
        S.Returns[S.Returns.IndexOf(view)] = view with { Status = ReturnStatus.Received, ReceivedAtNode = nodeId, Items = items.ToList(), Refund = decision.Refund };
        Take(plan, actor);
        TrackStep();
        await WriteOrReload();
        await FinishPending();
        return new OrderActionResult(ActionOutcome.Done, View(), null);
    }
}
