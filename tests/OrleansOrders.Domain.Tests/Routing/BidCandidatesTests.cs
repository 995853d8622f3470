namespace OrleansOrders.Routing.Tests;

/// <summary>The router's candidate ranking (<see cref="BidCandidates"/>), which the routing-quality benchmark also uses.</summary>
[Trait("Category", "fast")]
public class BidCandidatesTests
{
    private static readonly DemandLine[] Order = [new("x", 2), new("y", 1)];
    private static readonly HashSet<string> None = new(StringComparer.Ordinal);

    private static readonly CandidateStock[] Stock =
    [
        new("far-all", "x", 5, 0), new("far-all", "y", 5, 0),     // covers 3
        new("near-x", "x", 9, 0),                                 // covers 2 (capped at the line)
        new("nearer-x", "x", 2, 0),                               // covers 2
        new("near-inbound", "y", 0, 4),                           // covers 0, expects 1 that counts
        new("empty", "x", 0, 0),                                  // nearest of all, asked only in a later round
        new("other-sku", "z", 10, 0),
    ];

    private static readonly Dictionary<string, double> Km = new(StringComparer.Ordinal)
    {
        ["far-all"] = 2000, ["near-x"] = 100, ["nearer-x"] = 50, ["near-inbound"] = 10, ["empty"] = 1, ["other-sku"] = 1,
    };

    [Fact]
    public void Most_units_covered_first_then_nearest_and_only_nodes_with_stock_or_receipts()
    {
        Assert.Equal(["far-all", "nearer-x", "near-x", "near-inbound"], BidCandidates.Rank(Stock, Order, None, askEmpty: false, id => Km[id], max: 10));
        Assert.Equal(["far-all", "nearer-x"], BidCandidates.Rank(Stock, Order, None, askEmpty: false, id => Km[id], max: 2));
    }

    [Fact]
    public void Excluded_nodes_are_left_out_and_a_later_round_also_asks_nodes_that_reported_none()
    {
        var excluded = new HashSet<string>(["far-all"], StringComparer.Ordinal);
        Assert.Equal(["nearer-x", "near-x", "near-inbound"], BidCandidates.Rank(Stock, Order, excluded, askEmpty: false, id => Km[id], max: 10));
        Assert.Equal(["far-all", "nearer-x", "near-x", "empty", "near-inbound"], BidCandidates.Rank(Stock, Order, None, askEmpty: true, id => Km[id], max: 10));
    }
}
