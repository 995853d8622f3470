using OrleansOrders.Contracts;
using OrleansOrders.Grains.Routing;
using OrleansOrders.Routing;

namespace OrleansOrders.LoadTest.RoutingQuality;

/// <summary>
/// The bids the grid would collect for one order, from a strategy's current state, built by the
/// grid's own code: the router's candidates (<see cref="BidCandidates"/>: nodes with stock of a wanted
/// SKU, the best by coverage and estimated cost, then each line's cheapest source, the first
/// <see cref="QualitySettings.MaxBidCandidates"/>),
/// and each candidate's bid: a node with stock of a wanted SKU prices its bid with <see cref="NodeBidding"/>
/// (the shipping model's quote for its kind and distance, the promise from its cutoff, the units it
/// offers per line), as <c>FulfilmentNodeGrain.Bid</c> does, and answers with the grid's
/// <see cref="NodeBid"/>, capacity by day and opportunity costs included; the router's
/// <see cref="BidTerms.ToOffer"/> turns it into the solver's offer. A node with no stock of the order's
/// SKUs, or with every day of its horizon full, declines, as the grain does.
/// </summary>
internal static class GridBids
{
    /// <summary>Days of capacity a bid shows, as the node grain: as far as a parcel may be pushed, plus the day a cutoff adds.</summary>
    public static int HorizonDays(QualitySettings settings) => Math.Max(0, settings.MaxDispatchDelayDays) + 2;

    public static List<NodeOffer> Build(BenchNetwork network, NetworkState state, BenchOrder order, OpportunityCostTable? opportunity, int horizonDays, int maxCandidates)
    {
        var offers = new List<NodeOffer>(maxCandidates);
        var day = order.Day.DayNumber - network.Start.DayNumber;
        foreach (var n in Candidates(network, state, order, opportunity, maxCandidates))
        {
            var node = network.Nodes[n];
            var offered = new List<OrderLine>(order.Lines.Count);
            foreach (var (sku, quantity) in order.Lines)
            {
                var units = NodeBidding.Offered(quantity, reserve: 0, state.Stock(n, sku));
                if (units > 0)
                {
                    offered.Add(new OrderLine(network.Skus[sku].Id, units));
                }
            }
            var promisedByDay = state.PromisedFrom(n, day, horizonDays);
            if (offered.Count == 0 || promisedByDay.All(used => used >= node.CapacityPerDay))
            {
                continue;
            }
            var (quote, promisedBy, distanceKm) = NodeBidding.Price(node.Location, node.Kind, order.ShipTo, order.OrderedAt, node.CutoffUtc);
            var terms = opportunity is null
                ? []
                : order.Lines
                    .Select(l => new SkuTerms(network.Skus[l.Sku].Id, null, [], opportunity.Of(node.Id, network.Skus[l.Sku].Id)))
                    .Where(t => t.OpportunityCost > 0)
                    .ToList();
            var bid = new NodeBid(node.Id, true, null, offered, quote.ShipmentCost, quote.UnitCost, promisedBy, node.CapacityPerDay - promisedByDay[0], distanceKm)
            {
                Kind = KindOf(node.Kind),
                TransitDays = quote.TransitDays,
                CutoffUtc = node.CutoffUtc,
                DailyCapacity = node.CapacityPerDay,
                PromisedByDay = promisedByDay,
                Terms = terms,
            };
            offers.Add(BidTerms.ToOffer(bid));
        }
        return offers;
    }

    /// <summary>The router's candidates for the order, as node indices; every node reports its stock exactly (no stale availability, no expected receipts).</summary>
    private static IEnumerable<int> Candidates(BenchNetwork network, NetworkState state, BenchOrder order, OpportunityCostTable? opportunity, int maxCandidates)
    {
        var stock = new List<CandidateStock>();
        for (var n = 0; n < network.Nodes.Count; n++)
        {
            foreach (var (sku, _) in order.Lines)
            {
                stock.Add(new CandidateStock(network.Nodes[n].Id, network.Skus[sku].Id, state.Stock(n, sku), 0));
            }
        }
        var index = network.Nodes.Select((node, i) => (node.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        var lines = order.Lines.Select(l => new DemandLine(network.Skus[l.Sku].Id, l.Quantity)).ToList();
        // What the router estimates from: each node's site and kind (the directory), the order's opportunity costs at the solver's weight.
        var costs = new CandidateCosts(order.ShipTo, id => new CandidateSite(network.Nodes[index[id]].Location, network.Nodes[index[id]].Kind))
        {
            OpportunityOf = opportunity is null ? null : opportunity.Of,
            OpportunityWeight = new SolverOptions().OpportunityCostWeight,
        };
        return BidCandidates.Rank(stock, lines, NoneExcluded, askEmpty: false, costs, maxCandidates)
            .Select(id => index[id]);
    }

    private static readonly HashSet<string> NoneExcluded = new(StringComparer.Ordinal);

    private static NodeKind KindOf(ShipperType shipper) => shipper switch
    {
        ShipperType.DistributionCentre => NodeKind.DistributionCentre,
        ShipperType.Store => NodeKind.Store,
        ShipperType.DropShipSupplier => NodeKind.DropShipSupplier,
        _ => throw new ArgumentOutOfRangeException(nameof(shipper), shipper, "unknown shipper type"),
    };
}
