using OrleansOrders.Client.Auditing;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains;
using OrleansOrders.Grains.Routing;
using OrleansOrders.Routing;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// The router grain must decide exactly as the routing library does on the bids it collected: the
/// same parcels, quantities, costs, dispatch days and promises, for every objective, ship-complete
/// and parcel limit, kits, cutoffs and capacity. Random orders on a random network (seeded), routed
/// one after another so no race changes the outcome, each checked against
/// <see cref="AllocationSolver.Solve"/> over the bids recorded on the order.
/// </summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class RouterSolverAgreementTests(GridClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task The_router_allocates_what_the_solver_plans_on_the_same_bids(int seed)
    {
        var random = new Random(seed);
        var net = new TestNetwork(_grains, $"agree{seed}");
        var skus = Enumerable.Range(0, 5).Select(i => net.Sku($"s{i}")).ToList();
        Location[] places = [TestNetwork.Newark, TestNetwork.Philadelphia, TestNetwork.Chicago, TestNetwork.Dallas, TestNetwork.LosAngeles, TestNetwork.NewYork];
        var nodes = new List<string>();
        for (var i = 0; i < places.Length; i++)
        {
            var kind = i % 3 == 1 ? NodeKind.Store : NodeKind.DistributionCentre;
            var capacity = random.Next(0, 3) == 0 ? 3 : 1000;
            TimeOnly? cutoff = random.Next(0, 2) == 0 ? new TimeOnly(9, 0) : null; // the clock stands at 10:00: a passed cutoff
            var priority = random.Next(0, 3);
            nodes.Add(await net.AddNode($"n{i}", places[i], kind, capacity, p => p with { CutoffUtc = cutoff, Priority = priority }));
        }
        var totals = skus.ToDictionary(s => s, _ => 0);
        foreach (var node in nodes)
        {
            foreach (var sku in skus)
            {
                var units = random.Next(0, 7);
                await net.SetStock(node, sku, units);
                totals[sku] += units;
            }
        }
        foreach (var sku in skus)
        {
            await net.WaitForAvailability(sku, totals[sku]);
        }

        var settings = new RoutingSettings();
        var orderIds = new List<string>();
        var (compared, splits, backorders, nextDay) = (0, 0, 0, 0);
        for (var n = 0; n < 40; n++)
        {
            var lineSkus = skus.OrderBy(_ => random.Next()).Take(random.Next(1, 4)).ToList();
            var kit = lineSkus.Count >= 2 && random.Next(0, 4) == 0 ? "kit" : null;
            var lines = lineSkus.Select((sku, i) => new OrderLine(sku, random.Next(1, 4), 0m, i < 2 ? kit : null)).ToList();
            var preferences = new RoutingPreferences(
                (RoutingGoal)random.Next(0, 4),
                random.Next(0, 4) == 0 ? true : null,
                random.Next(0, 3) == 0 ? random.Next(1, 4) : null);
            var orderId = $"agree{seed}-o{n}";
            var request = new OrderRequest(orderId, "customer-1", "web", places[random.Next(places.Length)], lines, Routing: preferences);

            var view = (await _grains.GetGrain<IOrderGrain>(orderId).Submit(request)).Order!;
            orderIds.Add(orderId);
            if (view.AllocationRounds != 1)
            {
                continue; // nothing races here, but a re-bid round would plan over other bids
            }

            var offers = view.Bids!.Where(b => b.Accepts).Select(b => BidTerms.ToOffer(b)).ToList();
            var demand = lines.Select(l => new DemandLine(l.Sku, l.Quantity) { KitId = l.KitId }).ToList();
            var plan = AllocationSolver.Solve(demand, offers, settings.For("web", preferences, view.AcceptedAt));

            var expected = plan.Shipments
                .Select(s => (s.NodeId, Lines: string.Join(",", s.Lines.OrderBy(l => l.Sku).Select(l => $"{l.Sku}x{l.Quantity}")), s.Cost, s.PromisedBy, s.DispatchOn))
                .OrderBy(s => s.NodeId).ToList();
            var actual = view.Shipments
                .Select(s => (s.NodeId, Lines: string.Join(",", s.Lines.OrderBy(l => l.Sku).Select(l => $"{l.Sku}x{l.Quantity}")), s.Cost, s.PromisedBy, s.DispatchOn))
                .OrderBy(s => s.NodeId).ToList();
            Assert.True(expected.SequenceEqual(actual),
                $"{orderId} ({preferences}): solver planned [{string.Join("; ", expected)}] but the router allocated [{string.Join("; ", actual)}]");
            Assert.Equal(
                plan.Unallocated.Select(l => (l.Sku, l.Quantity)).OrderBy(l => l.Sku),
                view.Backordered.Select(l => (l.Sku, l.Quantity)).OrderBy(l => l.Sku));
            compared++;
            splits += plan.Shipments.Count > 1 ? 1 : 0;
            backorders += plan.Unallocated.Count > 0 ? 1 : 0;
            nextDay += plan.Shipments.Count(s => s.DispatchOn > DateOnly.FromDateTime(view.AcceptedAt.UtcDateTime));
        }

        Assert.True(compared >= 30, $"only {compared} of 40 orders were routed in one round: the comparison proves too little");
        // The stream must have exercised the rules, or agreeing proves little.
        Assert.True(splits > 0 && backorders > 0 && nextDay > 0, $"splits {splits}, backorders {backorders}, next-day dispatches {nextDay}");
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, orderIds));
    }
}
