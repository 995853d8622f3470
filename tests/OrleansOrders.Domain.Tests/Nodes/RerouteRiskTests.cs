using CsCheck;
using OrleansOrders.Nodes;
using OrleansOrders.Routing;

namespace OrleansOrders.Domain.Tests.Nodes;

[Trait("Category", "fast")]
public class RerouteRiskTests
{
    private static readonly DateOnly Day = new(2026, 12, 3);
    private static readonly IReadOnlyList<DemandLine> Demand = [new("a", 1), new("b", 1)];

    private static NodeOffer Offer(string node, decimal shipment, int daysLater = 0, int stock = 10) =>
        new(node, new Dictionary<string, int> { ["a"] = stock, ["b"] = stock }, new ShippingQuote(shipment, 0.5m, 1 + daysLater, 1), Day.AddDays(daysLater));

    [Fact]
    public void Offers_of_nodes_no_worse_than_the_prior_come_back_as_they_are()
    {
        IReadOnlyList<NodeOffer> offers = [Offer("x", 5m), Offer("y", 6m)];
        Assert.Same(offers, RerouteRisk.Price(offers, Demand, _ => 0, 10m, 2m));
    }

    [Fact]
    public void A_rejection_costs_the_reroute_plus_what_the_next_best_node_charges_more_and_the_days_it_promises_later()
    {
        IReadOnlyList<NodeOffer> offers = [Offer("flaky", 5m), Offer("near", 5.5m), Offer("far", 9m, daysLater: 2)];
        var priced = RerouteRisk.Price(offers, Demand, n => n == "flaky" ? 0.3 : 0, 10m, 2m);
        // 0.3 x (10 + (5.5 + 1.0) - (5 + 1.0)) = 3.15 over the order's two units.
        Assert.Equal(1.575m, priced[0].OpportunityCost["a"]);
        Assert.Equal(1.575m, priced[0].OpportunityCost["b"]);
        Assert.Same(offers[1], priced[1]);
        Assert.Equal(offers[0].Quote, priced[0].Quote); // the price is the carrier's; the risk weighs in the objective only

        // Without its near neighbour a rejection goes far: 0.3 x (10 + 4 + 2 days x 2) = 5.40.
        var alone = RerouteRisk.Price([Offer("flaky", 5m), Offer("far", 9m, daysLater: 2)], Demand, n => n == "flaky" ? 0.3 : 0, 10m, 2m);
        Assert.Equal(2.7m, alone[0].OpportunityCost["a"]);
    }

    [Fact]
    public void With_no_other_node_able_to_take_the_order_a_rejection_costs_the_reroute_alone()
    {
        var priced = RerouteRisk.Price([Offer("flaky", 5m), Offer("short", 4m, stock: 0)], Demand, n => n == "flaky" ? 0.5 : 0, 10m, 2m);
        Assert.Equal(2.5m, priced[0].OpportunityCost["a"]);
    }

    /// <summary>
    /// Random offers and risks: what is added is at least p x R and at most p x (R + the dearest other
    /// parcel + L x the latest promise), on the risky nodes only, and never touches a price.
    /// </summary>
    [Fact]
    public void What_is_added_is_bounded_by_the_risk_and_the_alternatives_and_lands_on_risky_nodes_only() =>
        Gen.Select(Gen.Int[2, 6], Gen.Int[0, 1_000_000]).Sample((count, seed) =>
        {
            var random = new Random(seed);
            var offers = Enumerable.Range(0, count)
                .Select(i => Offer($"n{i}", random.Next(400, 1500) / 100m, random.Next(0, 4), random.Next(0, 3) == 0 ? 0 : 10))
                .ToList();
            var risk = offers.ToDictionary(o => o.NodeId, _ => random.Next(3) == 0 ? random.NextDouble() : 0);
            var priced = RerouteRisk.Price(offers, Demand, n => risk[n], 10m, 2m);
            var worst = 10m + offers.Max(o => o.Quote.CostFor(2)) + 2m * 3;
            for (var i = 0; i < count; i++)
            {
                var added = Demand.Sum(l => priced[i].OpportunityCostOf(l.Sku)) - Demand.Sum(l => offers[i].OpportunityCostOf(l.Sku));
                var p = (decimal)risk[offers[i].NodeId];
                if (priced[i].Quote != offers[i].Quote || added < 0
                    || (p == 0 && added != 0)
                    || (p > 0 && (added < p * 10m - 0.01m || added > p * worst + 0.01m)))
                {
                    return false;
                }
            }
            return true;
        }, iter: 2000);
}
