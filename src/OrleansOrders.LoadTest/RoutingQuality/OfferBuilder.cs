using OrleansOrders.Routing;

namespace OrleansOrders.LoadTest.RoutingQuality;

/// <summary>
/// The bids the grid's nodes would make for one order, from a strategy's current state: every node
/// with stock of a wanted SKU offers it, quoted by the <see cref="RateCard"/> (per-SKU unit costs by
/// weight), with its cutoff, its daily capacity and what is already promised, its distance and type,
/// and, for strategies that use them, its current opportunity costs.
/// </summary>
internal static class OfferBuilder
{
    public const int LookaheadDays = 4;

    public static List<NodeOffer> Build(BenchNetwork network, NetworkState state, BenchOrder order, OpportunityCostTable? opportunity)
    {
        var offers = new List<NodeOffer>(network.Nodes.Count);
        var day = order.Day.DayNumber - network.Start.DayNumber;
        for (var n = 0; n < network.Nodes.Count; n++)
        {
            var node = network.Nodes[n];
            Dictionary<string, int>? available = null;
            foreach (var (sku, _) in order.Lines)
            {
                var units = state.Stock(n, sku);
                if (units > 0)
                {
                    (available ??= new Dictionary<string, int>(StringComparer.Ordinal))[network.Skus[sku].Id] = units;
                }
            }
            if (available is null)
            {
                continue;
            }
            var (parcel, perUnit, perKg, transit, km) = RateCard.Quote(node.Kind, node.Location, order.ShipTo);
            var unitCosts = order.Lines.ToDictionary(l => network.Skus[l.Sku].Id, l => RateCard.UnitCost(perUnit, perKg, network.Skus[l.Sku].WeightKg), StringComparer.Ordinal);
            offers.Add(new NodeOffer(node.Id, available, new ShippingQuote(parcel, perUnit, transit, Zone(km)), order.Day.AddDays(transit))
            {
                Shipper = node.Kind,
                DistanceKm = km,
                CutoffUtc = node.CutoffUtc,
                Capacity = new DispatchCapacity(node.CapacityPerDay, state.PromisedFrom(n, day, LookaheadDays)),
                UnitCostBySku = unitCosts,
                OpportunityCost = opportunity is null
                    ? new Dictionary<string, decimal>(StringComparer.Ordinal)
                    : order.Lines.ToDictionary(l => network.Skus[l.Sku].Id, l => opportunity.Of(node.Id, network.Skus[l.Sku].Id), StringComparer.Ordinal),
            });
        }
        return offers;
    }

    private static int Zone(double km) => km switch { <= 150 => 1, <= 600 => 2, <= 1200 => 3, <= 2200 => 4, _ => 5 };
}
