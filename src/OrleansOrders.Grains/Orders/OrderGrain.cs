using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using OrleansOrders.Contracts;
using OrleansOrders.Grains.Orders.Records;
using OrleansOrders.Orders;

namespace OrleansOrders.Grains.Orders;

/// <summary>
/// One order's life. Not reentrant: an order's steps run one at a time, so a resubmission waits
/// for the first submission to finish and then answers its result, and a cancel racing a ship is
/// decided by whichever runs first.
/// Every step follows one protocol: decide, write the new state together with the pending operations
/// it implies (holds to commit, stock to release or ship, ...) and, in the same atomic write, the
/// order's recovery entry (<see cref="IOrderRecordStore"/>), carry them out, say that they are done,
/// answer. A crash before the write leaves at most holds, which expire; a crash after it leaves
/// pending operations that the next call or the recovery shard's sweep (which finds the entry)
/// carries out again (they are idempotent while the stock grains remember them). Removing the entry
/// is what lets the stock grains forget (they prune their idempotency records after a week): nothing
/// stays pending in storage to be replayed later.
/// A failed write reloads what storage holds before the error goes back, so memory never runs
/// ahead of storage.
/// State: the hot record ("order", in the <see cref="IOrderRecordStore"/>: the plan, pending operations,
/// the latest history) is written by every step; the details record ("orderDetails", in grain storage:
/// the routing explanation, archived history) only when those change. A settled order leaves memory after a short idle time.
/// </summary>
public sealed partial class OrderGrain(
    IOrderRecordStore records,
    [FromKeyedServices(GridStorageExtensions.StateSerializerKey)] IGrainStorageSerializer serializer,
    StorageOperationCounter storageCounter,
    [FromKeyedServices(GridOptions.StorageName)] IGrainStorage storage,
    GridClock clock,
    IOptions<GridOptions> options,
    RecoverySettles settles,
    IdleOrders idleOrders,
    Routing.Router router,
    Events.OrderEventOutbox outbox,
    ILogger<OrderGrain> logger) : Grain, IOrderGrain, IIncomingGrainCallFilter
{
    private readonly GridOptions _options = options.Value;

    /// <summary>The hot record and the recovery entry beside it, read on activation.</summary>
    private OrderRecord _record = null!;

    private OrderState S => _record.State;

    /// <summary>The details record, read on activation only when the hot record exists (a new order has none: one read saved per order).</summary>
    private OnDemandState<OrderDetails> details = null!;

    private OrderDetails D => details.State;

    /// <summary>
    /// The routing explanation in the hot record is in storage already (<see cref="OrderState.ExplanationInHot"/>):
    /// the next write moves it to the details record, so it is written with the plan and once more at most.
    /// </summary>
    private bool _explanationDurable;

    /// <summary>The last history sequence storage holds: only entries up to it are published.</summary>
    private long _writtenSequence;

    private long LastSequence => S.History.Count > 0 ? S.History[^1].Sequence : 0;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        details = new OnDemandState<OrderDetails>(storage, "orderDetails", this.GetGrainId());
        _record = new OrderRecord(OrderId, this.GetGrainId(), records, serializer, storageCounter,
            _options.ReadPreviousOrderRecords ? storage : null);
        await _record.ReadAsync();
        if (_record.RecordExists)
        {
            // Details are written only before a write of the hot record that follows an earlier one,
            // so without a hot record there are none to read. (Should one exist all the same, its
            // first write here fails on the ETag, and that write's reload reads both records.)
            await details.ReadStateAsync();
        }
        _writtenSequence = LastSequence;
        _explanationDurable = S.ExplanationInHot;
        UpgradeLegacyState();
        await ForgetFinishedPending();
        await base.OnActivateAsync(cancellationToken);
    }

    /// <summary>
    /// After a read of storage: operations stored as pending by a step that settled without rewriting
    /// the record (see <see cref="TrySettleWithoutWriting"/>) are done, and must never run again (a
    /// stock grain forgets an operation id after a week: a replayed restock would count twice). They
    /// are unfinished only while the order's recovery entry still carries the stamp they were written
    /// under (read with the record); the entry goes only after every one of them was carried out and
    /// every written event published. A record of an earlier version was stamped by its recovery
    /// shard's ledger, which is asked; a shard that cannot be asked fails the call: nothing runs on a guess.
    /// </summary>
    private async Task ForgetFinishedPending()
    {
        if (S.Pending.Count == 0)
        {
            return;
        }
        var tracked = _record.Track?.Stamp ?? (_record.FromPreviousStore ? await Recovery.TrackedStamp(OrderId) : null);
        if (!OrderAggregate.StoredCallsUnfinished(S.PendingStamp, tracked))
        {
            S.Pending.Clear();
            S.PublishedSequence = Math.Max(S.PublishedSequence, _writtenSequence);
        }
    }

    /// <summary>
    /// Upgrades a state read in an older schema, in memory now and in storage with the next write (until
    /// then storage still holds the old shape, and every read upgrades it again, to the same result).
    /// Schema 1 carries the routing explanation itself: it moves to the details record with the next write. Schemas 1 and 2
    /// claimed node capacity under the order id: the allocations made so far keep releasing it there.
    /// </summary>
    private void UpgradeLegacyState()
    {
        if (S.SchemaVersion >= OrderState.CurrentSchemaVersion)
        {
            return;
        }
        if (S.SchemaVersion < 2)
        {
            // Schema 1 kept the explanation in the hot record: it is the hot explanation, moved out by the next write.
            S.ExplanationInHot = !details.RecordExists && (S.Bids.Count > 0 || S.RoutedBy is not null || S.Excluded.Count > 0);
            if (!S.ExplanationInHot)
            {
                (S.Bids, S.RoutedBy, S.Excluded) = ([], null, []);
            }
            _explanationDurable = S.ExplanationInHot;
        }
        if (S.SchemaVersion < 3)
        {
            S.ClaimsUnderOrderId = S.ReservationCount;
        }
        // Schema 3 to 4 needs nothing: its pending operations carry stamp 0 (unfinished while tracked at all).
        S.SchemaVersion = OrderState.CurrentSchemaVersion;
    }

    private string OrderId => this.GetPrimaryKeyString();

    async Task<SubmitOrderResult> IOrderGrain.Submit(OrderRequest request) => GridMetrics.RecordSubmit(await SubmitCore(request));

    private async Task<SubmitOrderResult> SubmitCore(OrderRequest request)
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
            await FinishPending();
            return new SubmitOrderResult(SubmitOutcome.Replayed, View(), []);
        }

        if (request.PickupNodeId is { } store && await PickupStoreProblem(store) is { } problem)
        {
            return SubmitOrderResult.Invalid([problem]);
        }

        var now = clock.UtcNow;
        TrackStep();
        var routing = await Route(request, request.Lines, now, excluded: null, onlyNode: request.PickupNodeId);
        RoutingResult? shipRest = null;
        if (request.PickupNodeId is not null && request.AllowSplitShip && routing.Backordered.Count > 0 && routing.UnknownSkus.Count == 0 &&
            !_options.Routing.For(request.Channel, request.Routing, now).ShipComplete)
        {
            // What the store lacks ships to the customer, when the order allows it (and need not arrive complete).
            // It is the order's second allocation: it holds under the reservation id ApplyRouting will give it.
            shipRest = await Route(request, routing.Backordered, now, excluded: [request.PickupNodeId], allocationsAhead: 1);
        }
        if (routing.UnknownSkus.Count > 0)
        {
            Settle();
            return SubmitOrderResult.Invalid(routing.UnknownSkus.Select(s => $"Unknown SKU '{s}': no node stocks it.").ToList());
        }

        S.Request = request;
        S.AcceptedAt = now;
        Record(OrderEventKind.OrderAccepted, "storefront:" + request.Channel, null,
            $"{request.Lines.Count} lines for customer {request.CustomerId}" + (request.PickupNodeId is null ? "" : $", pickup at {request.PickupNodeId}"));
        if (request.PickupNodeId is null)
        {
            // Ship demand feeds the opportunity-cost forecast (pickups are served by their store alone).
            S.History[^1] = S.History[^1] with { Demand = new DemandSample(now, request.ShipTo, request.Lines) };
        }
        ApplyRouting(routing, pickup: request.PickupNodeId is not null);
        if (shipRest is not null)
        {
            S.Backordered = [];
            ApplyRouting(shipRest, pickup: false);
        }
        await WriteOrReload();
        // Backordered lines are allocated when stock arrives: FinishPending registers the order with
        // the SKUs' availability grains, which tell it.
        await FinishPending();
        return new SubmitOrderResult(SubmitOutcome.Accepted, View(), []);
    }

    async Task<OrderView?> IOrderGrain.Get()
    {
        if (S.Request is null)
        {
            LeaveMemoryWhenIdle(); // nothing to keep in memory for an order that does not exist
            return null;
        }
        await FinishPending();
        return View();
    }

    Task<IReadOnlyList<OrderEvent>> IOrderGrain.GetHistory()
    {
        // A spill writes the archive before the hot state drops the entries: an entry in both counts once.
        var firstHot = S.History.Count > 0 ? S.History[0].Sequence : long.MaxValue;
        return Task.FromResult<IReadOnlyList<OrderEvent>>(D.ArchivedHistory.Where(e => e.Sequence < firstHot).Concat(S.History).ToList());
    }

    async Task<CancelOrderResult> IOrderGrain.Cancel(string reason)
    {
        if (S.Request is null)
        {
            return new CancelOrderResult(CancelOutcome.NotFound, null, $"Order '{OrderId}' does not exist.");
        }
        await FinishPending();
        if (S.Cancelled)
        {
            return new CancelOrderResult(CancelOutcome.AlreadyCancelled, View(), S.CancelReason);
        }

        var plan = Plan();
        if (plan.Cancel(Clip(reason, "cancelled")) is { } refusal)
        {
            return new CancelOrderResult(CancelOutcome.NotCancellable, View(), refusal.Reason);
        }
        Take(plan, "customer");
        TrackStep();
        await WriteOrReload();
        await FinishPending();
        GridMetrics.OrderCancelled();
        return new CancelOrderResult(CancelOutcome.Cancelled, View(), S.CancelReason);
    }

    async Task<bool> IOrderGrain.Resume()
    {
        if (S.Request is null)
        {
            LeaveMemoryWhenIdle();
            return true; // tracked, then never written: nothing was accepted
        }
        await FinishPending();
        return S.Pending.Count == 0 && StockWaitsInSync();
    }

    /// <summary>
    /// Asks the router for parcels, in this order's turn (the silo's <see cref="Routing.Router"/>: a
    /// grain call to a router would only add a hop the order waits for). Each allocation of the order holds under a reservation id of its
    /// own (the order id first, then {orderId}~{n}), so a later allocation can take more stock at a
    /// grain where an earlier one is already committed.
    /// </summary>
    /// <param name="allocationsAhead">Allocations routed in this step but not yet applied (their ids come first).</param>
    private Task<RoutingResult> Route(OrderRequest request, IReadOnlyList<OrderLine> lines, DateTimeOffset now, IReadOnlyList<string>? excluded,
        string? onlyNode = null, int allocationsAhead = 0, bool quoteOnly = false) =>
        router.AllocateAsync(new AllocationRequest(
            OrderId, request.ShipTo, lines, now, _options.HoldTtl, excluded, onlyNode, OrderAggregate.ReservationIdOf(OrderId, S.ReservationCount + allocationsAhead), request.Channel, request.Routing,
            quoteOnly));

    /// <summary>Why a pickup order cannot go to this store, or null when it can.</summary>
    private async Task<string?> PickupStoreProblem(string storeId)
    {
        var store = await GrainFactory.Reference<IFulfilmentNodeGrain>(storeId).Get();
        if (store is null)
        {
            return $"Pickup store '{storeId}' does not exist.";
        }
        if (!store.Profile.Capabilities.HasFlag(NodeCapabilities.PickupInStore))
        {
            return $"Node '{storeId}' does not offer pickup in store.";
        }
        return store.Profile.Status == NodeStatus.Closed ? $"Pickup store '{storeId}' is closed." : null;
    }

    /// <summary>Adds the router's parcels (held stock) as new shipments with pending commits, and its leftovers to backorder.</summary>
    private void ApplyRouting(RoutingResult routing, bool pickup = false)
    {
        S.AllocationRounds += routing.Rounds;
        // The explanation goes out with the plan's own write (no second record on the order's path).
        S.RoutedBy = routing.Applied ?? (S.ExplanationInHot ? S.RoutedBy : D.RoutedBy);
        S.Bids = routing.Bids.ToList();
        S.Excluded = routing.Excluded.ToList();
        S.FastPath = routing.FastPath;
        S.ExplanationInHot = true;
        _explanationDurable = false;
        var plan = Plan();
        var reservationId = plan.NextReservationId;
        var releaseAt = ReleaseTimes(routing, pickup);
        var ids = plan.Allocate(
            routing.Shipments.Select(p => (p.NodeId, (IReadOnlyList<PlanLine>)p.Lines.Select(ToPlanLine).ToList(), p.DispatchOn)).ToList(),
            routing.Backordered.Select(ToPlanLine), pickup, releaseAt);
        plan.ReplacePromises(RoutedSkus(routing), PromisesOf(routing));
        var added = routing.Shipments.Select((parcel, i) => parcel with
        {
            ShipmentId = ids[i],
            Lines = parcel.Lines.Select(l => l with { UnitPrice = UnitPriceOf(l.Sku) }).ToList(),
            Status = ShipmentStatus.Released,
            Pickup = pickup,
            ReservationId = reservationId,
            ReleaseAt = releaseAt?[i],
        }).ToList();
        Take(plan, "router", added);
        EnlistForWaves(added);
        Record(OrderEventKind.OrderAllocated, "router", null,
            $"{routing.Shipments.Count} parcels from {string.Join(", ", routing.Shipments.Select(s => s.NodeId))}; " +
            $"backordered {string.Join(", ", routing.Backordered.Select(l => $"{l.Quantity} x {l.Sku}"))}; {routing.Rounds} rounds");
    }

    /// <summary>
    /// The router's backorder dates replace those of the lines it routed (lines not routed now keep
    /// theirs); a promise the new routing no longer counts on is withdrawn at its stock grain.
    /// Answers whether anything changed.
    /// </summary>
    private bool ReplaceBackorderDates(RoutingResult routing)
    {
        var plan = Plan();
        if (!plan.ReplacePromises(RoutedSkus(routing), PromisesOf(routing)))
        {
            return false;
        }
        Take(plan, "router");
        return true;
    }

    private static IEnumerable<string> RoutedSkus(RoutingResult routing) =>
        routing.Backordered.Select(l => l.Sku).Concat(routing.Shipments.SelectMany(s => s.Lines.Select(l => l.Sku)));

    private static List<InboundPromise> PromisesOf(RoutingResult routing) =>
        routing.BackorderDates.Select(d => new InboundPromise(d.Sku, d.Quantity, d.NodeId, d.PromisedBy)).ToList();

    private decimal UnitPriceOf(string sku) => S.Request?.Lines.FirstOrDefault(l => l.Sku == sku)?.UnitPrice ?? 0m;

    private void Replace(ShipmentAllocation old, ShipmentAllocation updated) =>
        S.Shipments[S.Shipments.FindIndex(s => s.ShipmentId == old.ShipmentId)] = updated;

    private static string Clip(string? text, string fallback) =>
        string.IsNullOrWhiteSpace(text) ? fallback : text.Trim()[..Math.Min(text.Trim().Length, 500)];

    private IOrderRecoveryGrain Recovery =>
        GrainFactory.Reference<IOrderRecoveryGrain>(OrderRecoveryShards.For(OrderId, _options.RecoveryShards));

    /// <summary>The step tracked under <see cref="OrderState.PendingStamp"/> is done: its recovery entry goes (batched per silo, see <see cref="RecoverySettles"/>).</summary>
    private void Settle()
    {
        _tracked = false;
        ForgetTrack();
    }

    /// <summary>Removes the recovery entry storage holds for the order, if any, at the ETag this activation knows.</summary>
    private void ForgetTrack()
    {
        if (_record.TakeTrack() is { } entry)
        {
            _settling = settles.Untrack(entry);
        }
    }

    /// <summary>The last entry removal this activation asked for, until it landed.</summary>
    private Task? _settling;

    /// <summary>
    /// Leaves only once this activation's last entry removal landed: the next activation reads the
    /// entry with the record, and should not carry out again a step that is done (harmless while the
    /// stock grains remember it, but work). A removal that failed is left to the sweep (it finds
    /// nothing to do), within the shard's grace.
    /// </summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_settling is { IsCompleted: false } settling)
        {
            try
            {
                await settling.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Order {Order}: its last settle was not confirmed before deactivation; the sweep finishes the step", OrderId);
            }
        }
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    /// <summary>This activation started a step that it has not reported settled yet: its writes carry the recovery entry.</summary>
    private bool _tracked;

    /// <summary>When the tracked step began: the sweep's grace runs from there.</summary>
    private DateTimeOffset _trackedAt;

    /// <summary>
    /// Starts a step: a new stamp, which the step's writes carry beside the pending operations and in
    /// the recovery entry written with them (nothing durable until then: a step that writes nothing
    /// leaves nothing to recover).
    /// </summary>
    private void TrackStep()
    {
        _tracked = true;
        _trackedAt = clock.UtcNow;
        S.PendingStamp = Math.Max(S.PendingStamp, _record.Track?.Stamp ?? 0) + 1;
    }

    /// <summary>
    /// The recovery entry a write carries: while a step is under way, and whenever operations are
    /// pending (a call finishing a crashed step's work writes what is still owed), so storage never
    /// holds pending operations that no entry sends the sweep to.
    /// </summary>
    private TrackEntry? EntryToWrite() => _tracked || S.Pending.Count > 0
        ? new TrackEntry(S.PendingStamp, _tracked ? _trackedAt : _record.Track?.TrackedAt ?? clock.UtcNow)
        : null;

    /// <summary>
    /// Writes the hot state. What moves out of it (history beyond its limit, the routing explanation
    /// once the plan's write carried it) is written to the details record first, so nothing is ever in
    /// neither record.
    /// </summary>
    private async Task WriteOrReload()
    {
        S.UpdatedAt = clock.UtcNow;
        WithdrawStaleInboundPromises();
        try
        {
            var moving = HistoryToArchive();
            var explanationMoves = S.ExplanationInHot && _explanationDurable;
            if (moving.Count > 0 || explanationMoves)
            {
                // Into the details record first, out of the hot record only once that landed: nothing is ever in neither.
                D.ArchivedHistory.AddRange(moving.Where(e => D.ArchivedHistory.Count == 0 || e.Sequence > D.ArchivedHistory[^1].Sequence));
                if (explanationMoves)
                {
                    // Written with the plan; from this write on it lives in the details record, written this once.
                    (D.Bids, D.RoutedBy, D.Excluded, D.FastPath) = (S.Bids, S.RoutedBy, S.Excluded, S.FastPath);
                }
                await details.WriteStateAsync();
                S.History.RemoveRange(0, moving.Count);
                if (explanationMoves)
                {
                    (S.Bids, S.RoutedBy, S.Excluded, S.FastPath, S.ExplanationInHot) = ([], null, [], null, false);
                }
            }
            var entry = EntryToWrite();
            await _record.WriteAsync(entry);
            if (entry is null)
            {
                ForgetTrack(); // nothing pending and no step under way: an earlier step's entry has nothing left to send the sweep to
            }
            _writtenSequence = LastSequence;
            _explanationDurable = S.ExplanationInHot;
        }
        catch (Exception writeError)
        {
            logger.LogWarning(writeError, "Order {Order}: state write failed; reloading what storage holds", OrderId);
            try
            {
                var stamp = S.PendingStamp;
                await Task.WhenAll(_record.ReadAsync(), details.ReadStateAsync());
                _writtenSequence = LastSequence;
                _explanationDurable = S.ExplanationInHot;
                UpgradeLegacyState();
                await ForgetFinishedPending();
                S.PendingStamp = Math.Max(S.PendingStamp, stamp); // this step stays tracked under its stamp
            }
            catch (Exception readError)
            {
                logger.LogError(readError, "Order {Order}: reload failed too; deactivating", OrderId);
                DeactivateOnIdle();
            }
            throw;
        }
    }

    /// <summary>The order's status, derived from its shipments by its rules (<see cref="OrderAggregate.Status"/>).</summary>
    private OrderStatus Status() => S.Request is null
        ? OrderStatus.None
        : StatusOf(Plan().Status());

    /// <summary>The oldest history entries to move out of the hot state, once it holds too many (published ones only).</summary>
    private List<OrderEvent> HistoryToArchive()
    {
        if (S.History.Count <= OrderState.HotHistoryLimit)
        {
            return [];
        }
        var published = _options.EventStreamProvider is { Length: > 0 } ? S.PublishedSequence : long.MaxValue;
        return S.History.Take(S.History.Count - OrderState.HotHistoryKept).TakeWhile(e => e.Sequence <= published).ToList();
    }

    private OrderView View() => new(
        OrderId, Status(), S.Request!, S.Shipments.ToList(), S.Backordered.ToList(),
        S.Shipments.Where(s => s.Status != ShipmentStatus.Cancelled).Sum(s => s.Cost),
        S.AllocationRounds, S.AcceptedAt, S.UpdatedAt, S.CancelReason, Explanation.Bids.ToList(), S.Returns.ToList(), S.BackorderDates.ToList(), Explanation.RoutedBy, Explanation.Excluded.ToList(),
        S.ExplanationInHot ? S.FastPath : D.FastPath);

    /// <summary>The latest routing's explanation, wherever it is kept now.</summary>
    private (List<NodeBid> Bids, RoutingPreferences? RoutedBy, List<NodeExclusion> Excluded) Explanation =>
        S.ExplanationInHot ? (S.Bids, S.RoutedBy, S.Excluded) : (D.Bids, D.RoutedBy, D.Excluded);
}
