namespace OrleansOrders.LoadTest.Tests;

/// <summary>
/// Shadow routing's cost in the bench: per case, the mean of the runs with the policy against the
/// mean of those without. Runs go without, with, with, without, so a rate that drifts evenly through
/// the case (stock running down) weighs the same on both sides.
/// </summary>
[Trait("Category", "fast")]
public class BenchShadowCostTests
{
    [Fact]
    public void A_rate_that_falls_evenly_through_the_mirrored_runs_shows_no_cost()
    {
        var costs = Bench.ShadowCosts([("steady", false, 2000), ("steady", true, 1900), ("steady", true, 1800), ("steady", false, 1700)]);

        var cost = Assert.Single(costs);
        Assert.Equal(1850, cost.WithoutOrdersPerSecond);
        Assert.Equal(1850, cost.WithOrdersPerSecond);
        Assert.Equal(1.0, cost.Ratio);
    }

    [Fact]
    public void Each_case_is_compared_on_its_own_runs()
    {
        var costs = Bench.ShadowCosts([("steady", false, 2000), ("steady", true, 1500), ("baskets", false, 1000), ("baskets", true, 900)]);

        Assert.Equal([("steady", 0.75), ("baskets", 0.9)], costs.Select(c => (c.Scenario, c.Ratio)));
    }
}
