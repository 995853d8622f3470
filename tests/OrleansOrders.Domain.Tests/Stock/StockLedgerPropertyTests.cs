using CsCheck;
using OrleansOrders.Stock;

namespace OrleansOrders.Domain.Tests.Stock;

/// <summary>
/// Random sequences of every stock operation against one ledger, with writes that fail before they
/// land or land and then report failure (the grain then reloads from storage), checked against the
/// invariants after every step. CsCheck shrinks a failing sequence to a short one and prints it.
/// </summary>
[Trait("Category", "fast")]
public class StockLedgerPropertyTests
{
    private const int Initial = 40;
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
    private static readonly string?[] Channels = [null, "web", "store"];

    public enum Op { Hold, Commit, Release, DropHold, Ship, Reduce, Restock, Adjust, Receive, SetLevel, Reserve, ExpectReceipt, CancelReceipt, Promise, Tick, Write, WriteFails, WriteLandsButFails }

    public readonly record struct Step(Op Op, int Id, int Quantity, int Channel)
    {
        public override string ToString() => $"{Op}(r{Id}, {Quantity}, {Channels[Channel] ?? "-"})";
    }

    private static readonly Gen<Step> StepGen = Gen.Select(
        Gen.Frequency((6, Gen.Const(Op.Hold)), (5, Gen.Const(Op.Commit)), (2, Gen.Const(Op.Release)), (2, Gen.Const(Op.DropHold)),
            (2, Gen.Const(Op.Ship)), (1, Gen.Const(Op.Reduce)), (1, Gen.Const(Op.Restock)), (1, Gen.Const(Op.Adjust)), (1, Gen.Const(Op.Receive)),
            (1, Gen.Const(Op.SetLevel)), (1, Gen.Const(Op.Reserve)), (1, Gen.Const(Op.ExpectReceipt)), (1, Gen.Const(Op.CancelReceipt)),
            (1, Gen.Const(Op.Promise)), (1, Gen.Const(Op.Tick)), (4, Gen.Const(Op.Write)), (1, Gen.Const(Op.WriteFails)), (1, Gen.Const(Op.WriteLandsButFails))),
        Gen.Int[0, 7], Gen.Int[-3, 12], Gen.Int[0, 2],
        (op, id, quantity, channel) => new Step(op, id, quantity, channel));

    [Fact]
    public void Every_sequence_keeps_the_invariants_through_failed_and_ambiguous_writes() =>
        StepGen.Array[1, 120].Sample(steps => new Run().Play(steps), iter: 3000);

    /// <summary>One ledger, the storage its writes reach, and the facts the invariants are checked against.</summary>
    private sealed class Run
    {
        private readonly FakeLedgerStorage _storage = new();
        private StockLedger _ledger = new();
        private DateTimeOffset _now = Start;
        private long _initial;

        public Run()
        {
            _ledger.SetLevel("initial", Initial, 2, _now);
            Write(); // the level is durable before the sequence starts
            _initial = Initial - _ledger.Adjusted; // SetLevel records its change as an adjustment
        }

        public void Play(Step[] steps)
        {
            foreach (var step in steps)
            {
                Apply(step);
                var violations = _ledger.CheckInvariants(_initial);
                if (violations.Count > 0)
                {
                    throw new Exception($"after {step}: {string.Join(" ", violations)}");
                }
            }
            // Whatever happened, what storage holds is a ledger that keeps the invariants too.
            Write();
            var stored = _storage.Load();
            Assert.Empty(stored.CheckInvariants(_initial));
            Assert.Equal(_ledger.OnHand, stored.OnHand);
            Assert.Equal(_ledger.Committed, stored.Committed);
            Assert.Equal(_ledger.Commitments.OrderBy(c => c.Key), stored.Commitments.OrderBy(c => c.Key));
        }

        private void Apply(Step step)
        {
            var id = $"r{step.Id}";
            var channel = Channels[step.Channel];
            var quantity = Math.Max(1, step.Quantity);
            try
            {
                switch (step.Op)
                {
                    case Op.Hold:
                        if (_ledger.Hold(id, quantity, _now.AddSeconds(30), channel, attempt: $"a{step.Channel}").Decision == HoldDecision.Granted)
                        {
                            Assert.True(_ledger.Held + _ledger.Committed <= _ledger.OnHand - _ledger.SafetyStock, $"hold {id} granted beyond on hand");
                            Assert.True(_ledger.Free >= 0);
                        }
                        break;
                    case Op.Commit:
                        var before = _ledger.Commitments.GetValueOrDefault(id);
                        var closed = _ledger.IsClosed(id);
                        var (decision, units) = _ledger.Commit(id, quantity, channel);
                        if (decision == CommitDecision.Committed)
                        {
                            Assert.False(closed, $"closed reservation {id} revived");
                            Assert.Equal(before == 0 ? quantity : before, units); // a replay answers the first commit
                            Assert.True(before > 0 || _ledger.Committed <= _ledger.OnHand - _ledger.SafetyStock, $"commit {id} beyond on hand");
                        }
                        break;
                    case Op.Release:
                        var committed = _ledger.Commitments.GetValueOrDefault(id);
                        var held = _ledger.Holds.TryGetValue(id, out var h) ? h.Quantity : 0;
                        Assert.Equal(committed + held, _ledger.Release(id, _now));
                        Assert.Equal(0, _ledger.Release(id, _now)); // a replay frees nothing
                        break;
                    case Op.DropHold:
                        var commitmentBefore = _ledger.Commitments.GetValueOrDefault(id);
                        _ledger.DropHold(id, $"a{step.Channel}");
                        Assert.Equal(commitmentBefore, _ledger.Commitments.GetValueOrDefault(id)); // never a commitment
                        break;
                    case Op.Ship:
                        var toShip = _ledger.Commitments.GetValueOrDefault(id);
                        var onHandBefore = _ledger.OnHand;
                        var first = _ledger.Ship(id, _now);
                        Assert.True(first.Replay || first.Units == Math.Min(toShip, onHandBefore));
                        Assert.Equal(first.Units, _ledger.Ship(id, _now).Units); // a replay answers the same
                        break;
                    case Op.Reduce:
                        _ledger.Reduce(id, Math.Max(0, step.Quantity), _now);
                        break;
                    case Op.Restock:
                        Idempotent(() => _ledger.Restock($"op{step.Id}", quantity, _now));
                        break;
                    case Op.Adjust:
                        Idempotent(() => _ledger.Adjust($"op{step.Id}", step.Quantity - 5, _now));
                        break;
                    case Op.Receive:
                        Idempotent(() => _ledger.Receive($"in{step.Id % 3}", quantity, _now));
                        break;
                    case Op.SetLevel:
                        _ledger.SetLevel($"count{step.Id}", Math.Max(0, step.Quantity * 4), Math.Max(0, step.Quantity % 4), _now);
                        break;
                    case Op.Reserve:
                        _ledger.SetReserve(step.Quantity <= 0 ? null : new LedgerReserve(step.Quantity, [Channels[step.Channel] ?? "web"]));
                        break;
                    case Op.ExpectReceipt:
                        _ledger.ExpectReceipt(new LedgerReceipt($"in{step.Id % 3}", quantity, DateOnly.FromDateTime(_now.UtcDateTime).AddDays(step.Id)));
                        break;
                    case Op.CancelReceipt:
                        _ledger.CancelReceipt($"in{step.Id % 3}");
                        break;
                    case Op.Promise:
                        _ledger.PromiseInbound($"order{step.Id}", Math.Max(0, step.Quantity));
                        break;
                    case Op.Tick:
                        _now = _now.AddSeconds(Math.Max(1, step.Quantity) * 5);
                        _ledger.ExpireHolds(_now);
                        Assert.All(_ledger.Holds.Values, hold => Assert.True(hold.ExpiresAt > _now));
                        break;
                    case Op.Write:
                        Write();
                        break;
                    case Op.WriteFails:
                        _ledger.TakeChanges(_now, TimeSpan.FromDays(7)); // lost on the way: storage keeps what it had
                        Reload();
                        break;
                    case Op.WriteLandsButFails:
                        Write(); // it landed; the writer only hears an error, and reloads
                        Reload();
                        break;
                }
            }
            catch (LedgerRuleException)
            {
                // Refused input (a level out of range, a receipt received before): must change nothing, checked by the invariants.
            }
        }

        private void Idempotent(Func<bool> operation)
        {
            var applied = operation();
            var (onHand, received, restocked, adjusted) = (_ledger.OnHand, _ledger.Received, _ledger.Restocked, _ledger.Adjusted);
            Assert.False(operation(), "an operation applied twice");
            Assert.Equal((onHand, received, restocked, adjusted), (_ledger.OnHand, _ledger.Received, _ledger.Restocked, _ledger.Adjusted));
            _ = applied;
        }

        private void Write()
        {
            while (_ledger.TakeChanges(_now, TimeSpan.FromDays(7)) is { } changes)
            {
                Assert.True(changes.Rows.Count <= StockLedger.MaxRowsPerWrite);
                _storage.Apply(changes);
            }
        }

        private void Reload()
        {
            var reloaded = _storage.Load();
            reloaded.AdoptHolds(_ledger);
            _ledger = reloaded;
            // A hold is a promise only while it fits what storage says is there.
            Assert.True(_ledger.Holds.Count == 0 || _ledger.Free >= 0, "holds survived a reload they no longer fit");
        }
    }
}

/// <summary>What a store keeps of a ledger: the header and the rows, changed only by whole writes.</summary>
internal sealed class FakeLedgerStorage
{
    private readonly Dictionary<string, LedgerRow> _rows = new(StringComparer.Ordinal);
    private LedgerHeader _header = LedgerHeader.Empty;

    public int Writes { get; private set; }

    public int RowCount => _rows.Count;

    public void Apply(LedgerChanges changes)
    {
        foreach (var change in changes.Rows)
        {
            if (change.Row is null)
            {
                Assert.True(_rows.Remove(change.Key), $"deleted row {change.Key}, which storage never had");
            }
            else
            {
                _rows[change.Key] = change.Row;
            }
        }
        _header = changes.Header;
        Writes++;
    }

    public StockLedger Load() => StockLedger.Restore(_header, _rows.Values);
}
