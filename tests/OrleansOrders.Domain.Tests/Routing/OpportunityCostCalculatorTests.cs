namespace OrleansOrders.Routing.Tests;

[Trait("Category", "fast")]
public class OpportunityCostCalculatorTests
{
    private static OpportunityCostTable Compute(string[] nodes, decimal[,] cost, decimal penalty, params SkuOutlook[] skus) =>
        OpportunityCostCalculator.Compute(nodes, cost.GetLength(1), (n, r, _) => cost[n, r], skus, penalty);

    [Fact]
    public void The_last_unit_of_a_node_that_cannot_meet_its_demand_is_worth_the_penalty_less_its_shipping()
    {
        var table = Compute(["A"], new decimal[,] { { 2m } }, 10m, new SkuOutlook("x", [1], [2]));

        Assert.Equal(8m, table.Of("A", "x"));
    }

    [Fact]
    public void A_unit_at_the_near_node_is_worth_the_extra_cost_of_serving_from_the_far_one()
    {
        var table = Compute(["Near", "Far"], new decimal[,] { { 1m }, { 5m } }, 10m, new SkuOutlook("x", [1, 1], [1]));

        Assert.Equal(4m, table.Of("Near", "x"));
        Assert.Equal(0m, table.Of("Far", "x")); // spare: nobody needs it
    }

    [Fact]
    public void Stock_beyond_expected_demand_costs_nothing_to_use()
    {
        var table = Compute(["A"], new decimal[,] { { 1m, 2m } }, 10m, new SkuOutlook("x", [50], [3, 4]));

        Assert.Equal(0m, table.Of("A", "x"));
        Assert.Empty(table.ForNode("A"));
    }

    [Fact]
    public void A_hub_that_many_regions_depend_on_is_worth_more_than_a_node_serving_one()
    {
        // Hub serves three regions cheaply, Spoke only its own; Spoke's second unit goes far at 9.
        // Losing a hub unit loses a sale (12 - 1); losing a spoke unit only gives up the far one (12 - 9).
        var cost = new decimal[,] { { 1m, 1m, 1m }, { 1m, 9m, 9m } };
        var table = Compute(["Hub", "Spoke"], cost, 12m, new SkuOutlook("x", [3, 2], [1, 2, 2]));

        Assert.Equal(11m, table.Of("Hub", "x"));
        Assert.Equal(3m, table.Of("Spoke", "x"));
    }

    [Fact]
    public void A_per_sku_penalty_overrides_the_default_and_skus_are_independent()
    {
        var table = Compute(["A"], new decimal[,] { { 2m } }, 10m, new SkuOutlook("x", [1], [2]), new SkuOutlook("y", [1], [2], UnmetDemandPenalty: 30m), new SkuOutlook("z", [0], [2]));

        Assert.Equal(8m, table.Of("A", "x"));
        Assert.Equal(28m, table.Of("A", "y"));
        Assert.Equal(0m, table.Of("A", "z"));
        Assert.Equal(0m, table.Of("Nowhere", "x"));
    }

    [Fact]
    public void Shapes_that_do_not_match_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Compute(["A", "B"], new decimal[,] { { 1m }, { 1m } }, 10m, new SkuOutlook("x", [1], [1])));
        Assert.Throws<ArgumentException>(() => Compute(["A"], new decimal[,] { { 1m } }, 10m, new SkuOutlook("x", [1], [1, 2])));
    }

    /// <summary>
    /// The value of a node's last unit is exactly how much the optimum of the transportation problem
    /// rises when that unit is removed; checked against brute force over integer flows (the problem
    /// is totally unimodular, so integer flows reach the LP optimum) on small random instances.
    /// </summary>
    [Fact]
    public void Values_equal_the_brute_force_change_of_the_optimum_when_a_unit_is_removed()
    {
        var rng = new Random(1234);
        var nonZero = 0;
        for (var i = 0; i < 300; i++)
        {
            var nodes = rng.Next(1, 4);
            var regions = rng.Next(1, 4);
            var cost = new decimal[nodes, regions];
            for (var n = 0; n < nodes; n++)
            {
                for (var r = 0; r < regions; r++)
                {
                    cost[n, r] = rng.Next(0, 12);
                }
            }
            var stock = Enumerable.Range(0, nodes).Select(_ => rng.Next(0, 4)).ToArray();
            var demand = Enumerable.Range(0, regions).Select(_ => rng.Next(0, 4)).ToArray();
            var penalty = rng.Next(1, 15);
            var names = Enumerable.Range(0, nodes).Select(n => $"n{n}").ToArray();

            var table = Compute(names, cost, penalty, new SkuOutlook("x", stock.Select(s => (double)s).ToArray(), demand.Select(d => (double)d).ToArray()));

            var optimum = BruteForce(cost, stock, demand, penalty);
            for (var n = 0; n < nodes; n++)
            {
                if (stock[n] == 0)
                {
                    Assert.Equal(0m, table.Of(names[n], "x"));
                    continue;
                }
                var less = (int[])stock.Clone();
                less[n]--;
                var expected = BruteForce(cost, less, demand, penalty) - optimum;
                Assert.True(expected == table.Of(names[n], "x"), $"case {i} node {n}: expected {expected}, got {table.Of(names[n], "x")}");
                nonZero += expected > 0 ? 1 : 0;
            }
        }
        Assert.True(nonZero > 100, $"only {nonZero} non-zero values checked");
    }

    /// <summary>min sum c x + P (unserved), over integer flows, by recursion over nodes.</summary>
    private static decimal BruteForce(decimal[,] cost, int[] stock, int[] demand, decimal penalty)
    {
        decimal Best(int node, int[] left)
        {
            if (node == stock.Length)
            {
                return penalty * left.Sum();
            }
            var best = decimal.MaxValue;
            foreach (var split in Splits(stock[node], left, 0))
            {
                var after = left.Select((d, r) => d - split[r]).ToArray();
                var shipped = split.Select((q, r) => q * cost[node, r]).Sum();
                best = Math.Min(best, shipped + Best(node + 1, after));
            }
            return best;
        }
        return Best(0, demand);
    }

    /// <summary>Every way to send at most <paramref name="units"/> to regions, at most each region's remaining demand.</summary>
    private static IEnumerable<int[]> Splits(int units, int[] left, int region)
    {
        if (region == left.Length)
        {
            yield return new int[left.Length];
            yield break;
        }
        for (var q = 0; q <= Math.Min(units, left[region]); q++)
        {
            foreach (var rest in Splits(units - q, left, region + 1))
            {
                rest[region] = q;
                yield return rest;
            }
        }
    }
}
