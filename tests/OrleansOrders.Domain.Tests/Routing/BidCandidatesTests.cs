namespace OrleansOrders.Routing.Tests;

/// <summary>The router's candidate ranking (<see cref="BidCandidates"/>), which the routing-quality benchmark also uses.</summary>
[Trait("Category", "fast")]
public class BidCandidatesTests
{
    private static readonly GeoPoint Customer = new(40, -100);
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

    /// <summary>A point <paramref name="km"/> north of the customer.</summary>
    private static GeoPoint North(double km) => new(Customer.Latitude + km / 111.195, Customer.Longitude);

    /// <summary>Every node a distribution centre at its distance north of the customer.</summary>
    private static CandidateCosts Dcs(IReadOnlyDictionary<string, double> km) =>
        new(Customer, id => km.TryGetValue(id, out var d) ? new CandidateSite(North(d), ShipperType.DistributionCentre) : null);

    [Fact]
    public void Most_units_covered_first_then_cheapest_and_only_nodes_with_stock_or_receipts()
    {
        Assert.Equal(["far-all", "nearer-x", "near-x", "near-inbound"], BidCandidates.Rank(Stock, Order, None, askEmpty: false, Dcs(Km), max: 10));
        Assert.Equal(["far-all", "nearer-x"], BidCandidates.Rank(Stock, Order, None, askEmpty: false, Dcs(Km), max: 2));
    }

    [Fact]
    public void Excluded_nodes_are_left_out_and_a_later_round_also_asks_nodes_that_reported_none()
    {
        var excluded = new HashSet<string>(["far-all"], StringComparer.Ordinal);
        Assert.Equal(["nearer-x", "near-x", "near-inbound"], BidCandidates.Rank(Stock, Order, excluded, askEmpty: false, Dcs(Km), max: 10));
        Assert.Equal(["far-all", "nearer-x", "near-x", "empty", "near-inbound"], BidCandidates.Rank(Stock, Order, None, askEmpty: true, Dcs(Km), max: 10));
    }

    [Fact]
    public void A_far_node_that_ships_for_less_outranks_a_near_costly_one()
    {
        // Ten units: a store 100 km away (zone 1, shop-floor picking) charges 4.00 + 2.00 + 10 x 0.70 = 13.00;
        // a distribution centre 400 km away (zone 2) charges 6.00 + 0.50 + 10 x 0.60 = 12.50.
        DemandLine[] order = [new("x", 10)];
        CandidateStock[] stock = [new("near-store", "x", 10, 0), new("far-dc", "x", 10, 0)];
        var sites = new Dictionary<string, CandidateSite>(StringComparer.Ordinal)
        {
            ["near-store"] = new(North(100), ShipperType.Store),
            ["far-dc"] = new(North(400), ShipperType.DistributionCentre),
        };
        var costs = new CandidateCosts(Customer, id => sites[id]);

        Assert.Equal(13.00m, BidCandidates.EstimatedCost(sites["near-store"], Customer, 10));
        Assert.Equal(12.50m, BidCandidates.EstimatedCost(sites["far-dc"], Customer, 10));
        Assert.Equal(["far-dc", "near-store"], BidCandidates.Rank(stock, order, None, askEmpty: false, costs, max: 4));
        Assert.Equal(["far-dc"], BidCandidates.Rank(stock, order, None, askEmpty: false, costs, max: 1));
    }

    [Fact]
    public void A_node_of_unknown_kind_is_priced_at_the_cheapest_kind_there()
    {
        var at = new CandidateSite(North(100), null);
        Assert.Equal(SingleNodeShortcut.LeastParcelCost(at.Location, Customer, 3), BidCandidates.EstimatedCost(at, Customer, 3));
        Assert.Equal(4.00m + 0.50m + 3 * 0.40m, BidCandidates.EstimatedCost(at, Customer, 3));
    }

    [Fact]
    public void Opportunity_cost_of_the_units_taken_counts_at_the_orders_weight()
    {
        // Two units of x. Near DC (100 km): 4.50 + 2 x 0.40 = 5.30, plus 2 x 1.50 opportunity cost = 8.30 at weight 1.
        // Far DC (400 km): 6.50 + 2 x 0.60 = 7.70, no opportunity cost.
        DemandLine[] order = [new("x", 2)];
        CandidateStock[] stock = [new("near", "x", 5, 0), new("far", "x", 5, 0)];
        var km = new Dictionary<string, double>(StringComparer.Ordinal) { ["near"] = 100, ["far"] = 400 };
        decimal Value(string node, string sku) => node == "near" && sku == "x" ? 1.50m : 0m;

        Assert.Equal(["near", "far"], BidCandidates.Rank(stock, order, None, false, Dcs(km), 4));
        Assert.Equal(["far", "near"], BidCandidates.Rank(stock, order, None, false, Dcs(km) with { OpportunityOf = Value, OpportunityWeight = 1m }, 4));
        Assert.Equal(["near", "far"], BidCandidates.Rank(stock, order, None, false, Dcs(km) with { OpportunityOf = Value, OpportunityWeight = 0.5m }, 4)); // 5.30 + 1.50 = 6.80
        Assert.Equal(["near", "far"], BidCandidates.Rank(stock, order, None, false, Dcs(km) with { OpportunityOf = Value, OpportunityWeight = 0m }, 4));
    }

    [Fact]
    public void Each_lines_cheapest_source_is_asked_before_more_nodes_that_cover_the_whole_order()
    {
        // Only far nodes hold both lines; a near node holds each. Ranked by coverage alone, the three
        // far nodes would take every slot and the cheap split (two near parcels) would never be bid.
        DemandLine[] order = [new("a", 1), new("b", 1)];
        CandidateStock[] stock =
        [
            new("far-1", "a", 5, 0), new("far-1", "b", 5, 0),
            new("far-2", "a", 5, 0), new("far-2", "b", 5, 0),
            new("far-3", "a", 5, 0), new("far-3", "b", 5, 0),
            new("near-a", "a", 5, 0), new("near-b", "b", 5, 0),
            new("nearer-a", "a", 1, 0),                           // nearer, same zone: the cheapest source of a
        ];
        var km = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["far-1"] = 2000, ["far-2"] = 2100, ["far-3"] = 2200, ["near-a"] = 80, ["nearer-a"] = 60, ["near-b"] = 90,
        };

        Assert.Equal(["far-1", "nearer-a", "near-b"], BidCandidates.Rank(stock, order, None, false, Dcs(km), 3));
        Assert.Equal(["far-1", "nearer-a", "near-b", "far-2"], BidCandidates.Rank(stock, order, None, false, Dcs(km), 4));
        Assert.Equal(["far-1"], BidCandidates.Rank(stock, order, None, false, Dcs(km), 1)); // the fast path's node: best by coverage and cost
    }

    [Fact]
    public void Line_sources_are_asked_only_where_their_parcels_together_may_cost_less_than_the_first_nodes_one()
    {
        // Distribution centres: one 2-unit parcel from 300 km (zone 2) is 6.50 + 2 x 0.60 = 7.70; each line
        // alone from 100 km (zone 1) is 4.50 + 0.40 = 4.90, and both 9.80. No split can be expected to win,
        // so the second slot goes to the next node that covers the whole order, not to a line's source.
        DemandLine[] order = [new("a", 1), new("b", 1)];
        CandidateStock[] stock =
        [
            new("mid-all", "a", 5, 0), new("mid-all", "b", 5, 0),
            new("far-all", "a", 5, 0), new("far-all", "b", 5, 0),
            new("src-a", "a", 5, 0), new("src-b", "b", 5, 0),
        ];
        var km = new Dictionary<string, double>(StringComparer.Ordinal) { ["mid-all"] = 300, ["far-all"] = 2000, ["far-2"] = 2100, ["src-a"] = 100, ["src-b"] = 100 };
        Assert.Equal(["mid-all", "far-all"], BidCandidates.Rank(stock, order, None, false, Dcs(km), 2));

        // Without mid-all the best whole parcel is from 2,000 km (zone 4: 11.50 + 2 x 1.00 = 13.50): the two
        // near parcels (9.80) may win, so each line's source is asked before another far node.
        CandidateStock[] farOnly = [.. stock.Where(s => s.NodeId != "mid-all"), new("far-2", "a", 5, 0), new("far-2", "b", 5, 0)];
        Assert.Equal(["far-all", "src-a", "src-b"], BidCandidates.Rank(farOnly, order, None, false, Dcs(km), 3));
    }

    [Fact]
    public void A_line_whose_cheapest_source_is_already_chosen_leaves_its_slot_to_the_ranking()
    {
        // near-all covers both lines and is the cheapest source of each: the rest follow by coverage, then cost.
        DemandLine[] order = [new("a", 1), new("b", 1)];
        CandidateStock[] stock =
        [
            new("near-all", "a", 5, 0), new("near-all", "b", 5, 0),
            new("far-all", "a", 5, 0), new("far-all", "b", 5, 0),
            new("mid-a", "a", 5, 0),
        ];
        var km = new Dictionary<string, double>(StringComparer.Ordinal) { ["near-all"] = 50, ["far-all"] = 2000, ["mid-a"] = 700 };

        Assert.Equal(["near-all", "far-all", "mid-a"], BidCandidates.Rank(stock, order, None, false, Dcs(km), 4));
    }

    [Fact]
    public void Ties_go_to_the_nearer_node_then_the_node_id_whatever_the_order_of_the_reports()
    {
        // All in zone 1 with the same kind: the same estimate. Then nearer first, then ordinal id.
        DemandLine[] order = [new("x", 1)];
        CandidateStock[] stock = [new("b", "x", 1, 0), new("c", "x", 1, 0), new("a", "x", 1, 0), new("d", "x", 1, 0)];
        var km = new Dictionary<string, double>(StringComparer.Ordinal) { ["a"] = 100, ["b"] = 100, ["c"] = 40, ["d"] = 100 };

        string[] expected = ["c", "a", "b", "d"];
        Assert.Equal(expected, BidCandidates.Rank(stock, order, None, false, Dcs(km), 4));
        Assert.Equal(expected, BidCandidates.Rank(stock.Reverse().ToArray(), order, None, false, Dcs(km), 4));
    }

    [Fact]
    public void A_node_whose_site_is_not_known_comes_after_those_whose_site_is_among_equal_coverage()
    {
        DemandLine[] order = [new("x", 2)];
        CandidateStock[] stock = [new("new-node", "x", 2, 0), new("far", "x", 2, 0), new("part", "x", 1, 0)];
        var km = new Dictionary<string, double>(StringComparer.Ordinal) { ["far"] = 4000, ["part"] = 10 };

        Assert.Equal(["far", "new-node", "part"], BidCandidates.Rank(stock, order, None, false, Dcs(km), 4));
    }

    [Fact]
    public void Lines_of_one_sku_count_together()
    {
        DemandLine[] order = [new("x", 1), new("x", 2)];
        CandidateStock[] stock = [new("two", "x", 2, 0), new("three", "x", 3, 0)];
        var km = new Dictionary<string, double>(StringComparer.Ordinal) { ["two"] = 10, ["three"] = 2000 };

        Assert.Equal(["three", "two"], BidCandidates.Rank(stock, order, None, false, Dcs(km), 4));
    }
}
