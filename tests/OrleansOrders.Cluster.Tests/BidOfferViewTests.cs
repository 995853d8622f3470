using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// Bids answer from the node's view of its stock, which the stock grains keep current by telling the
/// node every change; the node reads a stock grain only when the view is missing, older than its
/// bound (an update was lost), holds a hold that has lapsed since, or the router re-bids after a lost
/// race. Counted with the fault filter's tally of offer reads.
/// </summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class BidOfferViewTests(GridClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    private int Reads(string node, string sku) => fixture.Faults.OfferReads.GetValueOrDefault(Identifiers.StockKey(node, sku));

    /// <summary>What the node offers of a line of <paramref name="quantity"/> units (at most that many).</summary>
    private async Task<int> Offered(string node, string sku, int quantity, bool fresh = false)
    {
        var bid = await _grains.GetGrain<IFulfilmentNodeGrain>(node)
            .Bid(new BidRequest("probe", TestNetwork.NewYork, [new OrderLine(sku, quantity)], fixture.Time.GetUtcNow(), Fresh: fresh));
        return bid.Offered.SingleOrDefault()?.Quantity ?? 0;
    }

    [Fact]
    public async Task A_bid_answers_from_what_the_stock_grain_told_the_node_and_reads_it_only_for_a_rebid_or_a_lapsed_hold()
    {
        var net = new TestNetwork(_grains, "offerview");
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 10);
        await net.WaitForAvailability(sku, 10);
        var reads = Reads(node, sku);

        Assert.Equal(10, await Offered(node, sku, 10));
        Assert.Equal(6, await Offered(node, sku, 6));
        Assert.Equal(reads, Reads(node, sku)); // told on the stock change: no read

        // A change made at the stock grain itself (not through the node) reaches the node's view too.
        var stock = _grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, sku));
        await stock.SetLevel($"offerview-level-{Guid.NewGuid():N}", new StockLevel(4, 0));
        await net.WaitForAvailability(sku, 4); // the node is told before network availability
        Assert.Equal(4, await Offered(node, sku, 4));
        Assert.Equal(reads, Reads(node, sku));

        // A re-bid after a lost race reads the stock grain.
        Assert.Equal(4, await Offered(node, sku, 4, fresh: true));
        Assert.Equal(reads + 1, Reads(node, sku));

        // A bid for more than the view shows reads the stock grain: a short bid is what a backorder is decided on.
        Assert.Equal(4, await Offered(node, sku, 5));
        Assert.Equal(reads + 2, Reads(node, sku));

        // A hold in the view that has lapsed by the business clock: the bid reads the stock grain
        // rather than answer from a figure that still counts the hold.
        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("offerview-hold", 3, TimeSpan.FromSeconds(1))).Outcome);
        await net.WaitForAvailability(sku, 1);
        Assert.Equal(1, await Offered(node, sku, 1));
        Assert.Equal(reads + 2, Reads(node, sku));
        fixture.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await Offered(node, sku, 1));
        Assert.Equal(reads + 3, Reads(node, sku));
        Assert.Equal(4, await Offered(node, sku, 4)); // the read saw the hold lapsed: the view now covers 4
        Assert.Equal(reads + 3, Reads(node, sku));
    }

    [Fact]
    public async Task A_view_whose_update_was_lost_is_read_again_once_older_than_its_bound()
    {
        var net = new TestNetwork(_grains, "offerlost");
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 10);
        await net.WaitForAvailability(sku, 10);
        Assert.Equal(5, await Offered(node, sku, 5));

        await SetLevelUnheard(net, node, sku, 2);
        var reads = Reads(node, sku);
        // Within its bound the view may still say 10 (an oversell cannot follow: the hold re-checks).
        await Eventually.True(async () => await Offered(node, sku, 5) == 2, "the node to read the stock grain once its view is older than the bound", TimeSpan.FromSeconds(10));
        Assert.True(Reads(node, sku) > reads);
    }

    [Fact]
    public async Task A_view_that_missed_a_release_is_read_before_the_node_offers_less_than_asked()
    {
        var net = new TestNetwork(_grains, "offershort");
        var sku = net.Sku("x");
        var node = await net.AddNode("dc", TestNetwork.Newark);
        await net.SetStock(node, sku, 2);
        await net.WaitForAvailability(sku, 2);
        Assert.Equal(2, await Offered(node, sku, 2));

        await SetLevelUnheard(net, node, sku, 10);
        var reads = Reads(node, sku);

        // Well within the view's age bound, the node still offers what the stock grain holds.
        Assert.Equal(6, await Offered(node, sku, 6));
        Assert.Equal(reads + 1, Reads(node, sku));
    }

    /// <summary>
    /// Sets the level at the stock grain while the node does not hear its offer updates: network
    /// availability is told, the node's view keeps the old figure (nothing tells it again after).
    /// </summary>
    private async Task SetLevelUnheard(TestNetwork net, string node, string sku, int onHand)
    {
        fixture.Faults.DeafNodes[node] = true;
        try
        {
            await _grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, sku)).SetLevel($"{net.Prefix}-level-{Guid.NewGuid():N}", new StockLevel(onHand, 0));
            await net.WaitForAvailability(sku, onHand); // the node is told before network availability: once this shows it, the node's update was dropped
        }
        finally
        {
            fixture.Faults.DeafNodes.TryRemove(node, out _);
        }
    }
}
