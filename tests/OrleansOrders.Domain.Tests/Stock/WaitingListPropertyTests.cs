using CsCheck;
using OrleansOrders.Stock;

namespace OrleansOrders.Domain.Tests.Stock;

/// <summary>
/// Random joins and leaves of a SKU's waiting list, with writes that succeed, fail, or land and
/// report failure (the grain reloads the stored list), deactivations, and a clock that stands still
/// or steps back. After every step the list in memory is the model's line (first come first served,
/// no order twice), a write never deletes a row the store lacks, and the stored rows read back into
/// the line the successful writes made.
/// </summary>
[Trait("Category", "fast")]
public class WaitingListPropertyTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    public enum Op { Join, Leave, Write, WriteFails, WriteLandsButFails, Deactivate, ClockStepsBack }

    public readonly record struct Step(Op Op, int Id)
    {
        public override string ToString() => $"{Op}(o{Id})";
    }

    private static readonly Gen<Step> StepGen = Gen.Select(
        Gen.Frequency((6, Gen.Const(Op.Join)), (4, Gen.Const(Op.Leave)), (3, Gen.Const(Op.Write)), (1, Gen.Const(Op.WriteFails)),
            (1, Gen.Const(Op.WriteLandsButFails)), (1, Gen.Const(Op.Deactivate)), (1, Gen.Const(Op.ClockStepsBack))),
        Gen.Int[0, 11],
        (op, id) => new Step(op, id));

    [Fact]
    public void The_line_is_first_come_first_served_through_failed_writes_deactivations_and_a_clock_that_stands_still() =>
        StepGen.Array[1, 120].Sample(steps => new Run().Play(steps), iter: 3000);

    [Fact]
    public void A_replayed_join_keeps_its_place_and_a_join_and_leave_before_a_write_writes_nothing()
    {
        var list = new WaitingList();
        Assert.True(list.Join("a", Start));
        Assert.True(list.Join("b", Start));
        Assert.False(list.Join("a", Start.AddMinutes(1)));
        Assert.Equal(["a", "b"], list.First(10));
        Assert.Equal(2, list.TakeChanges()!.Rows.Count);

        Assert.True(list.Join("c", Start));
        Assert.True(list.Leave("c"));
        Assert.False(list.Leave("c"));
        Assert.Empty(list.TakeChanges()!.Rows); // c was never stored: nothing to put, nothing to delete
        Assert.Null(list.TakeChanges());
        Assert.Equal(["a"], list.First(1));
        Assert.Throws<ArgumentException>(() => list.Join("x|y", Start));
        Assert.Throws<InvalidDataException>(() => WaitingList.Restore([new LedgerRow(LedgerRowKind.Commitment, "r1", 1, Start)]));
    }

    [Fact]
    public void A_write_carries_the_joins_and_leaves_since_the_last_one_not_the_whole_line()
    {
        var list = new WaitingList();
        for (var i = 0; i < 5_000; i++)
        {
            list.Join($"o{i}", Start);
            if (!list.HasRoom)
            {
                list.TakeChanges();
            }
        }
        list.TakeChanges();
        list.Join("late", Start);
        list.Leave("o17");
        Assert.Equal(2, list.TakeChanges()!.Rows.Count);
        Assert.Equal(5_000, list.Count);
        Assert.Equal("o0", list.First(1)[0]);
    }

    /// <summary>A waiting list, the store its writes reach, and the line the callers were told (the model).</summary>
    private sealed class Run
    {
        private readonly Dictionary<string, LedgerRow> _stored = new(StringComparer.Ordinal);
        private List<string> _storedLine = [];   // the model of the stored line
        private List<string> _line = [];         // the model of the line in memory
        private WaitingList _list = new();
        private DateTimeOffset _now = Start;

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
            var id = $"o{step.Id}";
            switch (step.Op)
            {
                case Op.Join:
                    Assert.Equal(!_line.Contains(id), _list.Join(id, _now));
                    if (!_line.Contains(id))
                    {
                        _line.Add(id);
                    }
                    break;
                case Op.Leave:
                    Assert.Equal(_line.Remove(id), _list.Leave(id));
                    break;
                case Op.Write:
                    Store(_list.TakeChanges());
                    _storedLine = [.. _line];
                    break;
                case Op.WriteFails:
                    _list.TakeChanges();
                    Reload();
                    break;
                case Op.WriteLandsButFails:
                    Store(_list.TakeChanges());
                    _storedLine = [.. _line];
                    Reload();
                    break;
                case Op.Deactivate:
                    Reload();
                    break;
                case Op.ClockStepsBack:
                    _now = _now.AddSeconds(-1);
                    break;
            }
        }

        private void Store(LedgerChanges? changes)
        {
            foreach (var change in changes?.Rows ?? [])
            {
                if (change.Row is null)
                {
                    Assert.True(_stored.Remove(change.Key), $"deleted {change.Key}, which the store does not have");
                }
                else
                {
                    _stored[change.Key] = change.Row;
                }
            }
        }

        private void Reload()
        {
            _list = WaitingList.Restore(_stored.Values.ToList());
            _line = [.. _storedLine];
        }

        private void Check(Step step)
        {
            Assert.True(_line.SequenceEqual(_list.First(int.MaxValue)), $"after {step}: line [{string.Join(",", _list.First(int.MaxValue))}], expected [{string.Join(",", _line)}]");
            Assert.Equal(_line.Count, _list.Count);
            var readBack = WaitingList.Restore(_stored.Values.ToList()).First(int.MaxValue);
            Assert.True(_storedLine.SequenceEqual(readBack), $"after {step}: stored [{string.Join(",", readBack)}], expected [{string.Join(",", _storedLine)}]");
        }
    }
}
