using CsCheck;
using OrleansOrders.Nodes;

namespace OrleansOrders.Domain.Tests.Nodes;

[Trait("Category", "fast")]
public class NodeReliabilityTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly ReliabilitySettings Settings = ReliabilitySettings.Default;

    [Fact]
    public void A_node_with_no_record_is_priced_at_nothing_extra_and_scores_the_prior()
    {
        var node = new NodeReliability(Settings, Start);
        Assert.Empty(node.RiskPerUnit([("a", 1), ("b", 2)]));
        Assert.Equal(0m, node.ExpectedParcelCost);
        Assert.Equal((1 - Settings.PriorRejectRate) * (1 - Settings.PriorLateRate), node.Score, 6);
    }

    [Fact]
    public void A_node_that_rejects_30_percent_of_its_parcels_costs_about_the_excess_rate_times_the_reroute_cost_per_parcel()
    {
        var node = new NodeReliability(Settings, Start);
        for (var i = 0; i < 1000; i++)
        {
            node.ParcelReleased(Start);
            if (i % 10 < 3)
            {
                node.Rejected(Start, ["a"], shortPick: false);
            }
        }
        Assert.InRange(node.RejectRate, 0.29, 0.31);
        var risk = node.RiskPerUnit([("a", 1), ("b", 3)]);
        var parcel = risk["a"] * 1 + risk["b"] * 3; // the whole request in one parcel carries it once
        Assert.InRange(parcel, 0.27m * Settings.RerouteCost, 0.29m * Settings.RerouteCost);
        Assert.True(node.Score < 0.72);
    }

    [Fact]
    public void Short_picks_are_priced_on_their_sku_alone()
    {
        var node = new NodeReliability(Settings, Start);
        for (var i = 0; i < 20; i++)
        {
            node.ParcelReleased(Start);
            node.Rejected(Start, ["empty-shelf"], shortPick: true);
        }
        var risk = node.RiskPerUnit([("empty-shelf", 2), ("fine", 1)]);
        Assert.False(risk.ContainsKey("fine"));
        Assert.True(risk["empty-shelf"] * 2 > 0.4m * Settings.RerouteCost);
        Assert.True(node.RejectRate <= Settings.PriorRejectRate); // not counted as a node-wide rejection
        Assert.Equal(0m, node.ExpectedParcelCost);
        Assert.Equal(20, node.RejectedInARow);
        node.Shipped(Start, ["fine"], late: false);
        Assert.Equal(0, node.RejectedInARow);
    }

    [Fact]
    public void The_record_forgives_with_time()
    {
        var node = new NodeReliability(Settings, Start);
        for (var i = 0; i < 100; i++)
        {
            node.ParcelReleased(Start);
            node.Rejected(Start, ["a"], shortPick: false);
        }
        var bad = node.RiskPerUnit([("a", 1)])["a"];
        var later = node.Snapshot(Start + 10 * Settings.EffectiveHalfLife);
        Assert.True(later.Rejected < 0.1);
        // Ten half-lives on, the hundred rejections weigh a tenth of a parcel: the prior is back in charge.
        Assert.True(later.ExpectedRejectCost < bad / 2);
    }

    public enum Fact { Released, Rejected, ShortPick, Shipped, ShippedLate, Bid, Timeout, Wait }

    /// <summary>
    /// Random facts and waits: the score stays a probability, prices are never negative, a parcel of the
    /// whole request never carries more than the reroute and late costs together, and one more
    /// rejection never makes a node cheaper.
    /// </summary>
    [Fact]
    public void Prices_and_scores_stay_bounded_and_a_rejection_never_makes_a_node_cheaper() =>
        Gen.Select(Gen.Enum<Fact>(), Gen.Int[0, 2], Gen.Int[1, 7200]).Array[0, 120].Sample(facts =>
        {
            var skus = new[] { "a", "b", "c" };
            var lines = new List<(string, int)> { ("a", 1), ("b", 2), ("c", 3) };
            var node = new NodeReliability(Settings, Start);
            var now = Start;
            foreach (var (fact, sku, seconds) in facts)
            {
                switch (fact)
                {
                    case Fact.Released: node.ParcelReleased(now); break;
                    case Fact.Rejected: node.Rejected(now, [skus[sku]], shortPick: false); break;
                    case Fact.ShortPick: node.Rejected(now, [skus[sku]], shortPick: true); break;
                    case Fact.Shipped: node.Shipped(now, [skus[sku]], late: false); break;
                    case Fact.ShippedLate: node.Shipped(now, [skus[sku]], late: true); break;
                    case Fact.Bid: node.BidAnswered(now); break;
                    case Fact.Timeout: node.BidTimedOut(now); break;
                    default: now += TimeSpan.FromSeconds(seconds); break;
                }
                if (node.Score is < 0 or > 1)
                {
                    return false;
                }
                var risk = node.RiskPerUnit(lines);
                if (risk.Values.Any(v => v < 0))
                {
                    return false;
                }
                var whole = lines.Sum(l => risk.GetValueOrDefault(l.Item1) * l.Item2);
                if (whole > Settings.RerouteCost * 4 + Settings.LateCost + 0.01m) // node part once, each SKU's at most once
                {
                    return false;
                }
            }
            var before = node.Snapshot(now).ExpectedRejectCost; // aged to now first: ageing alone moves the rates towards the prior
            node.Rejected(now, ["a"], shortPick: false);
            return node.Snapshot(now).ExpectedRejectCost >= before;
        }, iter: 2000);
}
