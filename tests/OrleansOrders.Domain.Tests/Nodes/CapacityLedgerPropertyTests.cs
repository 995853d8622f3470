using CsCheck;
using OrleansOrders.Nodes;

namespace OrleansOrders.Domain.Tests.Nodes;

/// <summary>
/// Random sequences of claims, moves, releases and their replays against one node's capacity, with
/// writes that fail, writes that land and report failure (the grain reloads and, by the write's stamp,
/// drops what landed), deactivations (memory forgotten) and days passing; after every step the stored
/// numbers must equal the claims really open, day by day, and the durable part must be what the
/// deltas carried.
/// </summary>
[Trait("Category", "fast")]
public class CapacityLedgerPropertyTests
{
    private const int DailyCapacity = 4;
    private static readonly DateOnly Start = new(2026, 12, 1);

    public enum Op { Claim, Release, ReleaseWithoutDay, Write, WriteFails, WriteLandsButFails, Deactivate, NextDay }

    public readonly record struct Step(Op Op, int Id, int Day)
    {
        public override string ToString() => $"{Op}(c{Id}, +{Day})";
    }

    private static readonly Gen<Step> StepGen = Gen.Select(
        Gen.Frequency((6, Gen.Const(Op.Claim)), (4, Gen.Const(Op.Release)), (1, Gen.Const(Op.ReleaseWithoutDay)), (3, Gen.Const(Op.Write)),
            (1, Gen.Const(Op.WriteFails)), (1, Gen.Const(Op.WriteLandsButFails)), (1, Gen.Const(Op.Deactivate)), (1, Gen.Const(Op.NextDay))),
        Gen.Int[0, 9], Gen.Int[0, 2],
        (op, id, day) => new Step(op, id, day));

    [Fact]
    public void Stored_numbers_equal_the_open_claims_through_replays_failed_writes_and_deactivations() =>
        StepGen.Array[1, 150].Sample(steps => new Run().Play(steps), iter: 3000);

    [Fact]
    public void A_replayed_claim_or_release_changes_nothing_and_a_full_day_refuses()
    {
        var ledger = new CapacityLedger([], new(StringComparer.Ordinal));
        Assert.True(ledger.Claim("a", Start, 2).Granted);
        Assert.Empty(ledger.Claim("a", Start, 2).Changes);
        Assert.True(ledger.Claim("b", Start, 2).Granted);
        Assert.False(ledger.Claim("c", Start, 2).Granted);
        Assert.True(ledger.Claim("a", Start.AddDays(1), 2).Granted); // a move frees today's unit
        Assert.Equal(1, ledger.UsedOn(Start));
        Assert.NotEmpty(ledger.Release("b", Start, Start));
        Assert.Empty(ledger.Release("b", Start, Start));
        Assert.Empty(ledger.Release("never", null, Start));
        Assert.Equal(0, ledger.UsedOn(Start));
        Assert.Equal(1, ledger.UsedOn(Start.AddDays(1)));
        Assert.NotEmpty(ledger.DropBefore(Start.AddDays(1)));
        Assert.Empty(ledger.Released); // b's mark went with its day
        Assert.Throws<ArgumentException>(() => ledger.Claim("", Start, 2));
    }

    [Fact]
    public void Past_days_are_dropped_once_per_day_and_again_when_a_reload_or_a_late_claim_brings_one_back()
    {
        var ledger = new CapacityLedger([], new(StringComparer.Ordinal));
        Assert.True(ledger.Claim("a", Start, 5).Granted);
        Assert.Empty(ledger.DropBefore(Start)); // nothing before today
        Assert.Empty(ledger.DropBefore(Start)); // and the same day again: not looked for twice
        var tomorrow = Start.AddDays(1);
        Assert.NotEmpty(ledger.DropBefore(tomorrow));
        Assert.False(ledger.OpenClaims.ContainsKey("a"));
        Assert.Empty(ledger.DropBefore(tomorrow));

        // A claim on a day already passed (not what the node sends, but the ledger does not assume it) is dropped on the next call.
        Assert.True(ledger.Claim("late", Start, 5).Granted);
        Assert.NotEmpty(ledger.DropBefore(tomorrow));
        Assert.Equal(0, ledger.UsedOn(Start));

        // A reload brings back stored maps that may hold past days: the next call of the same day looks again.
        var stored = new SortedDictionary<DateOnly, int> { [Start] = 3, [tomorrow] = 1 };
        ledger.Rebase(stored, new Dictionary<string, DateOnly>(StringComparer.Ordinal) { ["old"] = Start });
        Assert.NotEmpty(ledger.DropBefore(tomorrow));
        Assert.Equal((0, 1), (ledger.UsedOn(Start), ledger.UsedOn(tomorrow)));
        Assert.Empty(ledger.Released);
    }

    [Fact]
    public void A_claim_is_remembered_for_its_replay_window_then_forgotten_and_its_release_by_day_still_counts_once()
    {
        var t0 = new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);
        var ledger = new CapacityLedger([], new(StringComparer.Ordinal)) { ReplayWindow = TimeSpan.FromMinutes(10) };
        Assert.True(ledger.Claim("a", Start, 5, t0).Granted);
        Assert.Empty(ledger.Claim("a", Start, 5, t0.AddMinutes(9)).Changes); // a replay inside the window: nothing changes
        Assert.True(ledger.Claim("b", Start, 5, t0.AddMinutes(9)).Granted);
        Assert.Equal(2, ledger.UsedOn(Start));

        // Past the window of a (granted at t0; its replay did not renew it), a is forgotten; b is not yet.
        Assert.True(ledger.Claim("c", Start, 5, t0.AddMinutes(11)).Granted);
        Assert.Equal(["b", "c"], ledger.OpenClaims.Keys.Order());
        Assert.Equal(3, ledger.UsedOn(Start)); // forgetting keeps the units counted

        // a's release names its day (as the order's outbox does): one unit back, and its replay frees nothing.
        Assert.NotEmpty(ledger.Release("a", Start, Start));
        Assert.Empty(ledger.Release("a", Start, Start));
        Assert.Equal(2, ledger.UsedOn(Start));

        // A claim moved to another day is remembered from its last grant.
        Assert.True(ledger.Claim("b", Start.AddDays(1), 5, t0.AddMinutes(15)).Granted);
        Assert.True(ledger.Claim("d", Start, 5, t0.AddMinutes(22)).Granted); // c (t0+11) and b's first grant (t0+9) are past the window, b's move (t0+15) is not
        Assert.Equal(Start.AddDays(1), ledger.OpenClaims["b"]);
        Assert.False(ledger.OpenClaims.ContainsKey("c"));

        // Without a window, nothing is forgotten before its day passes.
        var keepAll = new CapacityLedger([], new(StringComparer.Ordinal));
        Assert.True(keepAll.Claim("a", Start, 5, t0).Granted);
        Assert.True(keepAll.Claim("b", Start, 5, t0.AddDays(1)).Granted);
        Assert.True(keepAll.OpenClaims.ContainsKey("a"));
    }

    /// <summary>A node's capacity, the storage its writes reach, and the claims really open (the model).</summary>
    private sealed class Run
    {
        private readonly Dictionary<int, DateOnly> _open = [];
        private readonly Dictionary<int, DateOnly> _everClaimed = [];
        private readonly List<CapacityDelta> _unwritten = [];
        private SortedDictionary<DateOnly, int> _storedUsed = [];
        private Dictionary<string, DateOnly> _storedReleased = new(StringComparer.Ordinal);
        private CapacityLedger _ledger;
        private DateOnly _today = Start;

        public Run() => _ledger = new CapacityLedger([], new(StringComparer.Ordinal));

        public void Play(Step[] steps)
        {
            foreach (var step in steps)
            {
                Apply(step);
                Check(step);
            }
        }

        private void Apply(Step step)
        {
            var id = $"c{step.Id}";
            switch (step.Op)
            {
                case Op.Claim:
                    if (_open.ContainsKey(step.Id) && !_ledger.OpenClaims.ContainsKey(id))
                    {
                        return; // a replay reaching a copy that forgot the claim counts again: by design, not checked here
                    }
                    var day = _today.AddDays(step.Day);
                    var (granted, changes) = _ledger.Claim(id, day, DailyCapacity);
                    _unwritten.AddRange(changes);
                    if (granted)
                    {
                        _open[step.Id] = day;
                        _everClaimed[step.Id] = day;
                    }
                    else if (_open.Count(o => o.Value == day && o.Key != step.Id) < DailyCapacity)
                    {
                        throw new Exception($"{step}: refused with room left on {day}");
                    }
                    break;
                case Op.Release:
                    if (!_everClaimed.TryGetValue(step.Id, out var claimedFor))
                    {
                        return; // only parcels whose claim was granted are released with a day
                    }
                    _unwritten.AddRange(_ledger.Release(id, claimedFor, _today));
                    _open.Remove(step.Id);
                    break;
                case Op.ReleaseWithoutDay:
                    // Exact for a claim this copy remembers; otherwise it frees nothing (an old outbox entry).
                    var remembered = _ledger.OpenClaims.ContainsKey(id);
                    _unwritten.AddRange(_ledger.Release(id, null, _today));
                    if (remembered)
                    {
                        _open.Remove(step.Id);
                    }
                    break;
                case Op.Write:
                    Store();
                    break;
                case Op.WriteFails:
                    Reload(); // nothing landed: the stored state plus every unwritten delta
                    break;
                case Op.WriteLandsButFails:
                    Store(); // it landed; the reload finds the write's own stamp and re-applies nothing
                    Reload();
                    break;
                case Op.Deactivate:
                    Store(); // a deactivation flushes first
                    _ledger = new CapacityLedger(Copy(_storedUsed), new(_storedReleased, StringComparer.Ordinal));
                    break;
                case Op.NextDay:
                    _today = _today.AddDays(1);
                    foreach (var gone in _open.Where(o => o.Value < _today).Select(o => o.Key).ToList())
                    {
                        _open.Remove(gone);
                    }
                    _unwritten.AddRange(_ledger.DropBefore(_today));
                    break;
            }
        }

        private void Store()
        {
            _storedUsed = Copy((SortedDictionary<DateOnly, int>)_ledger.UsedByDay);
            _storedReleased = new(_ledger.Released, StringComparer.Ordinal);
            _unwritten.Clear();
        }

        private void Reload()
        {
            var used = Copy(_storedUsed);
            var released = new Dictionary<string, DateOnly>(_storedReleased, StringComparer.Ordinal);
            foreach (var delta in _unwritten)
            {
                CapacityLedger.Apply(delta, used, released);
            }
            _ledger.Rebase(used, released);
        }

        private void Check(Step step)
        {
            foreach (var day in Enumerable.Range(0, 4).Select(d => _today.AddDays(d)))
            {
                var open = _open.Count(o => o.Value == day);
                if (_ledger.UsedOn(day) != open)
                {
                    throw new Exception($"after {step}: {_ledger.UsedOn(day)} units in use on {day}, {open} claims open");
                }
                if (open > DailyCapacity)
                {
                    throw new Exception($"after {step}: {open} claims on {day} past the capacity of {DailyCapacity}");
                }
            }
            // The durable part is exactly the stored state plus what the unwritten deltas carry.
            var used = Copy(_storedUsed);
            var released = new Dictionary<string, DateOnly>(_storedReleased, StringComparer.Ordinal);
            foreach (var delta in _unwritten)
            {
                CapacityLedger.Apply(delta, used, released);
            }
            if (!used.SequenceEqual(_ledger.UsedByDay) || released.Count != _ledger.Released.Count || released.Any(r => !_ledger.Released.TryGetValue(r.Key, out var d) || d != r.Value))
            {
                throw new Exception($"after {step}: the deltas do not carry what memory holds");
            }
        }

        private static SortedDictionary<DateOnly, int> Copy(SortedDictionary<DateOnly, int> from) => new(from);
    }
}
