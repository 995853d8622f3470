using System.Text;
using static OrleansOrders.Routing.Tests.TestData;

namespace OrleansOrders.Routing.Tests;

/// <summary>
/// Invariants of <see cref="AllocationSolver.Solve"/> checked on seeded random orders and offers.
/// Every failure message carries the seed and the whole case so it can be replayed as a unit test.
/// </summary>
[Trait("Category", "fast")]
public class AllocationSolverPropertyTests
{
    private const int Cases = 500;
    private const int Seed = 20250310;

    /// <summary>One random solver input.</summary>
    public sealed record Case(int Index, IReadOnlyList<DemandLine> Demand, IReadOnlyList<NodeOffer> Offers, SolverOptions Options)
    {
        public override string ToString()
        {
            var text = new StringBuilder();
            text.AppendLine($"case #{Index} (seed {Seed}), MaxShipments={Options.MaxShipments}, MaxSearchCandidates={Options.MaxSearchCandidates}");
            text.AppendLine($"  demand: {Lines(Demand)}");
            foreach (var o in Offers)
            {
                text.AppendLine($"  offer {o.NodeId}: parcel {o.Quote.ShipmentCost} + {o.Quote.UnitCost}/unit, by {o.PromisedBy:yyyy-MM-dd}, stock {string.Join(',', o.Available.Select(a => $"{a.Key}:{a.Value}"))}");
            }
            return text.ToString();
        }
    }

    /// <summary>
    /// Random inputs: up to 5 SKUs, demand lines that may repeat a SKU or be non-positive, up to
    /// <paramref name="maxOffers"/> offers with sparse stock (including explicit zeros and SKUs nobody
    /// ordered), and sometimes one well-stocked node that covers the whole order on its own.
    /// </summary>
    private static IEnumerable<Case> Generate(int seed, int count, int maxOffers = 9)
    {
        var rng = new Random(seed);
        string[] skuPool = ["A", "B", "C", "D", "E"];
        for (var i = 0; i < count; i++)
        {
            var skus = skuPool.Take(rng.Next(1, skuPool.Length + 1)).ToArray();
            var demand = new List<DemandLine>();
            var lineCount = rng.Next(1, 7);
            for (var l = 0; l < lineCount; l++)
            {
                var quantity = rng.Next(12) == 0 ? rng.Next(-3, 1) : rng.Next(1, 9);
                demand.Add(new DemandLine(skus[rng.Next(skus.Length)], quantity));
            }

            var offers = new List<NodeOffer>();
            var offerCount = rng.Next(0, maxOffers + 1);
            var bigNode = rng.Next(4) == 0 ? rng.Next(Math.Max(1, offerCount)) : -1;
            for (var n = 0; n < offerCount; n++)
            {
                var stock = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var sku in skus)
                {
                    if (n == bigNode)
                    {
                        stock[sku] = 40;
                    }
                    else if (rng.NextDouble() < 0.55)
                    {
                        stock[sku] = rng.Next(0, 12);
                    }
                }
                if (rng.Next(5) == 0)
                {
                    stock["Z"] = rng.Next(0, 50); // a SKU nobody ordered
                }
                offers.Add(new NodeOffer(
                    $"node-{n:D2}",
                    stock,
                    new ShippingQuote(rng.Next(50, 2000) / 100m, rng.Next(0, 250) / 100m, TransitDays: rng.Next(1, 6), Zone: rng.Next(1, 6)),
                    Day.AddDays(rng.Next(0, 6))));
            }
            // Random names would make ids collide; shuffle instead so input order carries no meaning.
            offers = offers.OrderBy(_ => rng.Next()).ToList();

            var options = new SolverOptions { MaxShipments = rng.Next(1, 5) };
            yield return new Case(i, demand, offers, options);
        }
    }

    private static (Case Case, AllocationPlan Plan)[] Solved(int maxOffers = 9) =>
        Generate(Seed, Cases, maxOffers).Select(c => (c, AllocationSolver.Solve(c.Demand, c.Offers, c.Options))).ToArray();

    private static void Check(bool condition, string property, Case c, AllocationPlan plan)
    {
        if (!condition)
        {
            Assert.Fail($"{property}\n{c}  plan: {Shape(plan)} (cost {plan.TotalCost})");
        }
    }

    private static Dictionary<string, int> Totals(IEnumerable<DemandLine> lines) =>
        lines.GroupBy(l => l.Sku, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(l => l.Quantity), StringComparer.Ordinal);

    [Fact]
    public void Generator_exercises_every_path()
    {
        // Guards the property tests against a generator that never reaches the interesting branches.
        var solved = Solved();
        Assert.Contains(solved, s => Consolidate(s.Case).Count == 0);
        Assert.Contains(solved, s => s.Plan.IsComplete && s.Plan.Shipments.Count == 1);
        Assert.Contains(solved, s => s.Plan.IsComplete && s.Plan.Shipments.Count >= 3);
        Assert.Contains(solved, s => s.Plan.IsComplete && s.Plan.Shipments.Any(sh => sh.Lines.Count > 1) && s.Plan.Shipments.Count >= 2);
        Assert.Contains(solved, s => !s.Plan.IsComplete && s.Plan.Shipments.Count > 0);
        Assert.Contains(solved, s => !s.Plan.IsComplete && s.Plan.Shipments.Count == s.Case.Options.MaxShipments);
        Assert.Contains(solved, s => s.Plan.Shipments.SelectMany(sh => sh.Lines).GroupBy(l => l.Sku).Any(g => g.Count() > 1));
        Assert.Contains(solved, s => s.Case.Demand.GroupBy(d => d.Sku).Any(g => g.Count() > 1));
    }

    private static IReadOnlyList<DemandLine> Consolidate(Case c) => AllocationSolver.Consolidate(c.Demand);

    [Fact]
    public void A_node_never_ships_more_of_a_sku_than_it_offered()
    {
        foreach (var (c, plan) in Solved(maxOffers: 14))
        {
            var offers = c.Offers.ToDictionary(o => o.NodeId, StringComparer.Ordinal);
            Check(plan.Shipments.Select(s => s.NodeId).Distinct(StringComparer.Ordinal).Count() == plan.Shipments.Count,
                "a node appears in at most one shipment", c, plan);
            foreach (var shipment in plan.Shipments)
            {
                Check(offers.ContainsKey(shipment.NodeId), $"shipment from {shipment.NodeId} is from an offering node", c, plan);
                foreach (var (sku, quantity) in Totals(shipment.Lines))
                {
                    Check(quantity <= offers[shipment.NodeId].Available.GetValueOrDefault(sku),
                        $"{shipment.NodeId} ships {quantity} of {sku} within its offer", c, plan);
                }
            }
        }
    }

    [Fact]
    public void Planned_plus_unallocated_equals_demand_for_every_sku()
    {
        foreach (var (c, plan) in Solved(maxOffers: 14))
        {
            var wanted = Totals(c.Demand.Where(d => d.Quantity > 0));
            var accounted = Totals(plan.Shipments.SelectMany(s => s.Lines).Concat(plan.Unallocated));

            Check(accounted.Count == wanted.Count && wanted.All(w => accounted.GetValueOrDefault(w.Key) == w.Value),
                $"planned + unallocated == demand (wanted {string.Join(',', wanted)}, accounted {string.Join(',', accounted)})", c, plan);
            Check(plan.Unallocated.All(u => u.Quantity > 0), "unallocated lines are positive", c, plan);
            Check(plan.Unallocated.Select(u => u.Sku).Distinct(StringComparer.Ordinal).Count() == plan.Unallocated.Count,
                "each SKU is unallocated at most once", c, plan);
            Check(plan.IsComplete == (plan.Unallocated.Count == 0), "IsComplete iff nothing unallocated", c, plan);
        }
    }

    [Fact]
    public void Number_of_shipments_never_exceeds_MaxShipments()
    {
        foreach (var (c, plan) in Solved(maxOffers: 14))
        {
            Check(plan.Shipments.Count <= c.Options.MaxShipments, "shipments <= MaxShipments", c, plan);
        }
    }

    [Fact]
    public void Every_shipment_costs_what_its_offer_quotes_for_its_units_and_keeps_its_promise()
    {
        foreach (var (c, plan) in Solved(maxOffers: 14))
        {
            foreach (var shipment in plan.Shipments)
            {
                var offer = c.Offers.Single(o => o.NodeId == shipment.NodeId);
                Check(shipment.Cost == offer.Quote.CostFor(shipment.Units),
                    $"{shipment.NodeId} cost {shipment.Cost} == CostFor({shipment.Units}) = {offer.Quote.CostFor(shipment.Units)}", c, plan);
                Check(shipment.PromisedBy == offer.PromisedBy, $"{shipment.NodeId} keeps its promise date", c, plan);
            }
            Check(plan.TotalCost == plan.Shipments.Sum(s => s.Cost), "TotalCost is the sum of shipment costs", c, plan);
        }
    }

    [Fact]
    public void No_shipment_is_empty()
    {
        foreach (var (c, plan) in Solved(maxOffers: 14))
        {
            foreach (var shipment in plan.Shipments)
            {
                Check(shipment.Lines.Count > 0, $"{shipment.NodeId} has lines", c, plan);
                Check(shipment.Lines.All(l => l.Quantity > 0), $"{shipment.NodeId} lines are positive", c, plan);
                Check(shipment.Lines.Select(l => l.Sku).Distinct(StringComparer.Ordinal).Count() == shipment.Lines.Count,
                    $"{shipment.NodeId} has one line per SKU", c, plan);
            }
        }
    }

    [Fact]
    public void When_one_offer_covers_the_whole_order_the_plan_is_that_single_cheapest_shipment()
    {
        var covered = 0;
        foreach (var (c, plan) in Solved(maxOffers: 14))
        {
            var wanted = Consolidate(c);
            var singles = c.Offers
                .Where(o => wanted.Count > 0 && wanted.All(w => o.Available.GetValueOrDefault(w.Sku) >= w.Quantity))
                .ToList();
            if (singles.Count == 0)
            {
                continue;
            }
            covered++;
            var units = wanted.Sum(w => w.Quantity);
            var cheapest = singles.Min(o => o.Quote.CostFor(units));

            Check(plan.Shipments.Count == 1, "exactly one shipment when a single offer covers", c, plan);
            Check(plan.IsComplete, "complete when a single offer covers", c, plan);
            Check(plan.TotalCost == cheapest, $"single shipment costs the cheapest single cover ({cheapest})", c, plan);
        }
        Assert.True(covered >= 50, $"only {covered} cases had a single cover");
    }

    /// <summary>
    /// With no more useful offers than MaxSearchCandidates the search is exhaustive, so the plan can be
    /// checked against brute force over every subset: a cover within MaxShipments exists exactly when the
    /// plan is complete, it uses the fewest nodes possible, and it costs the least of those covers.
    /// </summary>
    [Fact]
    public void Plan_matches_a_brute_force_fewest_nodes_cheapest_cover()
    {
        var checkedCovers = 0;
        foreach (var (c, plan) in Solved(maxOffers: 9))
        {
            var wanted = Consolidate(c);
            if (wanted.Count == 0)
            {
                continue;
            }
            var useful = c.Offers.Where(o => wanted.Any(w => o.Available.GetValueOrDefault(w.Sku) > 0)).ToList();
            var best = BruteForce(wanted, useful, c.Options.MaxShipments);

            if (best is null)
            {
                Check(!plan.IsComplete, "incomplete when no cover within MaxShipments exists", c, plan);
                continue;
            }
            checkedCovers++;
            Check(plan.IsComplete, "complete when a cover within MaxShipments exists", c, plan);
            Check(plan.Shipments.Count == best.Value.Nodes, $"uses the fewest nodes ({best.Value.Nodes})", c, plan);
            Check(plan.TotalCost == best.Value.Cost, $"costs the least among fewest-node covers ({best.Value.Cost})", c, plan);
        }
        Assert.True(checkedCovers >= 100, $"only {checkedCovers} cases had a cover");
    }

    /// <summary>Fewest nodes that cover, and the cheapest cost among covers of that size; null when none within the limit.</summary>
    private static (int Nodes, decimal Cost)? BruteForce(IReadOnlyList<DemandLine> wanted, IReadOnlyList<NodeOffer> offers, int maxShipments)
    {
        (int Nodes, decimal Cost)? best = null;
        for (var mask = 1; mask < 1 << offers.Count; mask++)
        {
            var subset = offers.Where((_, i) => (mask & (1 << i)) != 0).ToList();
            if (subset.Count > maxShipments || (best is not null && subset.Count > best.Value.Nodes))
            {
                continue;
            }
            if (!wanted.All(w => subset.Sum(o => o.Available.GetValueOrDefault(w.Sku)) >= w.Quantity))
            {
                continue;
            }
            // With the node set fixed, the cheapest assignment fills each SKU from the lowest unit cost up.
            // At the minimum cover size every node is needed, so every parcel is paid for.
            var cost = subset.Sum(o => o.Quote.ShipmentCost);
            foreach (var w in wanted)
            {
                var left = w.Quantity;
                foreach (var o in subset.OrderBy(o => o.Quote.UnitCost))
                {
                    var take = Math.Min(left, o.Available.GetValueOrDefault(w.Sku));
                    cost += take * o.Quote.UnitCost;
                    left -= take;
                }
            }
            if (best is null || subset.Count < best.Value.Nodes || cost < best.Value.Cost)
            {
                best = (subset.Count, cost);
            }
        }
        return best;
    }

    [Fact]
    public void Plan_does_not_depend_on_the_order_of_offers_or_demand_lines()
    {
        var rng = new Random(Seed + 1);
        foreach (var (c, plan) in Solved(maxOffers: 14))
        {
            var shuffledOffers = c.Offers.OrderBy(_ => rng.Next()).ToList();
            var reshuffled = AllocationSolver.Solve(c.Demand, shuffledOffers, c.Options);

            Check(Shape(reshuffled) == Shape(plan) && reshuffled.TotalCost == plan.TotalCost,
                $"same plan with offers shuffled, got {Shape(reshuffled)}", c, plan);

            var reversedDemand = AllocationSolver.Solve(c.Demand.Reverse().ToList(), c.Offers, c.Options);
            Check(Canonical(reversedDemand) == Canonical(plan) && reversedDemand.TotalCost == plan.TotalCost,
                $"same plan with demand lines reversed, got {Shape(reversedDemand)}", c, plan);
        }
    }

    /// <summary>The plan with lines sorted, so demand order (which only orders lines) does not matter.</summary>
    private static string Canonical(AllocationPlan plan) => Shape(new AllocationPlan(
        plan.Shipments.Select(s => s with { Lines = s.Lines.OrderBy(l => l.Sku, StringComparer.Ordinal).ToList() }).ToList(),
        plan.Unallocated.OrderBy(l => l.Sku, StringComparer.Ordinal).ToList()));

    [Fact]
    public void Solving_is_deterministic()
    {
        foreach (var (c, plan) in Solved(maxOffers: 14))
        {
            var again = AllocationSolver.Solve(c.Demand, c.Offers, c.Options);
            Check(Shape(again) == Shape(plan) && again.TotalCost == plan.TotalCost, "same input gives the same plan", c, plan);
        }
    }
}
