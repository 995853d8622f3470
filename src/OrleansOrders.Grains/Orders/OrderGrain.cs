using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Orders;

/// <summary>
/// One order's life. Not reentrant: an order's steps run one at a time, so a resubmission
/// waits for the first submission to finish and then answers its result.
/// Protocol: track the order in its recovery shard (durably, in parallel with routing), route
/// (holds only), write the plan (the order is accepted from here on), commit the holds, answer.
/// A crash before the write leaves only holds, which expire; a crash after it leaves
/// Step = Committing, which the next call or the recovery shard's reminder finishes (commits are
/// idempotent on the order id), so no write is needed after committing.
/// A failed write of this grain's state reloads it from storage before the error goes back, so
/// memory never runs ahead of storage: a retry then sees exactly what storage holds.
/// </summary>
public sealed class OrderGrain(
    [PersistentState("order", GridOptions.StorageName)] IPersistentState<OrderState> state,
    GridClock clock,
    IOptions<GridOptions> options,
    ILogger<OrderGrain> logger) : Grain, IOrderGrain
{
    private readonly GridOptions _options = options.Value;

    private OrderState S => state.State;

    private string OrderId => this.GetPrimaryKeyString();

    async Task<SubmitOrderResult> IOrderGrain.Submit(OrderRequest request)
    {
        var errors = OrderRequestValidator.Validate(request);
        if (errors.Count > 0)
        {
            return SubmitOrderResult.Invalid(errors);
        }
        if (request.OrderId != OrderId)
        {
            return SubmitOrderResult.Invalid([$"orderId '{request.OrderId}' was sent to order '{OrderId}'."]);
        }
        if (S.Request is { } existing)
        {
            if (!existing.IsSamePayloadAs(request))
            {
                return new SubmitOrderResult(SubmitOutcome.Conflict, null,
                    [$"Order '{OrderId}' was already submitted with a different payload."]);
            }
            await FinishUnfinishedStep();
            return new SubmitOrderResult(SubmitOutcome.Replayed, View(), []);
        }

        var now = clock.UtcNow;
        var tracked = Recovery.Track(OrderId);
        var routing = await GrainFactory.GetGrain<IRouterGrain>(0).Allocate(
            new AllocationRequest(OrderId, request.ShipTo, request.Lines, now, _options.HoldTtl));
        await tracked;
        if (routing.UnknownSkus.Count > 0)
        {
            await Recovery.Settled(OrderId);
            return SubmitOrderResult.Invalid(routing.UnknownSkus.Select(s => $"Unknown SKU '{s}': no node stocks it.").ToList());
        }

        S.Request = request;
        S.Shipments = routing.Shipments.ToList();
        S.Backordered = routing.Backordered.ToList();
        S.AllocationRounds = routing.Rounds;
        S.Bids = routing.Bids.ToList();
        S.Status = StatusFromPlan();
        S.Step = S.Shipments.Count > 0 ? OrderStep.Committing : OrderStep.Settled;
        S.AcceptedAt = now;
        S.UpdatedAt = now;
        await WriteOrReload();

        await FinishUnfinishedStep();
        return new SubmitOrderResult(SubmitOutcome.Accepted, View(), []);
    }

    async Task<OrderView?> IOrderGrain.Get()
    {
        if (S.Request is null)
        {
            return null;
        }
        await FinishUnfinishedStep();
        return View();
    }

    async Task<CancelOrderResult> IOrderGrain.Cancel(string reason)
    {
        if (S.Request is null)
        {
            return new CancelOrderResult(CancelOutcome.NotFound, null, $"Order '{OrderId}' does not exist.");
        }
        await FinishUnfinishedStep();
        switch (S.Status)
        {
            case OrderStatus.Cancelled:
                return new CancelOrderResult(CancelOutcome.AlreadyCancelled, View(), S.CancelReason);
            case OrderStatus.Shipped or OrderStatus.Delivered or OrderStatus.Returned:
                return new CancelOrderResult(CancelOutcome.NotCancellable, View(), $"Order '{OrderId}' is {S.Status} and can no longer be cancelled.");
        }

        S.Status = OrderStatus.Cancelled;
        S.CancelReason = string.IsNullOrWhiteSpace(reason) ? "cancelled" : reason.Trim()[..Math.Min(reason.Trim().Length, 500)];
        S.Step = OrderStep.Releasing;
        S.UpdatedAt = clock.UtcNow;
        await Recovery.Track(OrderId);
        await WriteOrReload();
        await FinishUnfinishedStep();
        return new CancelOrderResult(CancelOutcome.Cancelled, View(), S.CancelReason);
    }

    async Task<bool> IOrderGrain.Resume()
    {
        if (S.Request is null)
        {
            return true; // tracked, then never written: nothing was accepted
        }
        await FinishUnfinishedStep();
        return S.Step == OrderStep.Settled;
    }

    /// <summary>Finishes a step that a crash or a failed call interrupted. Both steps are idempotent.</summary>
    private async Task FinishUnfinishedStep()
    {
        switch (S.Step)
        {
            case OrderStep.Committing:
                await CommitPlan();
                break;
            case OrderStep.Releasing:
                await ReleaseEverything();
                break;
            default:
                return;
        }
        await Recovery.Settled(OrderId);
    }

    private IOrderRecoveryGrain Recovery =>
        GrainFactory.GetGrain<IOrderRecoveryGrain>(OrderRecoveryShards.For(OrderId, _options.RecoveryShards));

    private async Task WriteOrReload()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception writeError)
        {
            logger.LogWarning(writeError, "Order {Order}: state write failed; reloading what storage holds", OrderId);
            try
            {
                await state.ReadStateAsync();
            }
            catch (Exception readError)
            {
                logger.LogError(readError, "Order {Order}: reload failed too; deactivating", OrderId);
                DeactivateOnIdle();
            }
            throw;
        }
    }

    /// <summary>
    /// Commits every planned line at its stock grain. A line whose hold was lost and whose stock
    /// went to another order is moved to backorder, and the plan written again.
    /// </summary>
    private async Task CommitPlan()
    {
        var lines = S.Shipments.SelectMany(s => s.Lines.Select(l => (s.NodeId, Line: l))).ToList();
        var results = await Task.WhenAll(lines.Select(x => WithRetries(
            $"commit {x.NodeId}/{x.Line.Sku}",
            () => Stock(x.NodeId, x.Line.Sku).Commit(OrderId, x.Line.Quantity))));

        var refused = lines.Zip(results).Where(r => r.Second.Outcome != CommitOutcome.Committed).Select(r => r.First).ToList();
        if (refused.Count > 0)
        {
            foreach (var (nodeId, line) in refused)
            {
                logger.LogWarning("Order {Order}: commit of {Sku} at {Node} refused; backordering it", OrderId, line.Sku, nodeId);
                var shipment = S.Shipments.First(s => s.NodeId == nodeId);
                var left = shipment.Lines.Where(l => l.Sku != line.Sku).ToList();
                S.Shipments.Remove(shipment);
                if (left.Count > 0)
                {
                    S.Shipments.Add(shipment with { Lines = left });
                }
                else
                {
                    await WithRetries($"release capacity at {nodeId}", async () =>
                    {
                        await GrainFactory.GetGrain<IFulfilmentNodeGrain>(nodeId).ReleaseCapacity(OrderId);
                        return true;
                    });
                }
                S.Backordered.Add(line);
            }
            S.Backordered = S.Backordered.GroupBy(l => l.Sku).Select(g => new OrderLine(g.Key, g.Sum(l => l.Quantity))).ToList();
            S.Shipments = S.Shipments.OrderBy(s => s.NodeId, StringComparer.Ordinal).ToList();
            S.Status = StatusFromPlan();
            S.Step = OrderStep.Settled;
            S.UpdatedAt = clock.UtcNow;
            await WriteOrReload();
            return;
        }

        // Not written: if this activation dies, the next one re-runs the commits, which answer
        // Committed again, and reaches the same state.
        S.Step = OrderStep.Settled;
    }

    private async Task ReleaseEverything()
    {
        var releases = S.Shipments.SelectMany(s => s.Lines.Select(l => WithRetries(
            $"release {s.NodeId}/{l.Sku}", () => Stock(s.NodeId, l.Sku).Release(OrderId))));
        var capacity = S.Shipments.Select(s => WithRetries($"release capacity at {s.NodeId}", async () =>
        {
            await GrainFactory.GetGrain<IFulfilmentNodeGrain>(s.NodeId).ReleaseCapacity(OrderId);
            return 0;
        }));
        await Task.WhenAll(releases.Concat(capacity));
        S.Step = OrderStep.Settled; // not written, for the same reason as after committing
    }

    private async Task<T> WithRetries<T>(string what, Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception ex) when (attempt < _options.MaxCallAttempts)
            {
                logger.LogWarning(ex, "Order {Order}: {What} failed (attempt {Attempt}); retrying", OrderId, what, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt));
            }
        }
    }

    private IStockGrain Stock(string nodeId, string sku) =>
        GrainFactory.GetGrain<IStockGrain>(Identifiers.StockKey(nodeId, sku));

    private OrderStatus StatusFromPlan() => (S.Shipments.Count, S.Backordered.Count) switch
    {
        (0, _) => OrderStatus.Backordered,
        (_, 0) => OrderStatus.Allocated,
        _ => OrderStatus.PartiallyAllocated,
    };

    private OrderView View() => new(
        OrderId, S.Status, S.Request!, S.Shipments.ToList(), S.Backordered.ToList(),
        S.Shipments.Sum(s => s.Cost), S.AllocationRounds, S.AcceptedAt, S.UpdatedAt, S.CancelReason, S.Bids.ToList());
}
