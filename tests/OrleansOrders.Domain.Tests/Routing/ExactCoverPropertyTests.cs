using CsCheck;
using static OrleansOrders.Routing.Tests.TestData;

namespace OrleansOrders.Routing.Tests;

/// <summary>
/// <see cref="RoutingObjective.LowestCost"/> is exact: on small random orders (up to 6 lines, up to
/// 9 offers with per-SKU unit costs and opportunity costs) the plan's cost equals a brute force over
/// every node set within the parcel limit: the least cost of a cover when one exists, else the most
/// units shipped and the least cost of those. The plan is also feasible (never more than an offer has,
/// every unit accounted for, within the parcel limit) and no worse than the v1 plan.
/// </summary>
[Trait("Category", "fast")]
public class ExactCoverPropertyTests
{
    private static readonly string[] Skus = ["A", "B", "C", "D", "E", "F"];

    public sealed record Instance(DemandLine[] Demand, NodeOffer[] Offers, int MaxShipments, decimal OpportunityWeight)
    {
        public override string ToString() =>
            $"max {MaxShipments}, w {OpportunityWeight}, demand {Lines(Demand)}; " + string.Join("; ", Offers.Select(o =>
                $"{o.NodeId} parcel {o.Quote.ShipmentCost} stock {string.Join(',', o.Available.Select(a => $"{a.Key}:{a.Value}@{o.UnitCostOf(a.Key)}+{o.OpportunityCostOf(a.Key)}"))}"));
    }

    private static readonly Gen<NodeOffer> OfferGen =
        Gen.Select(
            Gen.Int[0, 99999],
            Gen.Int[300, 1800],
            Gen.Int[0, 5].Select(Gen.Int[0, 250], Gen.Int[0, 300], Gen.Bool, (stock, unit, opportunity, hasOpportunity) => (stock, unit, opportunity, hasOpportunity)).Array[Skus.Length],
            (id, parcel, perSku) => new NodeOffer(
                $"n{id:D5}",
                Enumerable.Range(0, Skus.Length).Where(s => perSku[s].stock > 0).ToDictionary(s => Skus[s], s => perSku[s].stock, StringComparer.Ordinal),
                new ShippingQuote(parcel / 100m, 0.40m, 2, 2),
                Day.AddDays(2))
            {
                UnitCostBySku = Enumerable.Range(0, Skus.Length).ToDictionary(s => Skus[s], s => perSku[s].unit / 100m, StringComparer.Ordinal),
                OpportunityCost = Enumerable.Range(0, Skus.Length).Where(s => perSku[s].hasOpportunity).ToDictionary(s => Skus[s], s => perSku[s].opportunity / 100m, StringComparer.Ordinal),
            });

    private static readonly Gen<Instance> InstanceGen =
        Gen.Select(
            Gen.Int[1, 6].SelectMany(lines => Gen.Shuffle(Skus.ToArray(), lines).Select(Gen.Int[1, 4].Array[lines], (skus, quantities) =>
                skus.Select((sku, i) => new DemandLine(sku, quantities[i])).ToArray())),
            OfferGen.Array[0, 9].Select(offers => offers.DistinctBy(o => o.NodeId).ToArray()),
            Gen.Int[1, 4],
            Gen.Int[0, 2].Select(w => w / 2m),
            (demand, offers, max, weight) => new Instance(demand, offers, max, weight));

    [Fact]
    public void Lowest_cost_plan_costs_what_a_brute_force_over_every_node_set_finds()
    {
        InstanceGen.Sample(instance =>
        {
            var options = new SolverOptions { Objective = RoutingObjective.LowestCost, MaxShipments = instance.MaxShipments, OpportunityCostWeight = instance.OpportunityWeight };
            var plan = AllocationSolver.Solve(instance.Demand, instance.Offers, options);
            var (units, value) = BruteForce(instance);

            Assert.True(plan.Shipments.Count <= instance.MaxShipments, $"{plan.Shipments.Count} parcels");
            Assert.Equal(units, plan.Shipments.Sum(s => s.Units));
            Assert.Equal(value, Value(plan, instance));
            Assert.Equal(instance.Demand.Sum(d => d.Quantity), plan.Shipments.Sum(s => s.Units) + plan.Unallocated.Sum(u => u.Quantity));
            var offers = instance.Offers.ToDictionary(o => o.NodeId, StringComparer.Ordinal);
            foreach (var shipment in plan.Shipments)
            {
                Assert.All(shipment.Lines, l => Assert.InRange(l.Quantity, 1, offers[shipment.NodeId].Available.GetValueOrDefault(l.Sku)));
                Assert.Equal(offers[shipment.NodeId].CostOf(shipment.Lines), shipment.Cost);
            }

            var v1 = AllocationSolver.Solve(instance.Demand, instance.Offers, options with { Objective = RoutingObjective.FewestParcels });
            var v1Units = v1.Shipments.Sum(s => s.Units);
            Assert.True(units > v1Units || (units == v1Units && value <= Value(v1, instance)), $"worse than the v1 plan {Shape(v1)}");
        }, iter: 3000, print: i => i.ToString());
    }

    [Fact]
    public void Lowest_cost_takes_a_cheaper_split_and_keeps_one_parcel_on_a_tie()
    {
        var demand = Demand(("x", 1), ("y", 1));
        var far = Offer("far", 12m, 1m, ("x", 1), ("y", 1));   // 14 in one parcel
        var nearX = Offer("near-x", 5m, 1m, ("x", 1));          // 6
        var nearY = Offer("near-y", 5m, 1m, ("y", 1));          // 6: together 12 in two
        var lowest = new SolverOptions { Objective = RoutingObjective.LowestCost };

        Assert.Equal("near-x[x:1] near-y[y:1]", Shape(AllocationSolver.Solve(demand, [far, nearX, nearY], lowest)));
        Assert.Equal("far[x:1,y:1]", Shape(AllocationSolver.Solve(demand, [far, nearX, nearY], new SolverOptions())));
        var tie = far with { Quote = far.Quote with { ShipmentCost = 10m } }; // 12 in one parcel, as the split
        Assert.Equal("far[x:1,y:1]", Shape(AllocationSolver.Solve(demand, [tie, nearX, nearY], lowest)));
    }

    [Fact]
    public void Lowest_cost_without_a_cover_ships_the_most_units_the_cheapest_way()
    {
        var demand = Demand(("x", 3), ("y", 2));
        var a = Offer("a", 4m, 1m, ("x", 2));
        var b = Offer("b", 9m, 1m, ("x", 3));
        var c = Offer("c", 4m, 1m, ("y", 1));
        var options = new SolverOptions { Objective = RoutingObjective.LowestCost, MaxShipments = 2 };

        // Two parcels: b's 3 x and c's 1 y (4 units) beat a's 2 x and c's y (3 units).
        Assert.Equal("b[x:3] c[y:1] | y:1", Shape(AllocationSolver.Solve(demand, [a, b, c], options)));
    }

    /// <summary>The lowest marginal cost per SKU among the set, filled unit by unit; a node set is paid for only where it ships.</summary>
    private static (int Units, decimal Value) BruteForce(Instance instance)
    {
        var offers = instance.Offers.Where(o => instance.Demand.Any(d => o.Available.GetValueOrDefault(d.Sku) > 0)).ToArray();
        var best = (Units: 0, Value: 0m);
        for (var mask = 1; mask < 1 << offers.Length; mask++)
        {
            var set = offers.Where((_, i) => (mask & (1 << i)) != 0).ToArray();
            if (set.Length > instance.MaxShipments)
            {
                continue;
            }
            var units = 0;
            var value = set.Sum(o => o.Quote.ShipmentCost);
            foreach (var line in instance.Demand)
            {
                var left = line.Quantity;
                foreach (var o in set.OrderBy(o => Marginal(o, line.Sku, instance.OpportunityWeight)))
                {
                    var take = Math.Min(left, o.Available.GetValueOrDefault(line.Sku));
                    value += take * Marginal(o, line.Sku, instance.OpportunityWeight);
                    units += take;
                    left -= take;
                }
            }
            if (units > best.Units || (units == best.Units && value < best.Value))
            {
                best = (units, value);
            }
        }
        return best;
    }

    private static decimal Marginal(NodeOffer offer, string sku, decimal weight) => offer.UnitCostOf(sku) + weight * offer.OpportunityCostOf(sku);

    private static decimal Value(AllocationPlan plan, Instance instance) =>
        plan.TotalCost + instance.OpportunityWeight * plan.Shipments.Sum(s => s.OpportunityCost);
}
