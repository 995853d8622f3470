namespace OrleansOrders.Routing;

/// <summary>
/// Buy online, pick up in store. Only the customer's store (<see cref="SolverOptions.PickupNodeId"/>)
/// serves the order, never another store in its place: it readies what it has (kits only whole) as
/// one <see cref="FulfilmentType.StorePickup"/> parcel. What it lacks (all of it when the store is
/// paused, closed, full or made no offer) is backordered, promised only from the store's own
/// inbound supply; or, when the order allows it (<see cref="SolverOptions.AllowSplitShip"/>),
/// shipped from other nodes within the remaining parcel limit. Ship complete: the store readies the
/// whole order or nothing.
/// </summary>
public static class PickupRule
{
    internal static AllocationPlan Solve(IReadOnlyList<DemandLine> lines, IReadOnlyList<NodeOffer> offers, SolverOptions options)
    {
        var storeId = options.PickupNodeId!;
        var excluded = new List<OfferExclusion>();
        var offer = offers.FirstOrDefault(o => string.Equals(o.NodeId, storeId, StringComparison.Ordinal));
        EligibleOffer? store = null;
        if (offer is null)
        {
            excluded.Add(new OfferExclusion(storeId, "pickup store made no offer"));
        }
        else
        {
            store = OfferEligibility.ForPickup(offer, options, out var reason);
            if (store is null)
            {
                excluded.Add(new OfferExclusion(storeId, reason!));
            }
        }

        var demand = new OrderDemand(lines);
        var shipments = new List<PlannedShipment>();
        IReadOnlyList<DemandLine> shortfall = lines;
        if (store is not null && options.MaxShipments > 0 && (!options.ShipComplete || demand.FitsIn(store.Offer)))
        {
            var ready = CoverSearch.GreedyPartial(demand, [store.Offer], maxParcels: 1);
            shipments.AddRange(ready.Shipments.Select(s => s with
            {
                Fulfilment = FulfilmentType.StorePickup,
                DispatchOn = store.DispatchOn,
                OpportunityCost = s.Lines.Sum(l => l.Quantity * store.Offer.OpportunityCostOf(l.Sku)),
            }));
            shortfall = ready.Unallocated;
        }

        var sources = new List<NodeOffer>();
        if (offer is not null && OfferEligibility.MayPromiseInbound(offer, options, pickup: true))
        {
            sources.Add(offer);
        }
        if (shortfall.Count > 0 && options.AllowSplitShip && !options.ShipComplete)
        {
            var others = offers.Where(o => !string.Equals(o.NodeId, storeId, StringComparison.Ordinal)).ToList();
            var (eligible, notEligible) = OfferEligibility.ForShipping(others, options);
            excluded.AddRange(notEligible);
            var shipped = AllocationSolver.ShipPlan(shortfall, eligible, options, options.MaxShipments - shipments.Count);
            shipments.AddRange(shipped.Shipments);
            shortfall = shipped.Unallocated;
            sources.AddRange(others.Where(o => OfferEligibility.MayPromiseInbound(o, options, pickup: false)));
        }

        shipments.Sort((a, b) => string.CompareOrdinal(a.NodeId, b.NodeId));
        return new AllocationPlan(shipments, shortfall)
        {
            Backorders = BackorderRule.Promise(shortfall, sources, options.ReceiptHandlingDays),
            Excluded = excluded,
        };
    }
}
