using OrleansOrders.Stock;

namespace OrleansOrders.Domain.Tests.Stock;

[Trait("Category", "fast")]
public class StockLedgerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_write_carries_the_change_not_the_history()
    {
        var storage = new FakeLedgerStorage();
        var ledger = new StockLedger();
        ledger.SetLevel("count", 1_000_000, 0, Now);
        storage.Apply(ledger.TakeChanges(Now, TimeSpan.FromDays(7))!);
        for (var i = 0; i < 200_000; i++)
        {
            ledger.Commit($"order-{i}", 1, null);
            if (!ledger.HasRoom)
            {
                storage.Apply(ledger.TakeChanges(Now, TimeSpan.FromDays(7))!);
            }
        }
        storage.Apply(ledger.TakeChanges(Now, TimeSpan.FromDays(7))!);
        Assert.Equal(200_000, storage.RowCount - 1); // one row per commitment, plus the level's operation

        Assert.Equal(CommitDecision.Committed, ledger.Commit("one-more", 3, null).Decision);
        var changes = ledger.TakeChanges(Now, TimeSpan.FromDays(7))!;
        Assert.Single(changes.Rows);
        Assert.Equal("c|one-more", changes.Rows[0].Key);
        Assert.Equal(200_003, ledger.Committed);
    }

    [Fact]
    public void A_ship_moves_the_commitment_to_a_tombstone_in_one_write_and_a_replay_answers_the_same()
    {
        var ledger = new StockLedger();
        ledger.SetLevel("count", 10, 0, Now);
        ledger.Commit("r1", 4, null);
        ledger.TakeChanges(Now, TimeSpan.FromDays(7));

        Assert.Equal((4, false), ledger.Ship("r1", Now));
        var changes = ledger.TakeChanges(Now, TimeSpan.FromDays(7))!;
        Assert.Equal(["c|r1", "x|r1"], changes.Rows.Select(r => r.Key).Order());
        Assert.Null(changes.Rows.Single(r => r.Key == "c|r1").Row);
        Assert.Equal(6, changes.Header.OnHand);
        Assert.Equal((4, true), ledger.Ship("r1", Now));
        Assert.Equal(CommitDecision.Released, ledger.Commit("r1", 4, null).Decision); // never revived
    }

    [Fact]
    public void A_row_made_and_removed_between_writes_is_never_sent()
    {
        var ledger = new StockLedger();
        ledger.SetLevel("count", 10, 0, Now);
        ledger.TakeChanges(Now, TimeSpan.FromDays(7));
        ledger.Commit("r1", 2, null);
        ledger.Release("r1", Now);
        var changes = ledger.TakeChanges(Now, TimeSpan.FromDays(7))!;
        Assert.Equal(["x|r1"], changes.Rows.Select(r => r.Key)); // no delete of a commitment storage never had
    }

    [Fact]
    public void Dropping_a_hold_never_releases_a_commitment_and_only_the_attempt_that_held_drops_it()
    {
        var ledger = new StockLedger();
        ledger.SetLevel("count", 10, 0, Now);
        ledger.Hold("r1", 3, Now.AddMinutes(1), null, attempt: "first");
        Assert.Equal(0, ledger.DropHold("r1", attempt: "other"));
        ledger.Hold("r1", 3, Now.AddMinutes(1), null, attempt: "retry"); // the retry now owns the hold
        Assert.Equal(0, ledger.DropHold("r1", attempt: "first"));
        Assert.Equal(3, ledger.Held);
        ledger.Commit("r1", 3, null);
        Assert.Equal(0, ledger.DropHold("r1", attempt: "retry"));
        Assert.Equal(3, ledger.Committed);
    }

    [Fact]
    public void Holds_granted_on_stock_that_never_became_durable_do_not_survive_the_reload()
    {
        var storage = new FakeLedgerStorage();
        var ledger = new StockLedger();
        ledger.SetLevel("count", 5, 0, Now);
        storage.Apply(ledger.TakeChanges(Now, TimeSpan.FromDays(7))!);
        ledger.Restock("return-1", 10, Now);            // its write will fail
        ledger.Hold("r1", 4, Now.AddMinutes(1), null);  // fits the durable 5
        ledger.Hold("r2", 8, Now.AddMinutes(2), null);  // only fits with the restock
        ledger.TakeChanges(Now, TimeSpan.FromDays(7));  // the write is lost

        var reloaded = storage.Load();
        reloaded.AdoptHolds(ledger);
        Assert.Equal(5, reloaded.OnHand);
        Assert.Equal(["r1"], reloaded.Holds.Keys);
        Assert.True(reloaded.Free >= 0);
    }

    [Fact]
    public void Closed_reservations_are_forgotten_after_retention_in_the_room_a_write_has_left()
    {
        var storage = new FakeLedgerStorage();
        var ledger = new StockLedger();
        ledger.SetLevel("count", 1000, 0, Now);
        for (var i = 0; i < 500; i++)
        {
            ledger.Commit($"r{i}", 1, null);
            ledger.Release($"r{i}", Now);
            if (!ledger.HasRoom)
            {
                storage.Apply(ledger.TakeChanges(Now, TimeSpan.FromDays(7))!);
            }
        }
        storage.Apply(ledger.TakeChanges(Now, TimeSpan.FromDays(7))!);
        Assert.True(ledger.IsClosed("r0"));

        var later = Now.AddDays(8);
        var first = ledger.TakeChanges(later, TimeSpan.FromDays(7))!;
        Assert.Equal(StockLedger.MaxRowsPerWrite, first.Rows.Count);
        storage.Apply(first);
        storage.Apply(ledger.TakeChanges(later, TimeSpan.FromDays(7))!);
        Assert.False(ledger.IsClosed("r0"));
        Assert.Null(ledger.TakeChanges(later, TimeSpan.FromDays(7)));
        Assert.Equal(0, storage.RowCount);
    }

    [Fact]
    public void Available_is_never_negative_when_safety_stock_exceeds_on_hand()
    {
        var ledger = new StockLedger();
        ledger.SetLevel("count", 3, 4, Now);
        Assert.Equal(-1, ledger.Free);
        Assert.Equal(0, ledger.Available);
    }
}
