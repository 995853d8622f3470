using static OrleansOrders.Routing.Tests.RandomRuleCases;
using static OrleansOrders.Routing.Tests.TestData;

namespace OrleansOrders.Routing.Tests;

/// <summary>
/// Invariants of the issue 3 rules, on seeded random inputs with every rule switched on at random.
/// A failure names the seed and prints the whole case.
/// </summary>
[Trait("Category", "fast")]
public class RulePropertyTests
{
    private const int Seed = 3_000_001;
    private const int Cases = 1500;

    private static readonly (Case Case, AllocationPlan Plan)[] Solved =
        Generate(Seed, Cases).Select(c => (c, AllocationSolver.Solve(c.Demand, c.Offers, c.Options))).ToArray();

    private static void Check(bool condition, string property, Case c, AllocationPlan plan)
    {
        if (!condition)
        {
            Assert.Fail($"{property}\n{c}  plan: {Shape(plan)} (cost {plan.TotalCost})");
        }
    }

    [Fact]
    public void Generator_reaches_every_rule()
    {
        Assert.Contains(Solved, s => s.Plan.Shipments.Any(sh => sh.Lines.Any(l => l.KitId is not null)));
        Assert.Contains(Solved, s => s.Plan.Unallocated.Any(l => l.KitId is not null));
        Assert.Contains(Solved, s => s.Plan.Shipments.Any(sh => sh.Fulfilment == FulfilmentType.StorePickup) && s.Plan.Shipments.Any(sh => sh.Fulfilment != FulfilmentType.StorePickup));
        Assert.Contains(Solved, s => s.Plan.Backorders.Any(b => b.PromisedBy is not null));
        Assert.Contains(Solved, s => s.Plan.Excluded.Any(e => e.Reason.Contains("capacity")));
        Assert.Contains(Solved, s => s.Plan.Excluded.Any(e => e.Reason.Contains("radius")));
        Assert.Contains(Solved, s => s.Plan.Excluded.Any(e => e.Reason.Contains("paused")));
        Assert.Contains(Solved, s => s.Plan.Shipments.Any(sh => sh.DispatchOn > Day));
        Assert.Contains(Solved, s => s.Case.Options.ShipComplete && s.Plan.Shipments.Count == 1);
        Assert.Contains(Solved, s => s.Plan.Shipments.Count >= 3);
        foreach (var objective in Enum.GetValues<RoutingObjective>())
        {
            Assert.Contains(Solved, s => s.Case.Options.Objective == objective && s.Plan.Shipments.Count >= 2);
        }
    }

    [Fact]
    public void A_plan_never_takes_more_than_the_offer_minus_safety_stock_and_reserves_the_channel_may_not_take()
    {
        foreach (var (c, plan) in Solved)
        {
            var offers = c.Offers.ToDictionary(o => o.NodeId);
            Check(plan.Shipments.Select(s => s.NodeId).Distinct().Count() == plan.Shipments.Count, "one parcel per node", c, plan);
            foreach (var shipment in plan.Shipments)
            {
                Check(offers.ContainsKey(shipment.NodeId), "ships from an offering node", c, plan);
                foreach (var group in shipment.Lines.GroupBy(l => l.Sku))
                {
                    var taken = group.Sum(l => l.Quantity);
                    Check(taken <= MayTake(offers[shipment.NodeId], group.Key, c.Options.Channel),
                        $"{shipment.NodeId} ships {taken} of {group.Key}, at most what the channel may take", c, plan);
                    Check(taken <= offers[shipment.NodeId].Available.GetValueOrDefault(group.Key), "never above the offered quantity", c, plan);
                }
                Check(shipment.Lines.All(l => l.Quantity > 0) && shipment.Lines.Count > 0, "no empty parcel or line", c, plan);
            }
        }
    }

    [Fact]
    public void A_plan_never_exceeds_node_capacity_and_dispatches_on_the_first_day_with_room()
    {
        var checkedCapacity = 0;
        foreach (var (c, plan) in Solved)
        {
            foreach (var shipment in plan.Shipments)
            {
                var offer = c.Offers.Single(o => o.NodeId == shipment.NodeId);
                var first = offer.CutoffUtc is { } cutoff && c.Options.OrderedAt is { } at && TimeOnly.FromDateTime(at.UtcDateTime) >= cutoff ? 1 : 0;
                int day;
                if (c.Options.OrderedAt is not null && (offer.Capacity is not null || offer.CutoffUtc is not null))
                {
                    Check(shipment.DispatchOn is not null, "dispatch day known when the order time is", c, plan);
                    day = shipment.DispatchOn!.Value.DayNumber - Day.DayNumber;
                }
                else
                {
                    Check(shipment.DispatchOn is null, "no dispatch day without order time and node schedule", c, plan);
                    day = first + (shipment.PromisedBy.DayNumber - offer.PromisedBy.DayNumber);
                }
                Check(day >= first && day <= first + c.Options.MaxDispatchDelayDays, $"{shipment.NodeId} dispatches within the allowed delay", c, plan);
                if (offer.Capacity is { } capacity)
                {
                    checkedCapacity++;
                    Check(capacity.PerDay > 0 && capacity.PromisedOn(day) < capacity.PerDay, $"{shipment.NodeId} has room on day {day}", c, plan);
                    Check(Enumerable.Range(first, day - first).All(d => capacity.PromisedOn(d) >= capacity.PerDay), "no earlier day had room", c, plan);
                }
                var expected = offer.CutoffUtc is not null && c.Options.OrderedAt is not null
                    ? Day.AddDays(day + offer.Quote.TransitDays)
                    : offer.PromisedBy.AddDays(day - first);
                Check(shipment.PromisedBy == expected, $"{shipment.NodeId} promises {expected}", c, plan);
            }
        }
        Assert.True(checkedCapacity > 100, $"only {checkedCapacity} parcels from nodes with capacity");
    }

    [Fact]
    public void A_plan_never_exceeds_max_shipments_and_ship_complete_is_one_whole_parcel_or_nothing()
    {
        foreach (var (c, plan) in Solved)
        {
            Check(plan.Shipments.Count <= Math.Max(0, c.Options.MaxShipments), "parcels <= MaxShipments", c, plan);
            if (c.Options.ShipComplete)
            {
                Check(plan.Shipments.Count == 0 || (plan.Shipments.Count == 1 && plan.IsComplete), "ship complete: one whole parcel or none", c, plan);
            }
        }
    }

    [Fact]
    public void Planned_plus_unallocated_is_the_demand_and_backorders_are_the_unallocated_units()
    {
        foreach (var (c, plan) in Solved)
        {
            var wanted = Totals(c.Demand.Where(d => d.Quantity > 0));
            var accounted = Totals(plan.Shipments.SelectMany(s => s.Lines).Concat(plan.Unallocated));
            Check(wanted.Count == accounted.Count && wanted.All(w => accounted.GetValueOrDefault(w.Key) == w.Value), "planned + unallocated == demand per SKU and kit", c, plan);
            var backordered = plan.Backorders.GroupBy(b => (b.Sku, b.KitId)).ToDictionary(g => g.Key, g => g.Sum(b => b.Quantity));
            var unallocated = Totals(plan.Unallocated);
            Check(backordered.Count == unallocated.Count && unallocated.All(u => backordered.GetValueOrDefault(u.Key) == u.Value), "backorders == unallocated", c, plan);
            Check(plan.Backorders.All(b => b.Quantity > 0 && (b.NodeId is null) == (b.PromisedBy is null)), "a backorder has a node and date together, or neither", c, plan);
        }
    }

    [Fact]
    public void Kits_ship_whole_from_one_node_or_stay_whole_unallocated()
    {
        foreach (var (c, plan) in Solved)
        {
            foreach (var kit in AllocationSolver.Consolidate(c.Demand).Where(l => l.KitId is not null).GroupBy(l => l.KitId))
            {
                var whole = Totals(kit);
                var carriers = plan.Shipments.Where(s => s.Lines.Any(l => l.KitId == kit.Key)).ToList();
                var left = Totals(plan.Unallocated.Where(l => l.KitId == kit.Key));
                if (carriers.Count == 0)
                {
                    Check(left.Count == whole.Count && whole.All(w => left.GetValueOrDefault(w.Key) == w.Value), $"kit {kit.Key} is unallocated whole", c, plan);
                }
                else
                {
                    var shipped = Totals(carriers[0].Lines.Where(l => l.KitId == kit.Key));
                    Check(carriers.Count == 1 && left.Count == 0 && whole.All(w => shipped.GetValueOrDefault(w.Key) == w.Value), $"kit {kit.Key} ships whole from one node", c, plan);
                }
            }
        }
    }

    [Fact]
    public void Only_open_nodes_in_reach_of_an_allowed_type_ship_and_excluded_nodes_never_do()
    {
        foreach (var (c, plan) in Solved)
        {
            var excluded = plan.Excluded.Select(e => e.NodeId).ToHashSet();
            foreach (var shipment in plan.Shipments)
            {
                var offer = c.Offers.Single(o => o.NodeId == shipment.NodeId);
                Check(offer.Status == OfferStatus.Open, $"{offer.NodeId} is open", c, plan);
                Check(!excluded.Contains(offer.NodeId), $"{offer.NodeId} was not excluded", c, plan);
                if (shipment.Fulfilment == FulfilmentType.StorePickup)
                {
                    Check(offer.NodeId == c.Options.PickupNodeId, "pickup only at the customer's store", c, plan);
                    continue;
                }
                var km = offer.DistanceKm;
                Check(km is null || ((offer.ServiceRadiusKm is null || km <= offer.ServiceRadiusKm) && (c.Options.MaxDistanceKm is null || km <= c.Options.MaxDistanceKm)), $"{offer.NodeId} within reach", c, plan);
                var type = offer.Shipper switch { ShipperType.Store => FulfilmentType.ShipFromStore, ShipperType.DropShipSupplier => FulfilmentType.DropShip, _ => FulfilmentType.ShipToHome };
                Check(shipment.Fulfilment == type, $"{offer.NodeId} ships as {type}", c, plan);
                Check(c.Options.AllowedFulfilment is null || c.Options.AllowedFulfilment.Contains(type), $"{type} allowed", c, plan);
            }
        }
    }

    [Fact]
    public void Pickup_orders_use_the_customers_store_and_ship_elsewhere_only_when_allowed()
    {
        var pickups = 0;
        foreach (var (c, plan) in Solved.Where(s => s.Case.Options.PickupNodeId is not null))
        {
            pickups++;
            Check(plan.Shipments.Count(s => s.Fulfilment == FulfilmentType.StorePickup) <= 1, "at most one pickup parcel", c, plan);
            if (!c.Options.AllowSplitShip || c.Options.ShipComplete)
            {
                Check(plan.Shipments.All(s => s.NodeId == c.Options.PickupNodeId && s.Fulfilment == FulfilmentType.StorePickup), "no substitution without split-ship", c, plan);
                Check(plan.Backorders.All(b => b.NodeId is null || b.NodeId == c.Options.PickupNodeId), "backorders promised only from the store", c, plan);
            }
        }
        Assert.True(pickups > 200, $"only {pickups} pickup cases");
    }

    [Fact]
    public void Backorder_dates_come_from_real_receipts_and_no_receipt_is_promised_twice()
    {
        foreach (var (c, plan) in Solved)
        {
            foreach (var group in plan.Backorders.Where(b => b.NodeId is not null).GroupBy(b => (b.NodeId, b.Sku)))
            {
                var offer = c.Offers.Single(o => o.NodeId == group.Key.NodeId);
                var receipts = offer.Inbound.Where(r => r.Sku == group.Key.Sku && r.Quantity > 0).ToList();
                Check(group.Sum(b => b.Quantity) <= receipts.Sum(r => r.Quantity), $"{group.Key} promises at most its inbound", c, plan);
                var earliest = receipts.Min(r => r.ExpectedOn).AddDays(c.Options.ReceiptHandlingDays + offer.Quote.TransitDays);
                Check(group.All(b => b.PromisedBy >= earliest), $"{group.Key} dates not before the first receipt can arrive", c, plan);
                Check(offer.Status == OfferStatus.Open, "only open nodes promise inbound", c, plan);
            }
        }
    }

    [Fact]
    public void Every_parcel_costs_its_quote_for_its_lines_and_carries_its_opportunity_cost()
    {
        foreach (var (c, plan) in Solved)
        {
            foreach (var shipment in plan.Shipments)
            {
                var offer = c.Offers.Single(o => o.NodeId == shipment.NodeId);
                var cost = offer.Quote.ShipmentCost + shipment.Lines.Sum(l => l.Quantity * (offer.UnitCostBySku.TryGetValue(l.Sku, out var u) ? u : offer.Quote.UnitCost));
                Check(shipment.Cost == cost, $"{shipment.NodeId} costs {cost}", c, plan);
                Check(shipment.OpportunityCost == shipment.Lines.Sum(l => l.Quantity * offer.OpportunityCost.GetValueOrDefault(l.Sku)), "opportunity cost of the units", c, plan);
            }
        }
    }

    [Fact]
    public void Each_objective_is_at_least_as_good_by_its_own_measure_as_any_other_objectives_complete_plan()
    {
        var compared = 0;
        foreach (var (c, _) in Solved.Where(s => s.Case.Options.PickupNodeId is null && s.Case.Options.MaxShipments > 0))
        {
            var plans = Enum.GetValues<RoutingObjective>().ToDictionary(o => o, o => AllocationSolver.Solve(c.Demand, c.Offers, c.Options with { Objective = o }));
            var complete = plans.Where(p => p.Value.IsComplete && p.Value.Shipments.Count > 0).Select(p => p.Value).ToList();
            if (complete.Count < 2)
            {
                continue;
            }
            compared++;
            var (eligible, _) = OfferEligibility.ForShipping(c.Offers, c.Options);
            var offers = eligible.ToDictionary(e => e.Offer.NodeId, e => e.Offer);
            foreach (var objective in Enum.GetValues<RoutingObjective>())
            {
                var own = plans[objective];
                if (!own.IsComplete)
                {
                    continue;
                }
                var measure = new PlanObjective(c.Options with { Objective = objective }, Day, offers);
                foreach (var other in complete)
                {
                    var (mine, theirs) = (measure.Score(own), measure.Score(other));
                    var ok = objective switch
                    {
                        RoutingObjective.Fastest => mine.LatestPromise <= theirs.LatestPromise,
                        RoutingObjective.Weighted or RoutingObjective.LowestCost => mine.Value <= theirs.Value,
                        _ => mine.Shipments < theirs.Shipments || (mine.Shipments == theirs.Shipments && mine.Value <= theirs.Value),
                    };
                    Check(ok, $"{objective} plan ({mine}) at least as good as {Shape(other)} ({theirs})", c, own);
                }
            }
        }
        Assert.True(compared > 200, $"only {compared} cases compared");
    }

    [Fact]
    public void Plans_do_not_depend_on_offer_order_and_are_deterministic()
    {
        var rng = new Random(Seed + 7);
        foreach (var (c, plan) in Solved)
        {
            var again = AllocationSolver.Solve(c.Demand, c.Offers.OrderBy(_ => rng.Next()).ToList(), c.Options);
            Check(Shape(again) == Shape(plan) && again.TotalCost == plan.TotalCost &&
                  string.Join(';', again.Backorders) == string.Join(';', plan.Backorders), $"same plan with offers shuffled, got {Shape(again)}", c, plan);
        }
    }
}
