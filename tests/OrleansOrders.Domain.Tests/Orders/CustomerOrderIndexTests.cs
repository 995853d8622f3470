using OrleansOrders.Orders;
using OrleansOrders.Stock;

namespace OrleansOrders.Domain.Tests.Orders;

[Trait("Category", "fast")]
public class CustomerOrderIndexTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_flush_writes_the_orders_added_since_the_last_one_not_the_customers_history()
    {
        var index = new CustomerOrderIndex();
        for (var i = 0; i < 1_000; i++)
        {
            index.Add($"o{i}", Start.AddSeconds(i));
        }
        var written = 0;
        while (index.TakeChanges() is { } changes)
        {
            Assert.InRange(changes.Rows.Count, 1, CustomerOrderIndex.MaxRowsPerWrite); // a transaction's worth at a time
            written += changes.Rows.Count;
            index.Written();
        }
        Assert.Equal(1_000, written);

        Assert.True(index.Add("late", Start.AddHours(1)));
        Assert.False(index.Add("o5", Start.AddHours(2))); // the stream delivered it again: it keeps its time
        var next = index.TakeChanges()!;
        Assert.Equal(LedgerRow.KeyOf(LedgerRowKind.CustomerOrder, "late"), Assert.Single(next.Rows).Key);
        index.Written();
        Assert.Null(index.TakeChanges());
        Assert.Equal(["late", "o999", "o998"], index.NewestFirst().Take(3));
    }

    [Fact]
    public void A_failed_write_leaves_its_orders_to_the_next_and_a_snapshot_holds_only_what_was_handed_to_a_write()
    {
        var index = new CustomerOrderIndex();
        index.Add("a", Start);
        index.Add("b", Start.AddSeconds(1));
        var first = index.TakeChanges()!;
        Assert.Equal(2, first.Rows.Count);
        index.Add("c", Start.AddSeconds(2));
        Assert.Equal(["a", "b"], index.StoredRows().Select(r => r.Id).Order()); // c is not handed to a write yet
        index.Failed();
        Assert.Equal(3, index.Unwritten);
        Assert.Equal(3, index.TakeChanges()!.Rows.Count);
        index.Written();

        var restored = CustomerOrderIndex.Restore(index.StoredRows());
        Assert.Equal(["c", "b", "a"], restored.NewestFirst());
        Assert.Equal(0, restored.Unwritten);
    }

    [Fact]
    public void Bad_ids_and_rows_of_other_kinds_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new CustomerOrderIndex().Add("x|y", Start));
        Assert.Throws<ArgumentException>(() => new CustomerOrderIndex().Add("", Start));
        Assert.Throws<InvalidDataException>(() => CustomerOrderIndex.Restore([new LedgerRow(LedgerRowKind.WaitingOrder, "o1", 0, Start)]));
    }
}
