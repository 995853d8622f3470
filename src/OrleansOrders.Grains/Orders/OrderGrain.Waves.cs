using Microsoft.Extensions.Logging;
using OrleansOrders.Contracts;
using OrleansOrders.Orders;

namespace OrleansOrders.Grains.Orders;

/// <summary>
/// Release waves and the re-optimiser. A parcel whose node (or channel) releases in waves is soft
/// until its wave: its stock is committed, no node has seen it. When the wave comes the node's wave
/// grain calls <see cref="IOrderGrain.ReleaseWave"/>: an order whose parcels all still wait is first
/// quoted again (bids and the solver, nothing held); only a quote clearly better than what it has
/// (<see cref="Reoptimiser.Decide"/>) is allocated for real, and the move is make-before-break
/// (<see cref="SwapInProgress"/>): hold, write the intent, commit, and only then give back the old.
/// </summary>
public sealed partial class OrderGrain
{
    private ReleaseSettings Waves => _options.Release;

    /// <summary>Each new parcel's release time by its policy (null: every one released at once; a pickup always is).</summary>
    private List<DateTimeOffset?>? ReleaseTimes(RoutingResult routing, bool pickup)
    {
        if (pickup || !Waves.AnyWaves)
        {
            return null;
        }
        var now = clock.UtcNow;
        var times = routing.Shipments
            .Select(p => Waves.For(S.Request?.Channel, p.NodeId).ReleaseAt(now, p.DispatchOn, routing.Bids.FirstOrDefault(b => b.NodeId == p.NodeId)?.CutoffUtc))
            .ToList();
        return times.Any(t => t is not null) ? times : null;
    }

    /// <summary>Owes each node with a new soft parcel an enlistment in its wave (written with the step, carried out after it).</summary>
    private void EnlistForWaves(IEnumerable<ShipmentAllocation> shipments)
    {
        foreach (var node in shipments.Where(s => s.WaitsForRelease).GroupBy(s => s.NodeId, StringComparer.Ordinal))
        {
            S.Pending.Add(new PendingOp(PendingOpKind.EnlistForWave, node.Key, "", 0, OrderId) { At = node.Min(s => s.ReleaseAt) });
        }
    }

    async Task<WaveReleaseResult> IOrderGrain.ReleaseWave(string nodeId, bool force)
    {
        if (S.Request is null)
        {
            LeaveMemoryWhenIdle();
            return new WaveReleaseResult(0, null, false);
        }
        await FinishPending(); // finishes a move a crash interrupted, too
        var now = clock.UtcNow;
        bool Due(Parcel p) => p.NodeId == nodeId && (force || p.ReleaseAt <= now);
        var plan = Plan();
        if (!plan.SoftParcels.Any(Due))
        {
            return new WaveReleaseResult(0, plan.NextReleaseAt(nodeId), false);
        }
        var moved = false;
        if (Waves.Reoptimise && S.Reoptimisations < Waves.MaxReoptimisations && plan.CanReoptimise)
        {
            moved = await TryReoptimise(now);
            plan = Plan();
        }
        var released = plan.ReleaseDue(nodeId, now, force);
        if (released.Count > 0)
        {
            Take(plan, "system:release-wave");
            await WriteOrReload();
            await FinishPending();
            GridMetrics.ParcelsReleased(released.Count);
        }
        return new WaveReleaseResult(released.Count, Plan().NextReleaseAt(nodeId), moved);
    }

    /// <summary>
    /// Quotes the whole order again; when the quote is clearly better, allocates it for real (the router
    /// holds the stock) and moves to it if it is still better. Answers whether the order moved.
    /// </summary>
    private async Task<bool> TryReoptimise(DateTimeOffset now)
    {
        var soft = S.Shipments.Where(s => s.WaitsForRelease).ToList();
        var current = new PlanCost(soft.Count, soft.Sum(s => s.Cost));
        var lines = OrderAggregate.Merge(soft.SelectMany(s => s.Lines).Select(ToPlanLine)).Select(ToOrderLine).ToList();
        var quote = await Route(S.Request!, lines, now, excluded: null, quoteOnly: true);
        if (!Decide(current, quote).Swap)
        {
            return false;
        }

        TrackStep();
        var routing = await Route(S.Request!, lines, now, excluded: null);
        var decision = Decide(current, routing);
        var plan = Plan();
        var reservationId = plan.TakeProposalReservation();
        if (!decision.Swap)
        {
            // Held for nothing (the race moved on since the quote): the holds and claims go back, the id is burnt.
            plan.AbandonProposal(reservationId, ProposalParcels(routing.Shipments));
            Take(plan, "system:re-optimiser");
            await WriteOrReload();
            await FinishPending();
            GridMetrics.Reoptimised("kept");
            return false;
        }
        Take(plan, "system:re-optimiser");
        // Released at once once moved: the order's wave has come, and it was planned again at its last moment.
        S.Swap = new SwapInProgress(reservationId, routing.Shipments.Select(p => p with
        {
            Lines = p.Lines.Select(l => l with { UnitPrice = UnitPriceOf(l.Sku) }).ToList(),
            Status = ShipmentStatus.Released,
            ReservationId = reservationId,
            ReleaseAt = null,
        }).ToList(), decision.Reason);
        await WriteOrReload(); // the intent, before anything is committed
        return await FinishSwap();
    }

    private SwapDecision Decide(PlanCost current, RoutingResult proposal) =>
        Reoptimiser.Decide(current, new PlanCost(proposal.Shipments.Count, proposal.Shipments.Sum(s => s.Cost)),
            proposal.Shipments.Count > 0 && proposal.Backordered.Count == 0 && proposal.UnknownSkus.Count == 0, Waves.MinSaving);

    private static List<(string NodeId, IReadOnlyList<PlanLine> Lines, DateOnly? DispatchOn)> ProposalParcels(IEnumerable<ShipmentAllocation> shipments) =>
        shipments.Select(s => (s.NodeId, (IReadOnlyList<PlanLine>)s.Lines.Select(ToPlanLine).ToList(), s.DispatchOn)).ToList();

    /// <summary>
    /// The second half of a move (also run by whoever finds one in the record after a crash): commits
    /// every line of the new parcels; all in, the new parcels replace the old ones (whose stock and
    /// capacity go back after the write); any refused (a hold expired), the new reservation is given back
    /// whole and the order keeps its plan. Either way the order never holds less than before. Answers whether it moved.
    /// </summary>
    private async Task<bool> FinishSwap()
    {
        var swap = S.Swap!;
        var commits = swap.Parcels.SelectMany(p => p.Lines.Select(l => new PendingOp(PendingOpKind.Commit, p.NodeId, l.Sku, l.Quantity, swap.ReservationId))).ToList();
        var results = await Task.WhenAll(commits.Select(Execute)); // a failure leaves the intent in the record for the next call or the sweep
        var plan = Plan();
        var moved = results.All(r => r > 0) && plan.CanReoptimise;
        if (moved)
        {
            var ids = plan.CompleteSwap(swap.ReservationId,
                swap.Parcels.Select(p => (p.NodeId, (IReadOnlyList<PlanLine>)p.Lines.Select(ToPlanLine).ToList(), p.DispatchOn, p.ReleaseAt)).ToList(), swap.Reason);
            Take(plan, "system:re-optimiser", swap.Parcels.Select((p, i) => p with { ShipmentId = ids[i] }).ToList());
            S.Reoptimisations++;
        }
        else
        {
            logger.LogInformation("Order {Order}: move to {Reservation} abandoned (a commit was refused or the order changed); it keeps its plan", OrderId, swap.ReservationId);
            plan.AbandonProposal(swap.ReservationId, ProposalParcels(swap.Parcels));
            Take(plan, "system:re-optimiser");
        }
        S.Swap = null;
        await WriteOrReload();
        GridMetrics.Reoptimised(moved ? "moved" : "abandoned");
        await FinishPending();
        return moved;
    }
}
