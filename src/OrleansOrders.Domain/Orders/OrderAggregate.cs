namespace OrleansOrders.Orders;

/// <summary>
/// One order's rules, with no storage and no calls: its parcels, backorder and inbound promises, and
/// the decisions of each step (allocate, cancel, cancel lines, reject, advance, re-route for a new
/// address, close an uncollected pickup, backorder a refused commit, start and receive a return;
/// returns are in <c>OrderAggregate.Returns.cs</c>). A decision changes the plan and
/// appends what it owes other grains to <see cref="Outbox"/> and what happened to <see cref="Facts"/>;
/// a refused one changes nothing and answers a <see cref="Refusal"/>. The order grain builds one from
/// its state for a step, asks it, writes the result with the outbox, then carries the calls out.
/// Not thread-safe: it lives inside one grain call.
/// </summary>
public sealed partial class OrderAggregate
{
    private readonly List<Parcel> _parcels;

    public OrderAggregate(string orderId, IEnumerable<Parcel> parcels, IEnumerable<PlanLine> backordered, IEnumerable<InboundPromise> promises,
        bool cancelled, int claimsUnderOrderId, int reservationCount, int parcelCount, IEnumerable<OrderReturn>? returns = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        OrderId = orderId;
        _parcels = parcels.ToList();
        Backordered = Merge(backordered);
        Promises = promises.ToList();
        Cancelled = cancelled;
        ClaimsUnderOrderId = claimsUnderOrderId;
        ReservationCount = reservationCount;
        ParcelCount = parcelCount;
        _returns = returns?.ToList() ?? [];
    }

    public string OrderId { get; }

    /// <summary>Every parcel ever made, cancelled ones included, in the order they were made.</summary>
    public IReadOnlyList<Parcel> Parcels => _parcels;

    public List<PlanLine> Backordered { get; private set; }

    public List<InboundPromise> Promises { get; private set; }

    public bool Cancelled { get; private set; }

    public string? CancelReason { get; private set; }

    /// <summary>Allocations made before node capacity was claimed per reservation id (they share a claim under the order id).</summary>
    public int ClaimsUnderOrderId { get; }

    /// <summary>Allocations made so far; numbers the next one's reservation id.</summary>
    public int ReservationCount { get; private set; }

    /// <summary>Parcels made so far; numbers the next one's id (s1, s2, ...).</summary>
    public int ParcelCount { get; private set; }

    /// <summary>Calls decided in this aggregate's life, to be written with the step, then carried out.</summary>
    public List<OrderCall> Outbox { get; } = [];

    public List<OrderFact> Facts { get; } = [];

    /// <summary>
    /// The reservation id of an allocation: the order id for the first, {orderId}~{n} after, so a later
    /// allocation can take more stock where an earlier one is committed ('~' is never part of an id).
    /// </summary>
    public static string ReservationIdOf(string orderId, int allocation) => allocation == 0 ? orderId : $"{orderId}~{allocation}";

    public string NextReservationId => ReservationIdOf(OrderId, ReservationCount);

    public Parcel? Find(string parcelId) => _parcels.Find(p => p.Id == parcelId);

    /// <summary>
    /// Takes the router's parcels (stock already held under <see cref="NextReservationId"/>) as new
    /// parcels with a commit owed for each line, and its leftovers as backorder. Answers the new parcels' ids, in order.
    /// </summary>
    /// <param name="releaseAt">Per parcel, when it is released to its node (null: at once); null for all at once.</param>
    public List<string> Allocate(IReadOnlyList<(string NodeId, IReadOnlyList<PlanLine> Lines, DateOnly? DispatchOn)> parcels, IEnumerable<PlanLine> backordered, bool pickup,
        IReadOnlyList<DateTimeOffset?>? releaseAt = null)
    {
        var reservationId = NextReservationId;
        ReservationCount++;
        var ids = new List<string>(parcels.Count);
        for (var i = 0; i < parcels.Count; i++)
        {
            var (nodeId, lines, dispatchOn) = parcels[i];
            var parcel = new Parcel($"s{++ParcelCount}", nodeId, reservationId, ParcelStage.Released, lines, dispatchOn, pickup, releaseAt?[i]);
            _parcels.Add(parcel);
            ids.Add(parcel.Id);
            foreach (var line in lines)
            {
                Outbox.Add(new OrderCall(OrderCallKind.Commit, nodeId, line.Sku, line.Quantity, reservationId));
            }
        }
        Backordered = Merge(Backordered.Concat(backordered));
        return ids;
    }

    /// <summary>Empties the backorder before it is routed again (what the router leaves comes back through <see cref="Allocate"/>).</summary>
    public List<PlanLine> TakeBackorder()
    {
        var taken = Backordered;
        Backordered = [];
        return taken;
    }

    /// <summary>Cancels the whole order: every parcel not yet shipped gives back its stock and capacity, the backorder goes.</summary>
    public Refusal? Cancel(string reason)
    {
        if (Cancelled)
        {
            return new Refusal(RefusalKind.NotAllowed, $"Order '{OrderId}' is already cancelled.");
        }
        if (_parcels.Any(p => p.HasLeft))
        {
            return new Refusal(RefusalKind.NotAllowed,
                $"Order '{OrderId}' has shipped parcels and can no longer be cancelled as a whole; cancel unshipped lines instead.");
        }
        Cancelled = true;
        CancelReason = reason;
        foreach (var parcel in _parcels.Where(p => p.Stage != ParcelStage.Cancelled).ToList())
        {
            CancelParcel(parcel);
        }
        Backordered = [];
        Facts.Add(new OrderFact(OrderFactKind.OrderCancelled, reason, "all unshipped lines released"));
        return null;
    }

    /// <summary>
    /// Cancels units of some SKUs: from the backorder first, then from the newest open parcels. A parcel
    /// left empty is cancelled (its capacity goes back); an order left with nothing is cancelled.
    /// </summary>
    public Refusal? CancelLines(IReadOnlyList<PlanLine> lines, string reason)
    {
        if (Cancelled)
        {
            return new Refusal(RefusalKind.NotAllowed, $"Order '{OrderId}' is cancelled.");
        }
        if (lines.Count == 0 || lines.Any(l => l.Quantity < 1))
        {
            return new Refusal(RefusalKind.Invalid, "Name at least one line (sku, quantity >= 1) to cancel.");
        }
        var wanted = Merge(lines);
        var open = _parcels.Where(p => p.IsOpen).ToList();
        foreach (var line in wanted)
        {
            var cancellable = UnitsOf(Backordered, line.Sku) + open.Sum(p => UnitsOf(p.Lines, line.Sku));
            if (line.Quantity > cancellable)
            {
                return new Refusal(RefusalKind.NotAllowed, $"Only {cancellable} of {line.Sku} can still be cancelled (the rest has shipped or was never ordered).");
            }
        }

        foreach (var line in wanted)
        {
            var take = Math.Min(line.Quantity, UnitsOf(Backordered, line.Sku));
            Backordered = Merge(Backordered.Select(l => l.Sku == line.Sku ? l with { Quantity = l.Quantity - take } : l));
            var remaining = line.Quantity - take;
            for (var i = open.Count - 1; i >= 0 && remaining > 0; i--)
            {
                var current = Find(open[i].Id)!;
                var planned = current.Lines.FirstOrDefault(l => l.Sku == line.Sku);
                if (planned is null)
                {
                    continue;
                }
                var taken = Math.Min(remaining, planned.Quantity);
                remaining -= taken;
                ReduceLine(current, line.Sku, planned.Quantity - taken);
            }
        }
        if (Backordered.Count == 0 && _parcels.All(p => p.Stage == ParcelStage.Cancelled))
        {
            Cancelled = true;
            CancelReason = reason;
        }
        Facts.Add(new OrderFact(OrderFactKind.LinesCancelled, reason, Describe(wanted)));
        return null;
    }

    /// <summary>
    /// A node refuses lines of an open parcel (all of it when <paramref name="lines"/> is null): their
    /// stock goes back (written down too when the node could not find it), and they wait as backorder
    /// to be routed elsewhere.
    /// </summary>
    public Refusal? Reject(string parcelId, IReadOnlyList<PlanLine>? lines, bool stockMissing, string reason)
    {
        if (Find(parcelId) is not { } parcel)
        {
            return new Refusal(RefusalKind.NotFound, $"Order '{OrderId}' has no shipment '{parcelId}'.");
        }
        if (!parcel.IsOpen)
        {
            return new Refusal(RefusalKind.NotAllowed, $"Shipment {parcelId} is {parcel.Stage}; only unshipped shipments can be rejected.");
        }
        if (parcel.IsSoft)
        {
            return new Refusal(RefusalKind.NotAllowed, SoftRefusal(parcel));
        }
        var rejected = Merge(lines ?? parcel.Lines);
        foreach (var line in rejected)
        {
            var planned = UnitsOf(parcel.Lines, line.Sku);
            if (line.Quantity > planned)
            {
                return new Refusal(RefusalKind.Invalid, $"Shipment {parcelId} has {planned} of {line.Sku}; {line.Quantity} cannot be rejected.");
            }
        }
        if (rejected.Count == 0)
        {
            return new Refusal(RefusalKind.Invalid, "Name at least one line with a positive quantity to reject.");
        }

        var left = new List<PlanLine>();
        foreach (var line in parcel.Lines)
        {
            var remaining = line.Quantity - UnitsOf(rejected, line.Sku);
            if (remaining > 0)
            {
                left.Add(line with { Quantity = remaining });
            }
            if (remaining != line.Quantity)
            {
                Outbox.Add(remaining == 0
                    ? new OrderCall(OrderCallKind.Release, parcel.NodeId, line.Sku, line.Quantity, parcel.ReservationId)
                    : new OrderCall(OrderCallKind.Reduce, parcel.NodeId, line.Sku, remaining, parcel.ReservationId));
            }
        }
        if (left.Count == 0)
        {
            // Rejected whole: the parcel keeps the lines it was planned with; its stage says none ships.
            var cancelled = parcel with { Stage = ParcelStage.Cancelled };
            Replace(parcel, cancelled);
            ReleaseCapacityOf(cancelled);
        }
        else
        {
            Replace(parcel, parcel with { Lines = left });
        }
        if (stockMissing)
        {
            // The node could not find these units: its on hand (and so its availability) is corrected.
            // Named by what the parcel held before: a parcel rejected twice for one SKU writes down twice
            // (its units only go down, so the id never repeats), while a replay of this step's outbox writes down once.
            foreach (var line in rejected)
            {
                Outbox.Add(new OrderCall(OrderCallKind.WriteDown, parcel.NodeId, line.Sku, line.Quantity,
                    $"{OrderId}:{parcel.Id}:reject:{line.Sku}:{UnitsOf(parcel.Lines, line.Sku)}"));
            }
        }
        Backordered = Merge(Backordered.Concat(rejected));
        Facts.Add(new OrderFact(OrderFactKind.ShipmentRejected, reason,
            $"{Describe(rejected)} at {parcel.NodeId}{(stockMissing ? " (stock written down)" : "")}"));
        return null;
    }

    /// <summary>
    /// Whether a parcel may take a step: a refusal, or the stage it reaches (equal to the parcel's
    /// stage when it is there already: no change). Steps go forward only; delivery only after
    /// shipping; a pickup parcel is made ready and collected, never shipped or delivered.
    /// </summary>
    public (Refusal? Refusal, ParcelStage Target) CheckStep(string parcelId, ParcelStep step)
    {
        if (!Enum.IsDefined(step))
        {
            return (new Refusal(RefusalKind.Invalid, "step must be Acknowledge, Pick, Pack, Ship or Deliver."), default);
        }
        if (Find(parcelId) is not { } parcel)
        {
            return (new Refusal(RefusalKind.NotFound, $"Order '{OrderId}' has no shipment '{parcelId}'."), default);
        }
        var target = TargetOf(step);
        var pickupStep = step is ParcelStep.ReadyForPickup or ParcelStep.PickUp;
        if (parcel.Pickup != pickupStep && step is not (ParcelStep.Acknowledge or ParcelStep.Pick or ParcelStep.Pack))
        {
            return (new Refusal(RefusalKind.NotAllowed, parcel.Pickup
                ? $"Shipment {parcelId} is collected in store: use ready-for-pickup and picked-up, not ship or deliver."
                : $"Shipment {parcelId} ships to the customer: ready-for-pickup and picked-up do not apply."), target);
        }
        if (parcel.Stage == ParcelStage.Cancelled)
        {
            return (new Refusal(RefusalKind.NotAllowed, $"Shipment {parcelId} is cancelled."), target);
        }
        if (parcel.IsSoft)
        {
            return (new Refusal(RefusalKind.NotAllowed, SoftRefusal(parcel)), target);
        }
        if (parcel.Stage == target)
        {
            return (null, target);
        }
        if (parcel.Stage > target)
        {
            return (new Refusal(RefusalKind.NotAllowed, $"Shipment {parcelId} is already {parcel.Stage}; it cannot go back to {target}."), target);
        }
        if (step == ParcelStep.Deliver && parcel.Stage != ParcelStage.Shipped)
        {
            return (new Refusal(RefusalKind.NotAllowed, $"Shipment {parcelId} has not shipped yet."), target);
        }
        if (step == ParcelStep.PickUp && parcel.Stage != ParcelStage.ReadyForPickup)
        {
            return (new Refusal(RefusalKind.NotAllowed, $"Shipment {parcelId} is not ready for pickup yet."), target);
        }
        return (null, target);
    }

    /// <summary>
    /// Takes a step <see cref="CheckStep"/> allowed (a refusal, or false for no change, otherwise).
    /// Leaving the node (shipped, or collected in store as if shipped and delivered at once) owes a
    /// ship call per line: on hand and committed go down at the stock grain.
    /// </summary>
    public bool Advance(string parcelId, ParcelStep step)
    {
        var (refusal, target) = CheckStep(parcelId, step);
        if (refusal is not null)
        {
            throw new InvalidOperationException(refusal.Reason);
        }
        var parcel = Find(parcelId)!;
        if (parcel.Stage == target)
        {
            return false;
        }
        if (step is ParcelStep.Ship or ParcelStep.PickUp)
        {
            foreach (var line in parcel.Lines)
            {
                Outbox.Add(new OrderCall(OrderCallKind.Ship, parcel.NodeId, line.Sku, line.Quantity, parcel.ReservationId));
            }
        }
        Replace(parcel, parcel with { Stage = target });
        return true;
    }

    private static ParcelStage TargetOf(ParcelStep step) => step switch
    {
        ParcelStep.Acknowledge => ParcelStage.Acknowledged,
        ParcelStep.Pick => ParcelStage.Picked,
        ParcelStep.Pack => ParcelStage.Packed,
        ParcelStep.Ship => ParcelStage.Shipped,
        ParcelStep.ReadyForPickup => ParcelStage.ReadyForPickup,
        _ => ParcelStage.Delivered,
    };

    /// <summary>Why the order cannot be routed again for a new address (cancelled, or a node started on it), or null.</summary>
    public Refusal? CheckReroute()
    {
        if (Cancelled)
        {
            return new Refusal(RefusalKind.NotAllowed, $"Order '{OrderId}' is cancelled.");
        }
        return _parcels.Any(p => p.Stage is not (ParcelStage.Cancelled or ParcelStage.Released))
            ? new Refusal(RefusalKind.NotAllowed, "A node has already started on this order; the address can no longer change.")
            : null;
    }

    /// <summary>
    /// Before a re-route to a new address (<see cref="CheckReroute"/> allowed it): the parcels no node
    /// has started on are cancelled (their stock and capacity go back) and their lines wait as
    /// backorder. Answers the units released.
    /// </summary>
    public int ReleaseForReroute()
    {
        if (CheckReroute() is { } refusal)
        {
            throw new InvalidOperationException(refusal.Reason);
        }
        var released = _parcels.Where(p => p.Stage == ParcelStage.Released).ToList();
        foreach (var parcel in released)
        {
            CancelParcel(parcel);
        }
        Backordered = Merge(Backordered.Concat(released.SelectMany(p => p.Lines)));
        return released.Sum(p => p.Units);
    }

    /// <summary>
    /// Pickup parcels not collected by their time are cancelled: the units, still on the store's shelf,
    /// go back to available. An order left with nothing is cancelled. Answers the parcels closed.
    /// </summary>
    public List<Parcel> CloseUncollected(IEnumerable<string> parcelIds, Func<Parcel, string> reason)
    {
        var closed = new List<Parcel>();
        foreach (var id in parcelIds)
        {
            if (Find(id) is not { Stage: ParcelStage.ReadyForPickup } parcel)
            {
                continue;
            }
            CancelParcel(parcel);
            closed.Add(parcel);
            Facts.Add(new OrderFact(OrderFactKind.PickupNotCollected, reason(parcel), $"{parcel.Id} at {parcel.NodeId} cancelled and restocked", "system:pickup-window"));
        }
        if (closed.Count > 0 && Backordered.Count == 0 && _parcels.All(p => p.Stage == ParcelStage.Cancelled))
        {
            Cancelled = true;
            CancelReason = "not collected";
        }
        return closed;
    }

    /// <summary>
    /// Commits the stock grains refused (the hold expired and went to another order): each line leaves
    /// its parcel for the backorder; a parcel left empty is cancelled and gives its capacity back.
    /// </summary>
    public void BackorderRefusedCommits(IEnumerable<OrderCall> refused)
    {
        foreach (var call in refused)
        {
            if (call.Kind != OrderCallKind.Commit)
            {
                throw new ArgumentException($"Only a commit can be refused; got {call.Kind}.", nameof(refused));
            }
            var parcel = _parcels.LastOrDefault(p => p.NodeId == call.NodeId && p.ReservationId == call.OperationId && p.Stage != ParcelStage.Cancelled && p.Lines.Any(l => l.Sku == call.Sku));
            if (parcel is null)
            {
                continue; // already backordered or cancelled since: nothing of it is in a parcel any more
            }
            var line = parcel.Lines.First(l => l.Sku == call.Sku);
            var left = parcel.Lines.Where(l => l.Sku != call.Sku).ToList();
            if (left.Count > 0)
            {
                Replace(parcel, parcel with { Lines = left });
            }
            else
            {
                // No stock call: the stock grain refused, it holds nothing of this line. Capacity goes back.
                var emptied = parcel with { Stage = ParcelStage.Cancelled };
                Replace(parcel, emptied);
                ReleaseCapacityOf(emptied);
            }
            Backordered = Merge(Backordered.Append(line));
            Facts.Add(new OrderFact(OrderFactKind.LineBackordered, "the hold expired and the stock went to another order", $"{line.Quantity} x {line.Sku}", "stock:" + call.NodeId));
        }
    }

    /// <summary>
    /// The router's promise dates replace those of the SKUs it routed now (others keep theirs); a
    /// promise the new routing no longer counts on is withdrawn at its stock grain. Answers whether anything changed.
    /// </summary>
    public bool ReplacePromises(IEnumerable<string> routedSkus, IReadOnlyList<InboundPromise> promises)
    {
        var routed = routedSkus.ToHashSet(StringComparer.Ordinal);
        var next = Promises.Where(d => !routed.Contains(d.Sku)).Concat(promises).ToList();
        if (next.SequenceEqual(Promises))
        {
            return false;
        }
        foreach (var stale in Promises.Where(d => routed.Contains(d.Sku) && !promises.Any(n => n.NodeId == d.NodeId && n.Sku == d.Sku)))
        {
            Outbox.Add(new OrderCall(OrderCallKind.SetInboundPromise, stale.NodeId, stale.Sku, 0, OrderId));
        }
        Promises = next;
        return true;
    }

    /// <summary>
    /// Promises follow the backorder: units no longer backordered (allocated, cancelled) give their
    /// promise back to the node's receipts, earliest promises kept first. Run before every write, so
    /// the withdrawals are in the same write as the change that made them stale.
    /// </summary>
    public void WithdrawStalePromises()
    {
        if (Promises.Count == 0)
        {
            return;
        }
        var kept = new List<InboundPromise>();
        var left = Cancelled ? new Dictionary<string, int>(StringComparer.Ordinal) : Backordered.ToDictionary(l => l.Sku, l => l.Quantity, StringComparer.Ordinal);
        foreach (var promise in Promises.OrderBy(d => d.PromisedBy))
        {
            var keep = Math.Min(promise.Quantity, left.GetValueOrDefault(promise.Sku));
            left[promise.Sku] = left.GetValueOrDefault(promise.Sku) - keep;
            if (keep != promise.Quantity)
            {
                Outbox.Add(new OrderCall(OrderCallKind.SetInboundPromise, promise.NodeId, promise.Sku, keep, OrderId));
            }
            if (keep > 0)
            {
                kept.Add(promise with { Quantity = keep });
            }
        }
        Promises = kept;
    }

    /// <summary>The SKUs the order should wait for stock of: those it backorders, none once cancelled.</summary>
    public HashSet<string> WantedStockWaits() =>
        Cancelled ? new(StringComparer.Ordinal) : Backordered.Select(l => l.Sku).ToHashSet(StringComparer.Ordinal);

    /// <summary>Units shipped (or collected) of a SKU: what a return may bring back.</summary>
    public int ShippedUnits(string sku) => _parcels.Where(p => p.HasLeft).Sum(p => UnitsOf(p.Lines, sku));

    /// <summary>The order's status: the least advanced live parcel decides; received returns of every unit shipped make it returned.</summary>
    public PlanStatus Status()
    {
        var returnedUnits = ReceivedUnits;
        if (Cancelled)
        {
            return PlanStatus.Cancelled;
        }
        var live = _parcels.Where(p => p.Stage != ParcelStage.Cancelled).ToList();
        if (live.Count == 0)
        {
            return Backordered.Count > 0 ? PlanStatus.Backordered : PlanStatus.Accepted;
        }
        var shippedUnits = live.Where(p => p.HasLeft).Sum(p => p.Units);
        var allLeft = live.All(p => p.HasLeft);
        if (shippedUnits > 0 && returnedUnits >= shippedUnits && Backordered.Count == 0 && allLeft)
        {
            return PlanStatus.Returned;
        }
        if (Backordered.Count == 0 && live.All(p => p.Stage == ParcelStage.Delivered))
        {
            return PlanStatus.Delivered;
        }
        if (Backordered.Count == 0 && allLeft)
        {
            return PlanStatus.Shipped;
        }
        if (live.Any(p => p.Stage >= ParcelStage.Acknowledged))
        {
            return PlanStatus.ReleasedToNode;
        }
        return Backordered.Count == 0 ? PlanStatus.Allocated : PlanStatus.PartiallyAllocated;
    }

    /// <summary>
    /// After a read of storage: whether the calls stored as pending are unfinished. A step whose calls
    /// all went as planned settles without rewriting the order (its recovery shard lets the step's
    /// stamp go instead), so stored calls are unfinished only while the shard still tracks the stamp
    /// they were written under (stamp 0: written before stamps, unfinished while tracked at all).
    /// Running a finished one again could count a restock twice once the stock grain forgot its id.
    /// </summary>
    public static bool StoredCallsUnfinished(long storedStamp, long? trackedStamp) =>
        trackedStamp is { } tracked && (storedStamp == 0 || tracked == storedStamp);

    /// <summary>Cancels a parcel not yet shipped: its stock goes back, and the node's capacity.</summary>
    private void CancelParcel(Parcel parcel)
    {
        foreach (var line in parcel.Lines)
        {
            Outbox.Add(new OrderCall(OrderCallKind.Release, parcel.NodeId, line.Sku, line.Quantity, parcel.ReservationId));
        }
        var cancelled = parcel with { Stage = ParcelStage.Cancelled };
        Replace(parcel, cancelled);
        ReleaseCapacityOf(cancelled);
    }

    /// <summary>Lowers one line of an open parcel to <paramref name="keep"/> units (a release at 0); a parcel left empty is cancelled.</summary>
    private void ReduceLine(Parcel parcel, string sku, int keep)
    {
        var planned = parcel.Lines.First(l => l.Sku == sku);
        if (keep == planned.Quantity)
        {
            return;
        }
        Outbox.Add(keep == 0
            ? new OrderCall(OrderCallKind.Release, parcel.NodeId, sku, planned.Quantity, parcel.ReservationId)
            : new OrderCall(OrderCallKind.Reduce, parcel.NodeId, sku, keep, parcel.ReservationId));
        var lines = parcel.Lines.Select(l => l.Sku == sku ? l with { Quantity = keep } : l).Where(l => l.Quantity > 0).ToList();
        if (lines.Count == 0)
        {
            // The lines stay as they were planned (the history of the parcel); the stage says none ships.
            var cancelled = parcel with { Stage = ParcelStage.Cancelled };
            Replace(parcel, cancelled);
            ReleaseCapacityOf(cancelled);
        }
        else
        {
            Replace(parcel, parcel with { Lines = lines });
        }
    }

    /// <summary>
    /// Gives back the node capacity of a parcel that will not be dispatched: the claim its allocation
    /// made there, unless another parcel that still counts shares that claim (only parcels of
    /// allocations made before claims were per reservation do: see <see cref="ClaimsUnderOrderId"/>).
    /// </summary>
    private void ReleaseCapacityOf(Parcel parcel)
    {
        var claim = CapacityClaimOf(parcel);
        if (_parcels.Any(p => p.Id != parcel.Id && p.NodeId == parcel.NodeId && p.Stage != ParcelStage.Cancelled && CapacityClaimOf(p) == claim))
        {
            return;
        }
        Outbox.Add(new OrderCall(OrderCallKind.ReleaseCapacity, parcel.NodeId, "", 0, claim, parcel.DispatchOn));
    }

    /// <summary>The id a parcel's capacity was claimed under: its reservation id, or the order id for parcels from before claims were per reservation.</summary>
    public string CapacityClaimOf(Parcel parcel) =>
        parcel.ReservationId is { Length: > 0 } id && AllocationOf(id) >= ClaimsUnderOrderId ? id : OrderId;

    private static int AllocationOf(string reservationId)
    {
        var cut = reservationId.IndexOf('~');
        return cut >= 0 && int.TryParse(reservationId.AsSpan(cut + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;
    }

    private readonly SortedSet<int> _changed = [];

    /// <summary>Positions in <see cref="Parcels"/> of the parcels given at construction that a decision changed (new parcels come after them).</summary>
    public IReadOnlyCollection<int> ChangedParcels => _changed;

    private void Replace(Parcel old, Parcel updated)
    {
        var at = _parcels.FindIndex(p => p.Id == old.Id);
        _parcels[at] = updated;
        _changed.Add(at);
    }

    private static int UnitsOf(IEnumerable<PlanLine> lines, string sku)
    {
        var units = 0;
        foreach (var line in lines)
        {
            if (line.Sku == sku)
            {
                units += line.Quantity;
            }
        }
        return units;
    }

    /// <summary>One line per SKU (the first line's kit kept), quantities summed, empty lines dropped.</summary>
    public static List<PlanLine> Merge(IEnumerable<PlanLine> lines) =>
        lines.Where(l => l.Quantity > 0)
            .GroupBy(l => l.Sku, StringComparer.Ordinal)
            .Select(g => g.First() with { Quantity = g.Sum(l => l.Quantity) })
            .ToList();

    private static string Describe(IEnumerable<PlanLine> lines) => string.Join(", ", lines.Select(l => $"{l.Quantity} x {l.Sku}"));
}
