using static OrleansOrders.Routing.Tests.TestData;

namespace OrleansOrders.Routing.Tests;

/// <summary>
/// Under default options, and with offers whose new terms are all neutral, the extended solver
/// gives exactly the plan the frozen v1 solver gives: same parcels, lines, costs, promises and
/// unallocated lines.
/// </summary>
[Trait("Category", "fast")]
public class V1CompatibilityPropertyTests
{
    private const int Cases = 2000;

    private static IEnumerable<(IReadOnlyList<DemandLine> Demand, IReadOnlyList<NodeOffer> Offers, SolverOptions Options)> Generate(int seed)
    {
        var rng = new Random(seed);
        string[] skuPool = ["A", "B", "C", "D", "E", "F"];
        for (var i = 0; i < Cases; i++)
        {
            var skus = skuPool.Take(rng.Next(1, skuPool.Length + 1)).ToArray();
            var demand = Enumerable.Range(0, rng.Next(1, 8))
                .Select(_ => new DemandLine(skus[rng.Next(skus.Length)], rng.Next(10) == 0 ? rng.Next(-2, 1) : rng.Next(1, 9)))
                .ToList();
            var offers = Enumerable.Range(0, rng.Next(0, 14)).Select(n => new NodeOffer(
                    $"node-{n:D2}",
                    skus.Where(_ => rng.NextDouble() < 0.6).ToDictionary(s => s, _ => rng.Next(8) == 0 ? -rng.Next(1, 4) : rng.Next(0, 12)),
                    new ShippingQuote(rng.Next(50, 2000) / 100m, rng.Next(0, 250) / 100m, rng.Next(1, 6), rng.Next(1, 6)),
                    Day.AddDays(rng.Next(0, 6))))
                .OrderBy(_ => rng.Next())
                .ToList();
            var options = rng.Next(3) == 0 ? SolverOptions.Default : new SolverOptions { MaxShipments = rng.Next(0, 5), MaxSearchCandidates = rng.Next(2, 12) };
            yield return (demand, offers, options);
        }
    }

    private static string Everything(AllocationPlan plan) =>
        string.Join(" ", plan.Shipments.Select(s => $"{s.NodeId}[{Lines(s.Lines)}]={s.Cost}@{s.PromisedBy:yyyy-MM-dd}")) + " | " + Lines(plan.Unallocated);

    [Fact]
    public void Default_options_route_exactly_as_v1()
    {
        var splits = 0;
        foreach (var (demand, offers, options) in Generate(424242))
        {
            var v1 = V1ReferenceSolver.Solve(demand, offers, options);
            var now = AllocationSolver.Solve(demand, offers, options);
            Assert.Equal(Everything(v1), Everything(now));
            Assert.All(now.Shipments, s => Assert.Equal(FulfilmentType.ShipToHome, s.Fulfilment));
            Assert.Empty(now.Excluded);
            splits += now.Shipments.Count > 1 ? 1 : 0;
        }
        Assert.True(splits > 200, $"only {splits} split plans compared");
    }

    [Fact]
    public void Neutral_terms_on_offers_and_options_change_nothing()
    {
        foreach (var (demand, offers, options) in Generate(77))
        {
            var neutral = offers.Select(o => o with
            {
                Status = OfferStatus.Open,
                Priority = 3,
                DistanceKm = 100,
                ServiceRadiusKm = 5000,
                SafetyStock = o.Available.Keys.ToDictionary(k => k, _ => 0),
                Reserves = o.Available.Keys.ToDictionary(k => k, _ => new ProtectedReserve(0, [])),
                OpportunityCost = o.Available.Keys.ToDictionary(k => k, _ => 0m),
                UnitCostBySku = o.Available.Keys.ToDictionary(k => k, _ => o.Quote.UnitCost),
            }).ToList();
            var withOptions = options with { Channel = "web", MaxDistanceKm = 9000, PriorityTiers = true, AllowedFulfilment = Enum.GetValues<FulfilmentType>().ToHashSet() };

            Assert.Equal(Everything(V1ReferenceSolver.Solve(demand, offers, options)), Everything(AllocationSolver.Solve(demand, neutral, withOptions)));
        }
    }
}
