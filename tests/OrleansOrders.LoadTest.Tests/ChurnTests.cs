using OrleansOrders.Contracts;
using OrleansOrders.LoadTest.Churn;
using OrleansOrders.LoadTest.Cli;
using OrleansOrders.LoadTest.Commands;
using OrleansOrders.LoadTest.Network;

namespace OrleansOrders.LoadTest.Tests;

/// <summary>What the churn options decide without a grid: which orders are cancelled, which pairs are sampled and replenished, which values are refused.</summary>
[Trait("Category", "fast")]
public class ChurnTests
{
    private static readonly SyntheticNetwork Network = SyntheticNetwork.Generate(new NetworkSpec(Seed: 5, Nodes: 10, Skus: 120));

    [Fact]
    public void The_same_seed_cancels_the_same_order_numbers_in_every_run_and_about_the_share()
    {
        var first = Enumerable.Range(1, 4_000).Select(n => $"lt-a-{n:D7}").Where(id => Cancellations.Picks(3, "lt-a", id, 0.2)).Select(id => id[5..]).ToList();
        var second = Enumerable.Range(1, 4_000).Select(n => $"lt-b-{n:D7}").Where(id => Cancellations.Picks(3, "lt-b", id, 0.2)).Select(id => id[5..]).ToList();
        var otherSeed = Enumerable.Range(1, 4_000).Select(n => $"lt-a-{n:D7}").Where(id => Cancellations.Picks(4, "lt-a", id, 0.2)).Select(id => id[5..]).ToList();

        Assert.Equal(first, second);
        Assert.NotEqual(first, otherSeed);
        Assert.InRange(first.Count, 700, 900);
        Assert.DoesNotContain(Enumerable.Range(1, 1_000), n => Cancellations.Picks(3, "lt-a", $"lt-a-{n:D7}", 0));
        // A larger share cancels a superset: the hash is compared with the share.
        var more = Enumerable.Range(1, 4_000).Select(n => $"lt-a-{n:D7}").Where(id => Cancellations.Picks(3, "lt-a", id, 0.4)).Select(id => id[5..]).ToHashSet();
        Assert.Subset(more, first.ToHashSet());
    }

    [Fact]
    public void Receipt_rounds_sample_the_same_pairs_under_the_same_seed_and_pick_the_ones_that_ran_lowest()
    {
        var grains = (IGrainFactory)null!; // sampling reads no grain
        var a = new StockReceipts(grains, Network, seed: 3, runId: "lt-a", TimeSpan.FromSeconds(1), 20);
        var b = new StockReceipts(grains, Network, seed: 3, runId: "lt-b", TimeSpan.FromSeconds(1), 20);
        var c = new StockReceipts(grains, Network, seed: 4, runId: "lt-a", TimeSpan.FromSeconds(1), 20);

        Assert.Equal(Math.Clamp(Network.Stock.Count / 50, 1, 200), a.ReceiptsPerRound);
        Assert.Equal(a.Candidates(1), b.Candidates(1));
        Assert.NotEqual(a.Candidates(1), a.Candidates(2));
        Assert.NotEqual(a.Candidates(1), c.Candidates(1));
        Assert.Equal(a.CandidatesPerRound, a.Candidates(1).Distinct().Count());

        var entries = new[]
        {
            new StockEntry("n1", "S1", new StockLevel(100, 0)), // 50% left
            new StockEntry("n2", "S1", new StockLevel(12, 2)),  // 10% left
            new StockEntry("n3", "S1", new StockLevel(1000, 0)), // 10% left, later in the sample
            new StockEntry("n4", "S1", new StockLevel(40, 0)),  // empty
        };
        var lowest = StockReceipts.Lowest(entries, [50, 1, 100, 0], 3);
        Assert.Equal(["n4", "n2", "n3"], lowest.Select(e => e.NodeId));
    }

    [Theory]
    [InlineData("--replenish-every must be more than 0s", "0s", null, null, null)]
    [InlineData("--replenish-units goes with --replenish-every", null, 5, null, null)]
    [InlineData("--replenish-units must be between 1 and 1000000, not -1", "5s", -1, null, null)]
    [InlineData("--cancel-share must be between 0 and 0.5, not 0.51", null, null, 0.51, null)]
    [InlineData("--cancel-share must be between 0 and 0.5, not -0.1", null, null, -0.1, null)]
    [InlineData("--cancel-after goes with a --cancel-share above 0", null, null, 0.0, "1s")]
    [InlineData("--cancel-after must be at most 1m, not 1m30s", null, null, 0.1, "90s")]
    public void Bad_churn_values_are_refused(string expected, string? every, int? units, double? share, string? after)
    {
        var error = Assert.Throws<UsageException>(() => RunCommand.ReadChurn(
            every is null ? null : Durations.Parse(every), units, share, after is null ? null : Durations.Parse(after)));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void No_churn_options_mean_no_churn_and_the_defaults_fill_the_rest()
    {
        Assert.False(RunCommand.ReadChurn(null, null, null, null).Any);
        Assert.False(RunCommand.ReadChurn(null, null, 0, null).Any);
        var plan = RunCommand.ReadChurn(TimeSpan.FromSeconds(5), null, 0.5, null);
        Assert.Equal((TimeSpan.FromSeconds(5), ChurnPlan.DefaultReplenishUnits, 0.5, ChurnPlan.DefaultCancelAfter),
            (plan.ReplenishEvery, plan.ReplenishUnits, plan.CancelShare, plan.CancelAfter));
    }
}
