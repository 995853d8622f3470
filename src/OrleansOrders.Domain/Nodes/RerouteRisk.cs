using OrleansOrders.Routing;

namespace OrleansOrders.Nodes;

/// <summary>
/// Prices a node's reject risk against the order's own alternatives. The router applies it to the
/// offers before it solves. Choosing node A, which rejects with probability p (its rate above the
/// prior, <see cref="NodeReliability.RejectExcess"/>), costs in expectation
/// <c>(1 - p) c_A + p (c_B + R + L d)</c>: the parcel goes through at A's price, or it is rejected and
/// re-routed to the best other node B, at B's price plus the reroute cost R and the late-promise cost
/// L per day d that B promises later than A. That is A's price plus
/// <c>p (R + max(0, c_B - c_A) + L max(0, d))</c>, which this adds to A's offer, spread over the units
/// of the order, as opportunity cost: it weighs in the objective and never in the parcel's price.
/// </summary>
/// <remarks>
/// A flat <c>p R</c> per parcel would keep a flaky node where it is much cheaper than its neighbours,
/// which is where its rejections go far and break promises. Here the price grows with what a
/// rejection would cost this order. B is the cheapest other offer able to take the whole order by
/// units offered, and it is judged on its whole-order quote. With no other offer, a rejection
/// backorders the order, and only R is added. Offers with no excess risk come back unchanged, the
/// same instances, so a grid without bad nodes allocates nothing here.
/// </remarks>
public static class RerouteRisk
{
    /// <param name="offers">The order's offers, from the solver's point of view.</param>
    /// <param name="demand">What the order still asks.</param>
    /// <param name="rejectExcess">Per node, its reject probability above the prior; 0 for none (the usual case).</param>
    /// <param name="rerouteCost">R: what one re-route costs the network.</param>
    /// <param name="latePromiseCostPerDay">L: what each day a re-route's promise is later than the rejected one costs.</param>
    public static IReadOnlyList<NodeOffer> Price(
        IReadOnlyList<NodeOffer> offers, IReadOnlyList<DemandLine> demand, Func<string, double> rejectExcess,
        decimal rerouteCost, decimal latePromiseCostPerDay)
    {
        List<NodeOffer>? priced = null;
        var units = 0;
        foreach (var line in demand)
        {
            units += Math.Max(0, line.Quantity);
        }
        if (units == 0)
        {
            return offers;
        }
        for (var i = 0; i < offers.Count; i++)
        {
            var p = rejectExcess(offers[i].NodeId);
            if (!(p > 0))
            {
                continue;
            }
            var extra = (decimal)Math.Min(1, p) * Expected(offers, i, demand, units, rerouteCost, latePromiseCostPerDay);
            if (extra <= 0)
            {
                continue;
            }
            priced ??= [.. offers];
            priced[i] = AddPerUnit(offers[i], demand, Math.Round(extra / units, 4));
        }
        return priced ?? offers;
    }

    /// <summary>What a rejection at offer <paramref name="at"/> would cost this order: R, plus the best other node's extra price and later days.</summary>
    public static decimal Expected(IReadOnlyList<NodeOffer> offers, int at, IReadOnlyList<DemandLine> demand, int units,
        decimal rerouteCost, decimal latePromiseCostPerDay)
    {
        var own = offers[at];
        var ownCost = own.Quote.CostFor(units);
        NodeOffer? best = null;
        var bestCost = decimal.MaxValue;
        for (var j = 0; j < offers.Count; j++)
        {
            if (j == at || offers[j].NodeId == own.NodeId || !CoversAll(offers[j], demand))
            {
                continue;
            }
            var cost = offers[j].Quote.CostFor(units);
            if (cost < bestCost)
            {
                (best, bestCost) = (offers[j], cost);
            }
        }
        if (best is null)
        {
            return rerouteCost;
        }
        var later = best.PromisedBy.DayNumber - own.PromisedBy.DayNumber;
        return rerouteCost + Math.Max(0m, bestCost - ownCost) + latePromiseCostPerDay * Math.Max(0, later);
    }

    private static bool CoversAll(NodeOffer offer, IReadOnlyList<DemandLine> demand)
    {
        foreach (var line in demand)
        {
            if (offer.Available.GetValueOrDefault(line.Sku) < line.Quantity)
            {
                return false;
            }
        }
        return true;
    }

    private static NodeOffer AddPerUnit(NodeOffer offer, IReadOnlyList<DemandLine> demand, decimal perUnit)
    {
        var costs = new Dictionary<string, decimal>(offer.OpportunityCost, StringComparer.Ordinal);
        foreach (var line in demand)
        {
            costs[line.Sku] = costs.GetValueOrDefault(line.Sku) + perUnit;
        }
        return offer with { OpportunityCost = costs };
    }
}
