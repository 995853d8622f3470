using OrleansOrders.Orders;
using OrleansOrders.Stock;

namespace OrleansOrders.Domain.Tests.Orders;

[Trait("Category", "fast")]
public sealed class ReleaseWaveListTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_write_carries_the_rows_that_changed_not_the_list()
    {
        var list = new ReleaseWaveList();
        for (var i = 0; i < 1_000; i++)
        {
            list.Enlist($"o{i}", T0.AddSeconds(i));
        }
        var first = 0;
        while (list.TakeChanges() is { } changes)
        {
            first += changes.Rows.Count;
        }
        Assert.Equal(1_000, first);

        list.Enlist("o1000", T0);
        list.Reschedule("o5", null);
        list.Reschedule("o6", T0.AddHours(1));
        var next = list.TakeChanges()!;
        Assert.Equal(3, next.Rows.Count);
        Assert.Single(next.Rows, r => r.Row is null && r.Key == LedgerRow.KeyOf(LedgerRowKind.WaveEntry, "o5"));
        Assert.Null(list.TakeChanges());
    }

    [Fact]
    public void An_order_keeps_its_earliest_time_and_due_entries_come_in_time_order()
    {
        var list = new ReleaseWaveList();
        Assert.True(list.Enlist("b", T0.AddMinutes(10)));
        Assert.True(list.Enlist("a", T0.AddMinutes(5)));
        Assert.False(list.Enlist("b", T0.AddMinutes(20))); // a later parcel of an order due sooner changes nothing
        Assert.False(list.Enlist("a", T0.AddMinutes(5)));  // a replay
        Assert.True(list.Enlist("b", T0.AddMinutes(1)));   // an earlier one moves it up
        Assert.Equal(["b"], list.Due(T0.AddMinutes(2)).Select(d => d.OrderId));
        Assert.Equal(["b", "a"], list.Due(T0.AddMinutes(5)).Select(d => d.OrderId));
        Assert.Equal(["b", "a"], list.Due(T0, all: true).Select(d => d.OrderId));
        Assert.Equal(T0.AddMinutes(1), list.Earliest);
    }

    [Fact]
    public void A_restored_list_is_the_stored_one_and_an_entry_added_and_removed_before_a_write_is_never_written()
    {
        var list = new ReleaseWaveList();
        list.Enlist("a", T0);
        list.Enlist("b", T0.AddMinutes(1));
        list.TakeChanges();
        var restored = ReleaseWaveList.Restore(list.Rows());
        Assert.Equal(2, restored.Count);
        Assert.Equal(T0.AddMinutes(1), restored.DueAt("b"));
        restored.Enlist("c", T0);
        restored.Reschedule("c", null);
        Assert.Null(restored.TakeChanges());
        Assert.Throws<InvalidDataException>(() => ReleaseWaveList.Restore([new LedgerRow(LedgerRowKind.Commitment, "x", 1, T0)]));
        Assert.Throws<ArgumentException>(() => restored.Enlist("a|b", T0));
    }
}
