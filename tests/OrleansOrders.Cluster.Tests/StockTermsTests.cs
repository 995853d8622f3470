using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// A stock grain's terms: the channel reserve, enforced at hold time (raced), and expected receipts,
/// from which backordered orders are promised first come, first served, never one unit twice
/// (raced); receipts that arrive, shrink or are cancelled take their promises with them. Invalid
/// terms are refused with <see cref="ArgumentException"/> and change nothing.
/// </summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class StockTermsTests(GridClusterFixture fixture)
{
    private static readonly DateOnly Dec1 = new(2026, 12, 1);
    private static readonly DateOnly Dec5 = new(2026, 12, 5);
    private static readonly TimeSpan HoldFor = TimeSpan.FromMinutes(10);
    private static readonly string[] StoreAndPickup = ["store", "pickup"];

    private readonly IGrainFactory _grains = fixture.Grains;

    private async Task<IStockGrain> Seed(string prefix, int onHand, int safety = 0)
    {
        var net = new TestNetwork(_grains, prefix);
        var node = await net.AddNode("dc", TestNetwork.Newark);
        var sku = net.Sku("item");
        await net.SetStock(node, sku, onHand, safety);
        return _grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, sku));
    }

    /// <summary>Receipts A (10 units, Dec 1) and B (5 units, Dec 5): 15 inbound units, A's first.</summary>
    private static async Task ExpectAAndB(IStockGrain stock)
    {
        await stock.ExpectReceipt(new ExpectedReceipt("B", 5, Dec5));
        await stock.ExpectReceipt(new ExpectedReceipt("A", 10, Dec1));
    }

    private static async Task<IReadOnlyDictionary<string, int>> Promises(IStockGrain stock) => (await stock.GetSnapshot()).InboundPromises;

    [Fact]
    public async Task A_commit_whose_hold_expired_cannot_take_the_reserve_for_a_channel_it_excludes()
    {
        var stock = await Seed("reserve-expired", 10);
        await stock.SetReserve(new ChannelReserve(4, StoreAndPickup));
        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("web-late", 6, TimeSpan.FromSeconds(1), "web")).Outcome);
        fixture.Time.Advance(TimeSpan.FromSeconds(2)); // the hold expires
        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("web-next", 3, HoldFor, "web")).Outcome);

        // Only 3 unreserved units are free now: the late web commit of 6 must not eat into the reserve,
        // while a store commit of the same size may.
        Assert.Equal(CommitOutcome.Insufficient, (await stock.Commit("web-late", 6, "web")).Outcome);
        Assert.Equal(CommitOutcome.Committed, (await stock.Commit("store-late", 4, "store")).Outcome);
        var snapshot = await stock.GetSnapshot();
        Assert.Equal((4, 3), (snapshot.Committed, snapshot.Held));
    }

    [Fact]
    public async Task A_received_receipt_cannot_be_declared_again_whatever_other_operations_used_its_id()
    {
        var stock = await Seed("receipt-twice", 0);
        await stock.Restock("po-9", 1); // an unrelated operation that happens to share the id
        await stock.ExpectReceipt(new ExpectedReceipt("po-9", 5, Dec1)); // still declarable: it was never received
        await stock.Receive("po-9-delivery", 5);
        await stock.ExpectReceipt(new ExpectedReceipt("po-7", 5, Dec1));
        await stock.Receive("po-7", 5);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => stock.ExpectReceipt(new ExpectedReceipt("po-7", 5, Dec5)));
        Assert.Contains("already received", error.Message);
        var snapshot = await stock.GetSnapshot();
        Assert.Equal(11, snapshot.OnHand);
        Assert.Equal(["po-9"], snapshot.Inbound.Select(r => r.ReceiptId));
    }

    [Fact]
    public async Task A_reserve_keeps_its_units_from_channels_it_does_not_allow_and_gives_them_to_those_it_does()
    {
        var stock = await Seed("reserve", 12, safety: 2);
        var snapshot = await stock.SetReserve(new ChannelReserve(4, StoreAndPickup));
        Assert.Equal(4, snapshot.Reserve!.Quantity);
        Assert.Equal(10, snapshot.Available); // the reserve is still on hand: it limits who may take it

        Assert.Equal(new HoldResult(HoldOutcome.Insufficient, 6), await stock.Hold("web-1", 7, HoldFor, "web"));
        Assert.Equal(HoldOutcome.Insufficient, (await stock.Hold("none-1", 7, HoldFor)).Outcome); // no channel: not allowed either
        Assert.Equal(HoldOutcome.Insufficient, (await stock.Hold("case-1", 7, HoldFor, "Store")).Outcome); // channel names are exact
        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("web-1", 6, HoldFor, "web")).Outcome);
        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("web-1", 6, HoldFor, "web")).Outcome); // a replay counts what it holds
        Assert.Equal(new HoldResult(HoldOutcome.Insufficient, 0), await stock.Hold("app-1", 1, HoldFor, "app"));

        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("store-1", 3, HoldFor, "store")).Outcome);
        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("pickup-1", 1, HoldFor, "pickup")).Outcome);
        Assert.Equal(HoldOutcome.Insufficient, (await stock.Hold("store-2", 1, HoldFor, "store")).Outcome);
        Assert.Equal(10, (await stock.GetSnapshot()).Held);

        // Released reserve units are reserved again; cleared, the reserve binds nobody.
        await stock.Release("store-1");
        Assert.Equal(HoldOutcome.Insufficient, (await stock.Hold("web-2", 1, HoldFor, "web")).Outcome);
        Assert.Null((await stock.SetReserve(null)).Reserve);
        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("web-2", 3, HoldFor, "web")).Outcome);
    }

    [Fact]
    public async Task A_hundred_concurrent_holds_of_mixed_channels_never_give_the_reserve_to_a_channel_it_excludes()
    {
        const int sellable = 65, reserved = 20;
        var stock = await Seed("reserve-race", sellable + 5, safety: 5);
        await stock.SetReserve(new ChannelReserve(reserved, StoreAndPickup));
        string?[] channels = ["web", "store", "app", "pickup", null];
        var asks = Enumerable.Range(0, 100).Select(i => (Id: $"h{i}", Channel: channels[i % channels.Length], Quantity: 1 + i * 7 % 4)).ToList();

        var results = await Task.WhenAll(asks.Select(a => stock.Hold(a.Id, a.Quantity, HoldFor, a.Channel)));

        var granted = asks.Zip(results).Where(x => x.Second.Outcome == HoldOutcome.Granted).Select(x => x.First).ToList();
        bool Allowed(string? channel) => channel is "store" or "pickup";
        var total = granted.Sum(a => a.Quantity);
        var excluded = granted.Where(a => !Allowed(a.Channel)).Sum(a => a.Quantity);
        Assert.True(excluded <= sellable - reserved, $"channels the reserve excludes took {excluded} of {sellable - reserved}");
        Assert.True(total <= sellable, $"holds took {total} of {sellable}");
        Assert.Contains(granted, a => Allowed(a.Channel));
        Assert.Contains(granted, a => !Allowed(a.Channel));
        var snapshot = await stock.GetSnapshot();
        Assert.Equal(total, snapshot.Held);
        Assert.Equal(sellable - total, snapshot.Available);

        // No refusal was wrong: availability only fell during the race, so each refused ask is more
        // than its channel could take even at the end.
        foreach (var (ask, result) in asks.Zip(results).Where(x => x.Second.Outcome != HoldOutcome.Granted))
        {
            var left = snapshot.Available - (Allowed(ask.Channel) ? 0 : reserved);
            Assert.True(ask.Quantity > left, $"{ask.Id} ({ask.Channel ?? "no channel"}) asked {ask.Quantity} and was refused with {left} left to it");
        }

        // Committing every granted hold keeps the books: committed stock fits what is sellable.
        await Task.WhenAll(granted.Select(a => stock.Commit(a.Id, a.Quantity)));
        snapshot = await stock.GetSnapshot();
        Assert.Equal(total, snapshot.Committed);
        Assert.Equal(0, snapshot.Held);
    }

    [Fact]
    public async Task Inbound_promises_are_first_come_first_served_and_never_promise_a_unit_twice()
    {
        var stock = await Seed("promise-fcfs", 0);
        await ExpectAAndB(stock);
        Assert.Equal(["A", "B"], (await stock.GetSnapshot()).Inbound.Select(r => r.ReceiptId)); // earliest first

        Assert.Equal(Dec1, await stock.PromiseInbound("o1", 8));
        Assert.Equal(Dec5, await stock.PromiseInbound("o2", 5)); // its last unit is B's
        Assert.Null(await stock.PromiseInbound("o3", 3));        // 2 left: promised units are not promised again
        Assert.Equal(new Dictionary<string, int> { ["o1"] = 8, ["o2"] = 5 }, await Promises(stock));
        Assert.Equal([new ExpectedReceipt("B", 2, Dec5)], (await stock.GetOffer()).Inbound);

        Assert.Equal(Dec5, await stock.PromiseInbound("o3", 2));
        Assert.Null(await stock.PromiseInbound("o4", 1));
        Assert.Equal(Dec1, await stock.PromiseInbound("o1", 8)); // a replay answers the same
        Assert.Equal(new Dictionary<string, int> { ["o1"] = 8, ["o2"] = 5, ["o3"] = 2 }, await Promises(stock));
        Assert.Empty((await stock.GetOffer()).Inbound);
        Assert.Equal(0, (await stock.GetSnapshot()).OnHand); // promises are not stock
    }

    [Fact]
    public async Task Concurrent_promises_never_promise_more_than_is_expected()
    {
        var stock = await Seed("promise-race", 0);
        await stock.ExpectReceipt(new ExpectedReceipt("po-1", 18, Dec1));
        await stock.ExpectReceipt(new ExpectedReceipt("po-2", 12, Dec5));
        var asks = Enumerable.Range(0, 60).Select(i => (Order: $"o{i}", Quantity: 1 + i % 2)).ToList();

        var dates = await Task.WhenAll(asks.Select(a => stock.PromiseInbound(a.Order, a.Quantity)));

        var promised = asks.Zip(dates).Where(x => x.Second is not null).ToDictionary(x => x.First.Order, x => x.First.Quantity);
        Assert.Equal(promised, await Promises(stock));
        var total = promised.Values.Sum();
        Assert.True(total <= 30, $"promised {total} of 30 inbound units");
        Assert.All(asks.Zip(dates).Where(x => x.Second is null), x => Assert.True(x.First.Quantity > 30 - total));
        Assert.Equal(30 - total, (await stock.GetOffer()).Inbound.Sum(r => r.Quantity));
    }

    [Fact]
    public async Task A_shrunk_promise_keeps_its_place_a_grown_one_goes_to_the_back_and_a_withdrawn_one_frees_its_units()
    {
        var stock = await Seed("promise-change", 0);
        await stock.ExpectReceipt(new ExpectedReceipt("A", 5, Dec1));
        await stock.ExpectReceipt(new ExpectedReceipt("B", 10, Dec5));
        Assert.Equal(Dec5, await stock.PromiseInbound("o1", 6));
        Assert.Equal(Dec5, await stock.PromiseInbound("o2", 4));

        // Shrunk to 5, o1 is still first: A covers it.
        Assert.Equal(Dec1, await stock.PromiseInbound("o1", 5));
        Assert.Equal(Dec5, await stock.PromiseInbound("o2", 4));
        Assert.Equal(new Dictionary<string, int> { ["o1"] = 5, ["o2"] = 4 }, await Promises(stock));

        // Grown back to 6, o1 queues behind o2, which A now covers.
        Assert.Equal(Dec5, await stock.PromiseInbound("o1", 6));
        Assert.Equal(Dec1, await stock.PromiseInbound("o2", 4));

        // Withdrawn (0), o2's units go to the next order; what is left is promised no further.
        Assert.Null(await stock.PromiseInbound("o2", 0));
        Assert.Equal(new Dictionary<string, int> { ["o1"] = 6 }, await Promises(stock));
        Assert.Equal(Dec5, await stock.PromiseInbound("o3", 9));
        Assert.Null(await stock.PromiseInbound("o4", 1));
        Assert.Null(await stock.PromiseInbound("never-promised", 0));

        // A grow that does not fit loses the promise it had (the order stays backordered, undated).
        Assert.Null(await stock.PromiseInbound("o1", 7));
        Assert.Equal(new Dictionary<string, int> { ["o3"] = 9 }, await Promises(stock));
    }

    [Fact]
    public async Task Receiving_a_receipt_by_its_id_raises_on_hand_and_drops_it_with_the_promises_it_covered()
    {
        var stock = await Seed("promise-receive", 4);
        await ExpectAAndB(stock);
        await stock.PromiseInbound("o1", 8); // units 1-8: A
        await stock.PromiseInbound("o2", 4); // units 9-12: 2 of A, 2 of B
        await stock.PromiseInbound("o3", 3); // units 13-15: B

        var snapshot = await stock.Receive("A", 10);
        Assert.Equal(14, snapshot.OnHand);
        Assert.Equal(10, snapshot.Received);
        Assert.Equal([new ExpectedReceipt("B", 5, Dec5)], snapshot.Inbound);
        Assert.Equal(new Dictionary<string, int> { ["o2"] = 2, ["o3"] = 3 }, snapshot.InboundPromises);
        Assert.Equal(Dec5, await stock.PromiseInbound("o3", 3));

        var replay = await stock.Receive("A", 10); // idempotent on the receipt id
        Assert.Equal(14, replay.OnHand);
        Assert.Equal(new Dictionary<string, int> { ["o2"] = 2, ["o3"] = 3 }, replay.InboundPromises);

        snapshot = await stock.Receive("B", 5);
        Assert.Equal(19, snapshot.OnHand);
        Assert.Empty(snapshot.Inbound);
        Assert.Empty(snapshot.InboundPromises);
        Assert.Equal(snapshot.OnHand, 4 + snapshot.Received);
    }

    [Fact]
    public async Task Receiving_a_later_receipt_first_keeps_the_promises_of_the_earlier_one()
    {
        var stock = await Seed("promise-receive-b", 0);
        await ExpectAAndB(stock);
        await stock.PromiseInbound("o1", 8);
        await stock.PromiseInbound("o2", 4);

        var snapshot = await stock.Receive("B", 5);
        Assert.Equal(5, snapshot.OnHand);
        Assert.Equal([new ExpectedReceipt("A", 10, Dec1)], snapshot.Inbound);
        Assert.Equal(new Dictionary<string, int> { ["o1"] = 8, ["o2"] = 2 }, snapshot.InboundPromises);
        Assert.Equal(Dec1, await stock.PromiseInbound("o2", 2));
    }

    [Fact]
    public async Task Cancelling_or_shrinking_a_receipt_withdraws_the_latest_promises_that_no_longer_fit()
    {
        var stock = await Seed("promise-cancel", 0);
        await ExpectAAndB(stock);
        await stock.PromiseInbound("o1", 6);
        await stock.PromiseInbound("o2", 4);
        await stock.PromiseInbound("o3", 3);

        var snapshot = await stock.CancelReceipt("B");
        Assert.Equal([new ExpectedReceipt("A", 10, Dec1)], snapshot.Inbound);
        Assert.Equal(new Dictionary<string, int> { ["o1"] = 6, ["o2"] = 4 }, snapshot.InboundPromises);
        Assert.Equal(new Dictionary<string, int> { ["o1"] = 6, ["o2"] = 4 }, (await stock.CancelReceipt("B")).InboundPromises); // idempotent
        Assert.Equal(0, snapshot.OnHand);

        // Declared again smaller (same id), the receipt keeps only the promises that still fit, earliest first.
        snapshot = await stock.ExpectReceipt(new ExpectedReceipt("A", 7, Dec1));
        Assert.Equal(new Dictionary<string, int> { ["o1"] = 6 }, snapshot.InboundPromises);
        Assert.Equal([new ExpectedReceipt("A", 1, Dec1)], (await stock.GetOffer()).Inbound);

        Assert.Empty((await stock.CancelReceipt("A")).InboundPromises);
        Assert.Null(await stock.PromiseInbound("o1", 6));
    }

    [Fact]
    public async Task Invalid_terms_are_refused_with_an_argument_exception_and_change_nothing()
    {
        var stock = await Seed("terms-invalid", 10);
        await stock.SetReserve(new ChannelReserve(3, ["store"]));
        await stock.ExpectReceipt(new ExpectedReceipt("A", 10, Dec1));
        await stock.PromiseInbound("o1", 4);
        await stock.Receive("asn-1", 2);
        var before = await stock.GetSnapshot();

        async Task Refused(Func<Task> call, string message)
        {
            var ex = await Assert.ThrowsAnyAsync<ArgumentException>(call);
            Assert.StartsWith(message, ex.Message, StringComparison.Ordinal);
        }
        const string channels = "reserve channels must list 1-20 valid channel names";
        await Refused(() => stock.SetReserve(new ChannelReserve(-1, ["store"])), "reserve quantity must be between 0 and 10000000.");
        await Refused(() => stock.SetReserve(new ChannelReserve(StockLevel.MaxUnits + 1, ["store"])), "reserve quantity must be between 0 and 10000000.");
        await Refused(() => stock.SetReserve(new ChannelReserve(5, [])), channels);
        await Refused(() => stock.SetReserve(new ChannelReserve(5, ["in store"])), channels);
        await Refused(() => stock.SetReserve(new ChannelReserve(5, Enumerable.Range(0, 21).Select(i => $"c{i}").ToList())), channels);
        await Refused(() => stock.ExpectReceipt(new ExpectedReceipt("", 5, Dec5)), "receiptId must be 1-64 letters");
        await Refused(() => stock.ExpectReceipt(new ExpectedReceipt("po 1", 5, Dec5)), "receiptId must be 1-64 letters");
        await Refused(() => stock.ExpectReceipt(new ExpectedReceipt("A", 0, Dec5)), "receipt quantity must be between 1 and 10000000.");
        await Refused(() => stock.ExpectReceipt(new ExpectedReceipt("A", StockLevel.MaxUnits + 1, Dec5)), "receipt quantity must be between 1 and 10000000.");
        await Refused(() => stock.ExpectReceipt(new ExpectedReceipt("A", 5, default)), "expectedOn is required.");
        await Refused(() => stock.ExpectReceipt(new ExpectedReceipt("asn-1", 5, Dec5)), "Receipt 'asn-1' was already received.");
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => stock.PromiseInbound("o2", -1));

        var after = await stock.GetSnapshot();
        Assert.Equal((before.OnHand, before.SafetyStock, before.Received, before.Available), (after.OnHand, after.SafetyStock, after.Received, after.Available));
        Assert.Equal(before.Reserve!.Quantity, after.Reserve!.Quantity);
        Assert.Equal(before.Reserve.Channels, after.Reserve.Channels);
        Assert.Equal(before.Inbound, after.Inbound);
        Assert.Equal(before.InboundPromises, after.InboundPromises);
    }

    [Fact]
    public async Task A_sku_at_a_node_has_at_most_a_hundred_expected_receipts()
    {
        var stock = await Seed("terms-many", 0);
        foreach (var i in Enumerable.Range(1, StockGrainMaxReceipts))
        {
            await stock.ExpectReceipt(new ExpectedReceipt($"po-{i}", 1, Dec1.AddDays(i % 30)));
        }
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => stock.ExpectReceipt(new ExpectedReceipt("po-101", 1, Dec5)));
        Assert.StartsWith("A SKU at a node has at most 100 expected receipts.", ex.Message, StringComparison.Ordinal);
        var snapshot = await stock.ExpectReceipt(new ExpectedReceipt("po-7", 3, Dec5)); // replacing one is fine
        Assert.Equal(StockGrainMaxReceipts, snapshot.Inbound.Count);
        Assert.Equal(StockGrainMaxReceipts + 2, snapshot.Inbound.Sum(r => r.Quantity));
    }

    private const int StockGrainMaxReceipts = 100;
}
