namespace OrleansOrders.Routing;

/// <summary>
/// Routes one order over the nodes' offers. With default <see cref="SolverOptions"/>
/// (<see cref="RoutingObjective.FewestParcels"/>) this is the v1 strategy: ship the whole order from
/// one node at the lowest cost if any node can; otherwise split across the fewest nodes (the
/// cheapest such split); when no set of nodes covers the order, cover as much as possible greedily
/// and backorder the rest. <see cref="RoutingObjective.LowestCost"/> instead searches every node set
/// within the parcel limit for the cheapest plan, a cover or, failing one, the most units
/// (<see cref="ExactCover"/>).
/// <para>
/// Options and offer terms add the rules of issue 3, each in its own file: objectives
/// (<see cref="PlanObjective"/>), ship complete (<see cref="ShipCompleteRule"/>), kits
/// (<see cref="KitRule"/>), node status, radius, fulfilment type, cutoff and capacity, safety stock
/// and channel reserves (<see cref="OfferEligibility"/>), priority (<see cref="PriorityRule"/>), store
/// pickup (<see cref="PickupRule"/>), backorder dates from inbound supply (<see cref="BackorderRule"/>),
/// and opportunity cost (<see cref="NodeOffer.OpportunityCost"/>, <see cref="OpportunityCostCalculator"/>).
/// </para>
/// </summary>
public static class AllocationSolver
{
    public static AllocationPlan Solve(IReadOnlyList<DemandLine> demand, IReadOnlyList<NodeOffer> offers, SolverOptions? options = null)
    {
        options ??= SolverOptions.Default;
        var wanted = Consolidate(demand);
        if (wanted.Count == 0)
        {
            return AllocationPlan.Nothing([]);
        }

        var duplicate = offers.GroupBy(o => o.NodeId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Node '{duplicate.Key}' made more than one offer; merge them first.", nameof(offers));
        }

        if (options.PickupNodeId is not null)
        {
            return PickupRule.Solve(wanted, offers, options);
        }

        var (eligible, excluded) = OfferEligibility.ForShipping(offers, options);
        var plan = ShipPlan(wanted, eligible, options, options.MaxShipments);
        var sources = offers.Where(o => OfferEligibility.MayPromiseInbound(o, options, pickup: false));
        return plan with
        {
            Backorders = BackorderRule.Promise(plan.Unallocated, sources, options.ReceiptHandlingDays),
            Excluded = excluded,
        };
    }

    /// <summary>Merges lines of the same SKU (and the same kit) and drops non-positive quantities.</summary>
    public static IReadOnlyList<DemandLine> Consolidate(IEnumerable<DemandLine> lines) =>
        lines.Where(l => l.Quantity > 0)
            .GroupBy(l => (l.Sku, l.KitId))
            .Select(g => g.First() with { Quantity = g.Sum(l => l.Quantity) })
            .ToList();

    /// <summary>
    /// The shipping plan of consolidated <paramref name="wanted"/> lines over offers that passed the node
    /// rules, within <paramref name="parcelsLeft"/> parcels: each priority tier in turn looks for a
    /// complete plan; failing that (and unless ship complete) the greedy partial plan over all of them.
    /// </summary>
    internal static AllocationPlan ShipPlan(IReadOnlyList<DemandLine> wanted, IReadOnlyList<EligibleOffer> eligible, SolverOptions options, int parcelsLeft)
    {
        var demand = new OrderDemand(wanted);
        var useful = eligible.Where(e => demand.WantsAnyOf(e.Offer)).ToList();
        var maxParcels = ShipCompleteRule.MaxParcels(options, parcelsLeft);
        if (useful.Count == 0 || maxParcels <= 0)
        {
            return AllocationPlan.Nothing(wanted);
        }

        var offers = useful.Select(e => e.Offer).ToList();
        var byNode = offers.ToDictionary(o => o.NodeId, StringComparer.Ordinal);
        var reference = options.OrderedAt is { } at ? DateOnly.FromDateTime(at.UtcDateTime) : offers.Min(o => o.PromisedBy);
        var objective = new PlanObjective(options, reference, byNode);

        AllocationPlan? plan = null;
        var exact = options.Objective == RoutingObjective.LowestCost;
        foreach (var tier in PriorityRule.Tiers(offers, options.PriorityTiers))
        {
            plan = exact
                ? ExactCover.BestCover(demand, tier, maxParcels, objective)
                : CoverSearch.BestCover(demand, tier, maxParcels, options.MaxSearchCandidates, objective);
            if (plan is not null)
            {
                break;
            }
        }
        plan ??= !ShipCompleteRule.AllowsPartial(options) ? AllocationPlan.Nothing(wanted)
            : exact ? ExactCover.BestPartial(demand, offers, maxParcels, objective)
            : CoverSearch.GreedyPartial(demand, offers, maxParcels);

        var dispatch = useful.ToDictionary(e => e.Offer.NodeId, e => e.DispatchOn, StringComparer.Ordinal);
        return plan with
        {
            Shipments = plan.Shipments.Select(s => s with
            {
                Fulfilment = FulfilmentRule.ShippingTypeOf(byNode[s.NodeId]),
                DispatchOn = dispatch[s.NodeId],
                OpportunityCost = s.Lines.Sum(l => l.Quantity * byNode[s.NodeId].OpportunityCostOf(l.Sku)),
            }).ToList(),
        };
    }
}
