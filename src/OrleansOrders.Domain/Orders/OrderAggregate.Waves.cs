namespace OrleansOrders.Orders;

/// <summary>
/// Soft allocation: a parcel waits for its node's release wave (<see cref="Parcel.IsSoft"/>), and
/// until then the re-optimiser may move the order elsewhere. A move is make-before-break: the new
/// stock is held, then committed, and only then does <see cref="CompleteSwap"/> give back the old,
/// so an order never holds less than before, whatever step a crash interrupts.
/// </summary>
public sealed partial class OrderAggregate
{
    /// <summary>The parcels allocated but not yet released to their nodes.</summary>
    public IEnumerable<Parcel> SoftParcels => _parcels.Where(p => p.IsSoft);

    /// <summary>
    /// The order may be planned again as a whole: nothing is backordered, it is not cancelled, and every
    /// parcel still counting is soft and ships (a pickup goes to its store alone), so a new plan under the
    /// order's own rules (ship complete, most parcels, kits) replaces the old one whole.
    /// </summary>
    public bool CanReoptimise
    {
        get
        {
            var live = _parcels.Where(p => p.Stage != ParcelStage.Cancelled).ToList();
            return !Cancelled && Backordered.Count == 0 && live.Count > 0 && live.All(p => p.IsSoft && !p.Pickup);
        }
    }

    /// <summary>The earliest time a soft parcel at <paramref name="nodeId"/> is released, or null when none waits there.</summary>
    public DateTimeOffset? NextReleaseAt(string nodeId) =>
        SoftParcels.Where(p => p.NodeId == nodeId).Select(p => p.ReleaseAt).Min();

    /// <summary>Releases the soft parcels at <paramref name="nodeId"/> that are due by <paramref name="now"/> (all of them when <paramref name="force"/>); answers their ids.</summary>
    public List<string> ReleaseDue(string nodeId, DateTimeOffset now, bool force = false)
    {
        var released = new List<string>();
        foreach (var parcel in SoftParcels.Where(p => p.NodeId == nodeId && (force || p.ReleaseAt <= now)).ToList())
        {
            Replace(parcel, parcel with { ReleaseAt = null });
            released.Add(parcel.Id);
            Facts.Add(new OrderFact(OrderFactKind.ShipmentReleased, null, $"{parcel.Id} to {parcel.NodeId}", "system:release-wave"));
        }
        return released;
    }

    /// <summary>
    /// Burns the next reservation id for a proposal the router has just held stock under (whether the
    /// order moves to it or not, the id is never used again: a stock grain remembers it as closed).
    /// </summary>
    public string TakeProposalReservation()
    {
        var id = NextReservationId;
        ReservationCount++;
        return id;
    }

    /// <summary>
    /// A proposal the order does not move to (or whose commits were refused): what the router held or
    /// the order committed under <paramref name="reservationId"/> goes back, and the capacity claimed for it.
    /// </summary>
    public void AbandonProposal(string reservationId, IEnumerable<(string NodeId, IReadOnlyList<PlanLine> Lines, DateOnly? DispatchOn)> parcels)
    {
        foreach (var (nodeId, lines, dispatchOn) in parcels)
        {
            foreach (var line in lines)
            {
                Outbox.Add(new OrderCall(OrderCallKind.Release, nodeId, line.Sku, line.Quantity, reservationId));
            }
            Outbox.Add(new OrderCall(OrderCallKind.ReleaseCapacity, nodeId, "", 0, reservationId, dispatchOn));
        }
    }

    /// <summary>
    /// The proposal's stock is committed under <paramref name="reservationId"/>: its parcels replace the
    /// soft ones (cancelled: their stock and capacity go back, owed in the outbox after this write).
    /// Answers the new parcels' ids, in order.
    /// </summary>
    public List<string> CompleteSwap(string reservationId, IReadOnlyList<(string NodeId, IReadOnlyList<PlanLine> Lines, DateOnly? DispatchOn, DateTimeOffset? ReleaseAt)> parcels, string reason)
    {
        if (!CanReoptimise)
        {
            throw new InvalidOperationException($"Order '{OrderId}' can no longer be re-planned as a whole.");
        }
        var old = SoftParcels.ToList();
        foreach (var parcel in old)
        {
            CancelParcel(parcel);
        }
        var ids = new List<string>(parcels.Count);
        foreach (var (nodeId, lines, dispatchOn, releaseAt) in parcels)
        {
            // Already committed by the swap's first phase: no commit owed.
            var parcel = new Parcel($"s{++ParcelCount}", nodeId, reservationId, ParcelStage.Released, lines, dispatchOn, false, releaseAt);
            _parcels.Add(parcel);
            ids.Add(parcel.Id);
        }
        Facts.Add(new OrderFact(OrderFactKind.OrderReoptimised, reason,
            $"{string.Join(", ", old.Select(p => $"{p.Id} at {p.NodeId}"))} replaced by {string.Join(", ", ids.Zip(parcels, (id, p) => $"{id} at {p.NodeId}"))}",
            "system:re-optimiser"));
        return ids;
    }

    private static string SoftRefusal(Parcel parcel) =>
        $"Shipment {parcel.Id} is not released to {parcel.NodeId} yet (it waits for the release wave at {parcel.ReleaseAt:yyyy-MM-dd HH:mm:ss}Z).";
}

/// <summary>The size and cost of a plan for the re-optimiser's comparison.</summary>
public sealed record PlanCost(int Parcels, decimal ShippingCost);

/// <summary>Whether the re-optimiser moves an order to a new plan, and why.</summary>
public sealed record SwapDecision(bool Swap, string Reason, decimal Saving, int ParcelsSaved);

/// <summary>The re-optimiser's rule: move only to a plan that covers the whole order and is clearly better.</summary>
public static class Reoptimiser
{
    /// <summary>
    /// Swap when the proposal covers every unit and either ships in fewer parcels at no higher cost, or in
    /// no more parcels for at least <paramref name="minSaving"/> less. A strict gain on every swap means an
    /// order cannot be moved back and forth.
    /// </summary>
    public static SwapDecision Decide(PlanCost current, PlanCost proposed, bool coversAll, decimal minSaving)
    {
        var saving = current.ShippingCost - proposed.ShippingCost;
        var parcelsSaved = current.Parcels - proposed.Parcels;
        if (!coversAll)
        {
            return new SwapDecision(false, "the new plan does not cover the whole order", saving, parcelsSaved);
        }
        if (parcelsSaved > 0 && saving >= 0)
        {
            return new SwapDecision(true, $"{parcelsSaved} fewer parcels, {saving:0.00} cheaper", saving, parcelsSaved);
        }
        if (parcelsSaved >= 0 && saving >= minSaving && saving > 0)
        {
            return new SwapDecision(true, $"{saving:0.00} cheaper in {proposed.Parcels} parcels", saving, parcelsSaved);
        }
        return new SwapDecision(false, parcelsSaved < 0 ? "the new plan ships in more parcels" : $"saves {saving:0.00}, less than {minSaving:0.00}", saving, parcelsSaved);
    }
}
