using Microsoft.Extensions.Logging;
using Orleans.Streams;
using OrleansOrders.Contracts;
using OrleansOrders.Orders;

namespace OrleansOrders.Grains.Orders;

public sealed partial class OrderGrain
{
    /// <summary>
    /// Carries out the pending operations (all idempotent), applies what they answered (a refused
    /// commit moves its line to backorder), registers a stock wait for every SKU still backordered,
    /// publishes the history not yet published, and writes that the work is done. Called at the
    /// start of every call and after every write, so a crash anywhere is repaired by whoever comes next.
    /// The step must end so that nothing stored as pending runs again once a stock grain has pruned
    /// its idempotency record (a week: a replayed restock or write-down would count twice). When the
    /// operations changed the order (a refused commit, a stock wait) that is a write of the empty
    /// outbox; when they all went as planned nothing in the record changed but their being done, and
    /// that is said by the recovery shard letting the step's stamp go, without a write of the order
    /// (<see cref="TrySettleWithoutWriting"/>; a later read drops them, see <see cref="ForgetFinishedPending"/>).
    /// Until then the step stays in the recovery ledger, whose sweep finishes it within the grace.
    /// </summary>
    private async Task FinishPending()
    {
        if (S.Swap is not null)
        {
            await FinishSwap(); // a move a crash interrupted: finished or abandoned first (it ends with this method)
            return;
        }
        await CloseExpiredPickups();
        var worked = false;
        while (true)
        {
            var changedByWork = false;
            if (S.Pending.Count > 0)
            {
                worked = true;
                var ops = S.Pending.ToList();
                var results = await Task.WhenAll(ops.Select(Execute));
                var refused = ops.Zip(results).Where(r => r.First.Kind == PendingOpKind.Commit && r.Second == 0).Select(r => r.First).ToList();
                S.Pending.Clear();
                BackorderRefusedCommits(refused);
                if (S.Pending.Count > 0)
                {
                    // The plan changed (emptied parcels give their capacity back): written before it is carried out.
                    await WriteOrReload();
                    continue;
                }
                changedByWork = refused.Count > 0;
            }
            var waitsChanged = await UpdateStockWaits();
            if (!worked && !waitsChanged)
            {
                break;
            }
            if (!changedByWork && !waitsChanged && await TrySettleWithoutWriting())
            {
                break;
            }
            await PublishHistory(); // before the write, so the published pointer is durable with it
            await WriteOrReload();
            worked = false;
            if (S.Pending.Count == 0)
            {
                break; // (the write may have withdrawn stale inbound promises: those are carried out first)
            }
        }
        if (_tracked && S.Pending.Count == 0 && StockWaitsInSync())
        {
            // Lazy at the shard: forgetting it only costs a needless sweep, which finds nothing to do.
            // (Stock waits that failed to register keep it tracked, so the sweep registers them.)
            Settle();
        }
        await PublishHistory();
        if (S.Pending.Count == 0)
        {
            LeaveMemoryWhenIdle();
        }
    }

    /// <summary>
    /// Ends a step whose operations all went as planned without a write of the order: publishes what
    /// storage holds, then lets the shard forget the step. Only for a step this activation tracked
    /// (the shard holds its stamp, and the record's pending operations carry it) and whose stock waits
    /// are in place; when publishing fails the outbox is written instead, so the published pointer is durable.
    /// </summary>
    private async Task<bool> TrySettleWithoutWriting()
    {
        if (!_tracked || !StockWaitsInSync())
        {
            return false;
        }
        await PublishHistory();
        if (_options.EventStreamProvider is { Length: > 0 } && S.PublishedSequence < _writtenSequence)
        {
            return false;
        }
        Settle();
        return true;
    }

    /// <summary>How long a settled order stays in memory after its last step (then a call reactivates it from storage).</summary>
    private TimeSpan SettledIdle => _options.SettledOrderIdle;

    /// <summary>This order waits in <see cref="IdleOrders"/> for its idle check.</summary>
    private bool _idleEnlisted;

    /// <summary>Calls running in this activation (the order is not reentrant, but some reads interleave).</summary>
    private int _callsRunning;

    /// <summary>When the last call ended (<see cref="Environment.TickCount64"/>).</summary>
    private long _lastCallEndedAt = Environment.TickCount64;

    private Action? _checkIdle;

    /// <summary>
    /// A settled order holds nothing in memory that storage does not, and a later step, a reminder or
    /// a stock wait wakes it with a call; so it deactivates once idle for <see cref="SettledIdle"/>
    /// rather than after the default collection age (a million-order run must not keep a million
    /// idle activations). Not DeactivateOnIdle at once: calls queued behind this one (a gateway's
    /// retries) would each be forwarded to a fresh activation that deactivates again, until Orleans
    /// rejects them. The wait is kept by the silo's <see cref="IdleOrders"/>, not by a timer per order.
    /// </summary>
    private void LeaveMemoryWhenIdle()
    {
        if (_idleEnlisted)
        {
            return; // the check re-counts the idle time from the last call
        }
        _idleEnlisted = true;
        idleOrders.Enlist(GrainContext, _checkIdle ??= CheckIdle, SettledIdle);
    }

    /// <summary>Runs on this order's scheduler when its idle time is up: leaves memory if nothing happened since, else waits again.</summary>
    private void CheckIdle()
    {
        _idleEnlisted = false;
        if (S.Pending.Count > 0)
        {
            return; // work left: the step that finishes it enlists again
        }
        var idleFor = TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref _lastCallEndedAt));
        if (Volatile.Read(ref _callsRunning) > 0 || idleFor < SettledIdle)
        {
            LeaveMemoryWhenIdle(); // a call came in since: count the idle time again
            return;
        }
        DeactivateOnIdle();
    }

    /// <summary>Counts the calls running and when the last one ended, for <see cref="CheckIdle"/>.</summary>
    async Task IIncomingGrainCallFilter.Invoke(IIncomingGrainCallContext context)
    {
        Interlocked.Increment(ref _callsRunning);
        try
        {
            await context.Invoke();
        }
        finally
        {
            Volatile.Write(ref _lastCallEndedAt, Environment.TickCount64);
            Interlocked.Decrement(ref _callsRunning);
        }
    }

    /// <summary>Carries out one operation; answers the units it affected (0 for a refused commit).</summary>
    private async Task<int> Execute(PendingOp op)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var stock = GrainFactory.Reference<IStockGrain>(Identifiers.StockKey(op.NodeId, op.Sku));
                switch (op.Kind)
                {
                    case PendingOpKind.Commit:
                        var commit = await stock.Commit(op.OperationId, op.Quantity, S.Request?.Channel);
                        return commit.Outcome == CommitOutcome.Committed ? commit.Quantity : 0;
                    case PendingOpKind.Release:
                        return await stock.Release(op.OperationId);
                    case PendingOpKind.Reduce:
                        return await stock.Reduce(op.OperationId, op.Quantity);
                    case PendingOpKind.Ship:
                        return await stock.Ship(op.OperationId);
                    case PendingOpKind.Restock:
                        return (await stock.Restock(op.OperationId, op.Quantity)).OnHand;
                    case PendingOpKind.WriteDown:
                        return (await stock.Adjust(op.OperationId, -op.Quantity, "node could not find the units")).OnHand;
                    case PendingOpKind.SetInboundPromise:
                        await stock.PromiseInbound(op.OperationId, op.Quantity);
                        return op.Quantity;
                    case PendingOpKind.EnlistForWave:
                        await GrainFactory.Reference<IReleaseWaveGrain>(op.NodeId).Enlist(OrderId, op.At ?? clock.UtcNow);
                        return 0;
                    case PendingOpKind.ReleaseCapacity:
                        await GrainFactory.Reference<IFulfilmentNodeGrain>(op.NodeId).ReleaseCapacity(op.OperationId, op.Day);
                        return 0;
                    default:
                        throw new InvalidOperationException($"Unknown pending operation {op.Kind}.");
                }
            }
            catch (Exception ex) when (attempt < _options.MaxCallAttempts)
            {
                logger.LogWarning(ex, "Order {Order}: {Kind} at {Node}/{Sku} failed (attempt {Attempt}); retrying", OrderId, op.Kind, op.NodeId, op.Sku, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt));
            }
        }
    }

    /// <summary>
    /// Inbound promises must follow the backorder (<see cref="OrderAggregate.WithdrawStalePromises"/>).
    /// Runs before every write, so the withdrawals are pending in the same write as the change.
    /// </summary>
    private void WithdrawStaleInboundPromises()
    {
        if (S.BackorderDates.Count == 0)
        {
            return;
        }
        var plan = Plan();
        plan.WithdrawStalePromises();
        Take(plan, "router");
    }

    /// <summary>Holds lost before their commit (expired, and taken by another order): those lines go to backorder.</summary>
    private void BackorderRefusedCommits(List<PendingOp> refused)
    {
        if (refused.Count == 0)
        {
            return;
        }
        foreach (var op in refused)
        {
            logger.LogWarning("Order {Order}: commit of {Sku} at {Node} refused; backordering it", OrderId, op.Sku, op.NodeId);
        }
        var plan = Plan();
        plan.BackorderRefusedCommits(refused.Select(ToCall));
        Take(plan, "router");
    }

    /// <summary>Appends a transition to the history (it is published after the write that carries it).</summary>
    /// <param name="status">The order's status after the transition, when the caller has it (deriving it builds the plan again).</param>
    private void Record(OrderEventKind kind, string actor, string? reason, string details, OrderStatus? status = null)
    {
        var sequence = S.History.Count == 0 ? 1 : S.History[^1].Sequence + 1;
        S.History.Add(new OrderEvent($"{OrderId}:{sequence}", OrderId, sequence, clock.UtcNow, kind.ToString(), Clip(actor, "unknown"),
            reason, details, S.Request?.CustomerId ?? "", status ?? Status()));
    }

    /// <summary>
    /// Publishes history entries written but not yet published on the order-events stream of the
    /// order's shard, in the silo's next message for it (<see cref="Events.OrderEventOutbox"/>). At least once: a crash before the pointer is written republishes, and
    /// consumers drop duplicates by event id.
    /// </summary>
    private async Task PublishHistory()
    {
        // Only what storage holds: an entry recorded by a step whose write has not landed yet waits for it.
        var unpublished = S.History.Where(e => e.Sequence > S.PublishedSequence && e.Sequence <= _writtenSequence).ToList();
        if (unpublished.Count == 0 || _options.EventStreamProvider is not { Length: > 0 } provider)
        {
            return;
        }
        try
        {
            // Through the silo's outbox: one stream message per shard per interval carries many orders' events.
            await outbox.PublishAsync(provider, OrderEventStreams.ShardOf(OrderId), unpublished);
            S.PublishedSequence = unpublished[^1].Sequence;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Order {Order}: publishing {Count} events failed; will retry on the next call", OrderId, unpublished.Count);
        }
    }
}
