using CsCheck;
using OrleansOrders.Orders;

namespace OrleansOrders.Domain.Tests.Orders;

/// <summary>
/// Random lives of one order, played through <see cref="OrderAggregate"/> the way the order grain
/// plays them: each step builds the aggregate from what storage holds, decides, writes the result
/// with its outbox (a write may fail, or land and report failure), then carries the stored outbox
/// out against a model of the stock and node grains (idempotent by operation id, as theirs are),
/// backordering refused commits, until nothing is owed. After every step the order and the grid
/// agree: every open parcel's units are committed under its reservation and nothing else is, shipped
/// parcels shipped exactly their units, no hold is left, capacity is claimed exactly for the parcels
/// that still count, promises follow the backorder, each unit ordered is in exactly one place
/// (backordered, open, gone to the customer, or cancelled), every unit the nodes could not find
/// was written down once, returns announce only units that left, and the sellable units received
/// back are restocked where they came back, once.
/// </summary>
[Trait("Category", "fast")]
public class OrderAggregatePropertyTests
{
    private const string OrderId = "o1";
    private static readonly string[] Skus = ["A", "B", "C"];
    private static readonly string[] Nodes = ["n1", "n2", "n3"];
    private static readonly DateOnly Day = new(2026, 12, 2);

    public enum Act { Allocate, CommitRefusedNext, Cancel, CancelLines, Reject, RejectMissing, Advance, Reroute, CloseUncollected, StartReturn, ReceiveReturn }

    public enum Write { Lands, Fails, LandsButReportsFailure }

    public readonly record struct Step(Act Act, Write Write, int A, int B, int C)
    {
        public override string ToString() => $"{Act}/{Write}({A},{B},{C})";
    }

    private static readonly Gen<Step> StepGen = Gen.Select(
        Gen.Frequency((5, Gen.Const(Act.Allocate)), (1, Gen.Const(Act.CommitRefusedNext)), (1, Gen.Const(Act.Cancel)), (3, Gen.Const(Act.CancelLines)),
            (2, Gen.Const(Act.Reject)), (2, Gen.Const(Act.RejectMissing)), (5, Gen.Const(Act.Advance)), (1, Gen.Const(Act.Reroute)), (1, Gen.Const(Act.CloseUncollected)),
            (3, Gen.Const(Act.StartReturn)), (3, Gen.Const(Act.ReceiveReturn))),
        Gen.Frequency((8, Gen.Const(Write.Lands)), (1, Gen.Const(Write.Fails)), (1, Gen.Const(Write.LandsButReportsFailure))),
        Gen.Int[0, 7], Gen.Int[0, 7], Gen.Int[0, 7],
        (act, write, a, b, c) => new Step(act, write, a, b, c));

    private static readonly Gen<int[]> OrderedGen = Gen.Int[0, 4].Array[3];

    [Fact]
    public void Every_unit_is_in_one_place_and_the_grid_holds_exactly_what_the_order_says_through_failed_writes()
    {
        var restockingLives = PlayLives(maxSteps: 40, lives: 4000, start: []);
        // Some lives must reach a restocked return (the next test plays many more).
        Assert.True(restockingLives > 20, $"only {restockingLives} of 4000 lives restocked a return");
    }

    [Fact]
    public void Returns_announce_only_what_left_and_restock_what_came_back_sellable_once_through_failed_writes()
    {
        Step[] allocateAndShipEverything =
            [new(Act.Allocate, Write.Lands, 1, 0, 0), .. Enumerable.Range(0, 3).Select(i => new Step(Act.Advance, Write.Lands, i, (int)ParcelStep.Ship, 0))];
        var restockingLives = PlayLives(maxSteps: 30, lives: 3000, start: allocateAndShipEverything);
        Assert.True(restockingLives > 300, $"only {restockingLives} of 3000 lives restocked a return");
    }

    /// <summary>Plays random lives (each after the <paramref name="start"/> steps); answers how many restocked a return.</summary>
    private static int PlayLives(int maxSteps, int lives, Step[] start)
    {
        var restocking = 0;
        Gen.Select(OrderedGen, StepGen.Array[1, maxSteps]).Sample((ordered, steps) =>
        {
            var life = new Life(ordered);
            life.Play([.. start, .. steps]);
            if (life.Restocked)
            {
                Interlocked.Increment(ref restocking);
            }
        }, iter: lives);
        return restocking;
    }

    [Fact]
    public void A_parcel_rejected_twice_for_missing_stock_writes_down_both_times()
    {
        var life = new Life([5, 0, 0]);
        life.Play([
            new Step(Act.Allocate, Write.Lands, 0, 0, 0),
            new Step(Act.RejectMissing, Write.Lands, 0, 2, 1),
            new Step(Act.RejectMissing, Write.Lands, 0, 3, 1),
        ]);
    }

    [Fact]
    public void A_refused_step_changes_nothing_and_owes_nothing()
    {
        var plan = new OrderAggregate(OrderId,
            [new Parcel("s1", "n1", OrderId, ParcelStage.Shipped, [new PlanLine("A", 2)], Day)], [], [], false, 0, 1, 1);
        Assert.Equal(RefusalKind.NotAllowed, plan.Cancel("changed my mind")!.Kind);
        Assert.Equal(RefusalKind.NotAllowed, plan.CancelLines([new PlanLine("A", 1)], "no")!.Kind);
        Assert.Equal(RefusalKind.NotAllowed, plan.Reject("s1", null, true, "lost")!.Kind);
        Assert.Equal(RefusalKind.NotFound, plan.Reject("s9", null, true, "lost")!.Kind);
        Assert.Equal(RefusalKind.NotAllowed, plan.CheckStep("s1", ParcelStep.Pack).Refusal!.Kind);
        Assert.Equal(RefusalKind.Invalid, plan.CheckStep("s1", (ParcelStep)42).Refusal!.Kind);
        Assert.Equal(RefusalKind.NotAllowed, plan.CheckReroute()!.Kind);
        Assert.Empty(plan.Outbox);
        Assert.Empty(plan.Facts);
        Assert.Empty(plan.ChangedParcels);
        Assert.Equal(PlanStatus.Shipped, plan.Status());
        var returned = new OrderAggregate(OrderId, plan.Parcels, [], [], false, 0, 1, 1,
            [new OrderReturn("r1", [new PlanLine("A", 2)], "n2", [new ReturnedUnits("A", 1, true), new ReturnedUnits("A", 1, false, "torn")])]);
        Assert.Equal(PlanStatus.Returned, returned.Status());
    }

    [Fact]
    public void Stored_calls_are_unfinished_only_while_the_shard_tracks_the_stamp_they_were_written_under()
    {
        Assert.False(OrderAggregate.StoredCallsUnfinished(storedStamp: 7, trackedStamp: null));
        Assert.False(OrderAggregate.StoredCallsUnfinished(storedStamp: 7, trackedStamp: 8)); // a later step is tracked: these are done
        Assert.True(OrderAggregate.StoredCallsUnfinished(storedStamp: 7, trackedStamp: 7));
        Assert.True(OrderAggregate.StoredCallsUnfinished(storedStamp: 0, trackedStamp: 3)); // written before stamps: unfinished while tracked
        Assert.False(OrderAggregate.StoredCallsUnfinished(storedStamp: 0, trackedStamp: null));
    }

    /// <summary>What storage holds of the order (the grain's state, in the domain's shapes).</summary>
    private sealed record Stored(List<Parcel> Parcels, List<PlanLine> Backordered, List<InboundPromise> Promises, bool Cancelled, int Reservations, int ParcelCount,
        List<OrderCall> Pending, List<OrderReturn> Returns)
    {
        public OrderAggregate Build() => new(OrderId, Parcels, Backordered, Promises, Cancelled, 0, Reservations, ParcelCount, Returns);

        public static Stored From(OrderAggregate plan, IEnumerable<OrderCall> pendingBefore) =>
            new(plan.Parcels.ToList(), plan.Backordered.ToList(), plan.Promises.ToList(), plan.Cancelled, plan.ReservationCount, plan.ParcelCount,
                pendingBefore.Concat(plan.Outbox).ToList(), plan.Returns.ToList());
    }

    /// <summary>The stock and node grains one order touches, idempotent by operation id as theirs are.</summary>
    private sealed class Grid
    {
        public readonly Dictionary<(string Node, string Sku, string Reservation), int> Held = [];
        public readonly Dictionary<(string Node, string Sku, string Reservation), int> Committed = [];
        public readonly Dictionary<(string Node, string Sku, string Reservation), int> Shipped = [];
        public readonly HashSet<(string Node, string Claim)> Claims = [];
        public readonly Dictionary<(string Node, string Sku), int> Promised = [];
        public readonly Dictionary<(string Node, string Sku), int> WrittenDown = [];
        public readonly Dictionary<(string Node, string Sku), int> Restocked = [];
        private readonly HashSet<string> _applied = [];

        /// <summary>Carries a call out; answers the units it affected (0 for a refused commit).</summary>
        public int Execute(OrderCall call, bool refuseCommit)
        {
            var key = (call.NodeId, call.Sku, call.OperationId);
            switch (call.Kind)
            {
                case OrderCallKind.Commit:
                    if (Committed.TryGetValue(key, out var already))
                    {
                        return already; // a replayed commit answers what it committed
                    }
                    if (refuseCommit || !Held.Remove(key, out var held))
                    {
                        Held.Remove(key);
                        return 0;
                    }
                    Assert.Equal(call.Quantity, held);
                    Committed[key] = held;
                    return held;
                case OrderCallKind.Release:
                    Held.Remove(key);
                    return Committed.Remove(key, out var released) ? released : 0;
                case OrderCallKind.Reduce:
                    Assert.True(Committed.ContainsKey(key) || Shipped.ContainsKey(key), $"reduce of {key} with nothing committed");
                    if (Committed.ContainsKey(key))
                    {
                        Assert.True(call.Quantity <= Committed[key], $"reduce of {key} raises {Committed[key]} to {call.Quantity}");
                        Committed[key] = call.Quantity;
                    }
                    return call.Quantity;
                case OrderCallKind.Ship:
                    if (Committed.Remove(key, out var shipping))
                    {
                        Shipped[key] = Shipped.GetValueOrDefault(key) + shipping;
                    }
                    return shipping;
                case OrderCallKind.WriteDown:
                    if (_applied.Add($"adjust|{call.NodeId}|{call.Sku}|{call.OperationId}"))
                    {
                        WrittenDown[(call.NodeId, call.Sku)] = WrittenDown.GetValueOrDefault((call.NodeId, call.Sku)) + call.Quantity;
                    }
                    return call.Quantity;
                case OrderCallKind.Restock:
                    if (_applied.Add($"adjust|{call.NodeId}|{call.Sku}|{call.OperationId}"))
                    {
                        Restocked[(call.NodeId, call.Sku)] = Restocked.GetValueOrDefault((call.NodeId, call.Sku)) + call.Quantity;
                    }
                    return call.Quantity;
                case OrderCallKind.ReleaseCapacity:
                    Claims.Remove((call.NodeId, call.OperationId));
                    return 0;
                case OrderCallKind.SetInboundPromise:
                    if (call.Quantity == 0)
                    {
                        Promised.Remove((call.NodeId, call.Sku));
                    }
                    else
                    {
                        Promised[(call.NodeId, call.Sku)] = call.Quantity;
                    }
                    return call.Quantity;
                default:
                    throw new InvalidOperationException($"unexpected call {call.Kind}");
            }
        }
    }

    private sealed class Life(int[] ordered)
    {
        private readonly Grid _grid = new();
        private Stored _stored = new([], [.. Skus.Select((sku, i) => new PlanLine(sku, ordered[i]))], [], false, 0, 0, [], []);
        private readonly Dictionary<string, int> _cancelled = Skus.ToDictionary(s => s, _ => 0);
        private readonly Dictionary<(string Node, string Sku), int> _missing = [];
        private bool _refuseNextCommit;

        public bool Restocked => _grid.Restocked.Count > 0;

        public void Play(IReadOnlyList<Step> steps)
        {
            foreach (var step in steps)
            {
                Decide(step);
                FinishPending();
                Check(step);
            }
        }

        private void Decide(Step step)
        {
            var plan = _stored.Build();
            var gridUndo = new List<Action>();
            var cancelledNow = new Dictionary<string, int>();
            var missingNow = new Dictionary<(string, string), int>();
            switch (step.Act)
            {
                case Act.CommitRefusedNext:
                    _refuseNextCommit = true;
                    return;
                case Act.Allocate:
                    var lines = plan.Backordered.ToList();
                    if (lines.Count == 0 || plan.Cancelled)
                    {
                        return;
                    }
                    // The router holds some of each line at one or two nodes, claims their capacity, and may promise the rest from receipts.
                    var reservation = plan.NextReservationId;
                    var parcels = new Dictionary<string, List<PlanLine>>();
                    var left = new List<PlanLine>();
                    foreach (var (line, i) in lines.Select((l, i) => (l, i)))
                    {
                        var take = (step.A + i) % 3 == 0 ? line.Quantity - Math.Min(line.Quantity, step.C % 2) : line.Quantity;
                        if (take > 0)
                        {
                            var node = Nodes[(step.B + i) % Nodes.Length];
                            (parcels.TryGetValue(node, out var at) ? at : parcels[node] = []).Add(line with { Quantity = take });
                        }
                        if (line.Quantity - take > 0)
                        {
                            left.Add(line with { Quantity = line.Quantity - take });
                        }
                    }
                    var pickup = step.C == 7 && parcels.Count == 1;
                    var routed = parcels.Select(p => (p.Key, (IReadOnlyList<PlanLine>)p.Value, (DateOnly?)Day)).ToList();
                    foreach (var (node, parcelLines, _) in routed)
                    {
                        foreach (var line in parcelLines)
                        {
                            var key = (node, line.Sku, reservation);
                            _grid.Held[key] = line.Quantity;
                            gridUndo.Add(() => _grid.Held.Remove(key)); // a hold of a lost step expires
                        }
                        _grid.Claims.Add((node, reservation));
                        gridUndo.Add(() => _grid.Claims.Remove((node, reservation))); // as does its capacity claim
                    }
                    plan.TakeBackorder();
                    plan.Allocate(routed, left, pickup);
                    var promises = left.Where(l => step.A % 2 == 0).Select(l => new InboundPromise(l.Sku, l.Quantity, "n3", Day.AddDays(5))).ToList();
                    foreach (var promise in promises)
                    {
                        var key = (promise.NodeId, promise.Sku);
                        var before = _grid.Promised.TryGetValue(key, out var was) ? was : (int?)null;
                        _grid.Promised[key] = promise.Quantity; // the router asks the receipts for it before the order writes
                        gridUndo.Add(() => { if (before is { } b) { _grid.Promised[key] = b; } else { _grid.Promised.Remove(key); } });
                    }
                    plan.ReplacePromises(lines.Select(l => l.Sku), promises);
                    break;
                case Act.Cancel:
                    var open = plan.Parcels.Where(p => p.IsOpen).SelectMany(p => p.Lines).Concat(plan.Backordered).ToList();
                    if (plan.Cancel("customer") is not null)
                    {
                        AssertUnchanged(plan);
                        return;
                    }
                    foreach (var line in open)
                    {
                        cancelledNow[line.Sku] = cancelledNow.GetValueOrDefault(line.Sku) + line.Quantity;
                    }
                    break;
                case Act.CancelLines:
                    var wanted = new List<PlanLine> { new(Skus[step.A % 3], step.B % 4) };
                    if (plan.CancelLines(wanted, "customer") is not null)
                    {
                        AssertUnchanged(plan);
                        return;
                    }
                    cancelledNow[wanted[0].Sku] = cancelledNow.GetValueOrDefault(wanted[0].Sku) + wanted[0].Quantity;
                    break;
                case Act.Reject:
                case Act.RejectMissing:
                    if (plan.Parcels.Count == 0)
                    {
                        return;
                    }
                    var parcel = plan.Parcels[step.A % plan.Parcels.Count];
                    var rejected = step.C % 3 == 0 ? null : parcel.Lines.Take(1).Select(l => l with { Quantity = Math.Max(1, step.B % (l.Quantity + 1)) }).ToList();
                    var missing = step.Act == Act.RejectMissing;
                    if (plan.Reject(parcel.Id, rejected, missing, "node") is not null)
                    {
                        AssertUnchanged(plan);
                        return;
                    }
                    if (missing)
                    {
                        foreach (var line in OrderAggregate.Merge(rejected ?? parcel.Lines))
                        {
                            missingNow[(parcel.NodeId, line.Sku)] = missingNow.GetValueOrDefault((parcel.NodeId, line.Sku)) + line.Quantity;
                        }
                    }
                    break;
                case Act.Advance:
                    if (plan.Parcels.Count == 0)
                    {
                        return;
                    }
                    var target = plan.Parcels[step.A % plan.Parcels.Count];
                    var parcelStep = (ParcelStep)(step.B % 7);
                    if (plan.CheckStep(target.Id, parcelStep).Refusal is not null)
                    {
                        AssertUnchanged(plan);
                        return;
                    }
                    plan.Advance(target.Id, parcelStep);
                    break;
                case Act.Reroute:
                    if (plan.CheckReroute() is not null)
                    {
                        return;
                    }
                    plan.ReleaseForReroute();
                    break;
                case Act.CloseUncollected:
                    // Units not collected go back to the shelf: the order no longer wants them.
                    foreach (var line in plan.CloseUncollected(plan.Parcels.Where(p => p.Stage == ParcelStage.ReadyForPickup).Select(p => p.Id).ToList(), _ => "window closed").SelectMany(p => p.Lines))
                    {
                        cancelledNow[line.Sku] = cancelledNow.GetValueOrDefault(line.Sku) + line.Quantity;
                    }
                    break;
                case Act.StartReturn:
                    // Return ids repeat (r0-r2), so replays and reused ids come up; a quantity of 0 is a bad request.
                    // Mostly units that left (a parcel that shipped), sometimes any SKU (more than shipped is refused).
                    var shippedLines = plan.Parcels.Where(p => p.HasLeft).SelectMany(p => p.Lines).ToList();
                    var announced = new List<PlanLine>
                    {
                        shippedLines.Count > 0 && step.B != 0 ? shippedLines[step.A % shippedLines.Count] with { Quantity = 1 + step.B % 2 } : new(Skus[step.A % 3], step.B % 4),
                    };
                    var openedBefore = plan.Returns.ToList();
                    var started = plan.StartReturn($"r{step.C % 3}", announced, "store", "too small");
                    if (started.Verdict != ReturnVerdict.Done)
                    {
                        AssertUnchanged(plan);
                        Assert.Equal(openedBefore, plan.Returns);
                        return;
                    }
                    break;
                case Act.ReceiveReturn:
                    // Mostly a return still open; sometimes any id (unknown or already received is refused or a replay).
                    var openReturns = plan.Returns.Where(r => !r.IsReceived).ToList();
                    var returnId = openReturns.Count > 0 && step.B != 6 ? openReturns[step.A % openReturns.Count].Id : $"r{step.A % 3}";
                    var items = (plan.FindReturn(returnId)?.Lines ?? [new PlanLine(Skus[step.A % 3], 1)])
                        .Select((l, i) => new ReturnedUnits(l.Sku, step.B == 7 ? l.Quantity + 1 : l.Quantity - Math.Min(l.Quantity - 1, step.B % 2), (step.C + i) % 2 == 0))
                        .ToList();
                    var returnsBefore = plan.Returns.ToList();
                    if (plan.ReceiveReturn(returnId, Nodes[step.C % 3], items, _ => 2.5m).Verdict != ReturnVerdict.Done)
                    {
                        AssertUnchanged(plan);
                        Assert.Equal(returnsBefore, plan.Returns);
                        return;
                    }
                    break;
            }
            plan.WithdrawStalePromises(); // before every write, as the grain does
            if (step.Write == Write.Fails)
            {
                // Nothing of the step is stored: what the router took for it expires.
                gridUndo.ForEach(undo => undo());
                return;
            }
            _stored = Stored.From(plan, _stored.Pending);
            foreach (var (sku, units) in cancelledNow)
            {
                _cancelled[sku] += units;
            }
            foreach (var (key, units) in missingNow)
            {
                _missing[key] = _missing.GetValueOrDefault(key) + units;
            }
        }

        private void AssertUnchanged(OrderAggregate plan)
        {
            Assert.Empty(plan.Outbox);
            Assert.Empty(plan.Facts);
            Assert.Empty(plan.ChangedParcels);
        }

        /// <summary>Carries the stored outbox out, backorders refused commits (a write of their own), until nothing is owed.</summary>
        private void FinishPending()
        {
            for (var round = 0; _stored.Pending.Count > 0; round++)
            {
                Assert.True(round < 10, "the outbox never empties");
                var refused = new List<OrderCall>();
                foreach (var call in _stored.Pending)
                {
                    var refuse = call.Kind == OrderCallKind.Commit && _refuseNextCommit;
                    if (_grid.Execute(call, refuse) == 0 && call.Kind == OrderCallKind.Commit)
                    {
                        refused.Add(call);
                    }
                    _refuseNextCommit &= !refuse;
                }
                // A replay of the same outbox (a write that landed but reported failure is carried out again) changes nothing.
                foreach (var call in _stored.Pending.Where(c => c.Kind != OrderCallKind.Commit))
                {
                    _grid.Execute(call, refuseCommit: false);
                }
                var plan = (_stored with { Pending = [] }).Build();
                plan.BackorderRefusedCommits(refused);
                plan.WithdrawStalePromises();
                _stored = Stored.From(plan, []);
            }
        }

        private void Check(Step step)
        {
            var plan = _stored.Build();
            var why = $"after {step}";
            // Each unit ordered is in one place.
            foreach (var (sku, i) in Skus.Select((s, i) => (s, i)))
            {
                var backordered = plan.Backordered.Where(l => l.Sku == sku).Sum(l => l.Quantity);
                var open = plan.Parcels.Where(p => p.IsOpen).SelectMany(p => p.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);
                var gone = plan.ShippedUnits(sku);
                Assert.True(ordered[i] == backordered + open + gone + _cancelled[sku],
                    $"{why}: {sku} ordered {ordered[i]} = backordered {backordered} + open {open} + gone {gone} + cancelled {_cancelled[sku]}");
                Assert.True(plan.Backordered.All(l => l.Quantity > 0), $"{why}: an empty backorder line");
            }
            if (plan.Cancelled)
            {
                Assert.Empty(plan.Backordered);
                Assert.DoesNotContain(plan.Parcels, p => p.IsOpen);
            }
            // The grid holds exactly what the order says.
            Assert.True(_grid.Held.Count == 0, $"{why}: holds left {string.Join(", ", _grid.Held)}");
            var openUnits = plan.Parcels.Where(p => p.IsOpen).SelectMany(p => p.Lines.Select(l => ((p.NodeId, l.Sku, p.ReservationId), l.Quantity)))
                .ToDictionary(x => x.Item1, x => x.Quantity);
            Assert.True(openUnits.Count == _grid.Committed.Count && openUnits.All(o => _grid.Committed.GetValueOrDefault(o.Key) == o.Value),
                $"{why}: open {string.Join(", ", openUnits)} vs committed {string.Join(", ", _grid.Committed)}");
            var goneUnits = plan.Parcels.Where(p => p.HasLeft).SelectMany(p => p.Lines.Select(l => ((p.NodeId, l.Sku, p.ReservationId), l.Quantity)))
                .ToDictionary(x => x.Item1, x => x.Quantity);
            Assert.True(goneUnits.Count == _grid.Shipped.Count && goneUnits.All(o => _grid.Shipped.GetValueOrDefault(o.Key) == o.Value),
                $"{why}: left {string.Join(", ", goneUnits)} vs shipped {string.Join(", ", _grid.Shipped)}");
            var claims = plan.Parcels.Where(p => p.Stage != ParcelStage.Cancelled).Select(p => (p.NodeId, plan.CapacityClaimOf(p))).ToHashSet();
            Assert.True(claims.SetEquals(_grid.Claims), $"{why}: claims {string.Join(", ", claims)} vs node claims {string.Join(", ", _grid.Claims)}");
            // Promises follow the backorder, and the receipts promise what the order counts on.
            foreach (var group in plan.Promises.GroupBy(p => p.Sku))
            {
                Assert.True(group.Sum(p => p.Quantity) <= plan.Backordered.Where(l => l.Sku == group.Key).Sum(l => l.Quantity), $"{why}: promised more than backordered");
            }
            var promised = plan.Promises.GroupBy(p => (p.NodeId, p.Sku)).ToDictionary(g => g.Key, g => g.Sum(p => p.Quantity));
            Assert.True(promised.Count == _grid.Promised.Count && promised.All(p => _grid.Promised.GetValueOrDefault(p.Key) == p.Value),
                $"{why}: promises {string.Join(", ", promised)} vs receipts {string.Join(", ", _grid.Promised)}");
            // A return announces only units that left and no unit twice; what came back sellable is restocked where it came back, once.
            foreach (var sku in Skus)
            {
                var announced = plan.Returns.Sum(r => r.Lines.Where(l => l.Sku == sku).Sum(l => l.Quantity));
                Assert.True(announced <= plan.ShippedUnits(sku), $"{why}: {announced} of {sku} announced for return, {plan.ShippedUnits(sku)} shipped");
            }
            var restock = plan.Returns.Where(r => r.IsReceived).SelectMany(r => r.Received!.Where(u => u.Restock).Select(u => (Key: (r.ReceivedAt!, u.Sku), u.Quantity)))
                .GroupBy(x => x.Key).ToDictionary(g => g.Key, g => g.Sum(x => x.Quantity));
            Assert.True(restock.Count == _grid.Restocked.Count && restock.All(r => _grid.Restocked.GetValueOrDefault(r.Key) == r.Value),
                $"{why}: received sellable {string.Join(", ", restock)} vs restocked {string.Join(", ", _grid.Restocked)}");
            // Units the nodes could not find were written down, once each.
            Assert.True(_missing.Count == _grid.WrittenDown.Count && _missing.All(m => _grid.WrittenDown.GetValueOrDefault(m.Key) == m.Value),
                $"{why}: missing {string.Join(", ", _missing)} vs written down {string.Join(", ", _grid.WrittenDown)}");
        }
    }
}
