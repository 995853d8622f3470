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
/// <see cref="AllocationSolver.Solve"/> over the bids recorded on the order; an order that took the
/// fast path (the first candidate's bid alone, see <see cref="SingleNodeShortcut"/>) is checked against
/// the solver over every node's bid, so the fast path's plan is the full path's.
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
        var (compared, splits, backorders, nextDay, fastPath) = (0, 0, 0, 0, 0);
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

            // What every node would bid, asked just before the order (nothing else runs meanwhile): the
            // bids of the full path, to check an order the fast path routed on the first candidate's alone.
            var everyBid = await Task.WhenAll(nodes.Select(node => _grains.GetGrain<IFulfilmentNodeGrain>(node)
                .Bid(new BidRequest($"{orderId}-probe", request.ShipTo, lines.Select(l => new OrderLine(l.Sku, l.Quantity)).ToList(), fixture.Time.GetUtcNow()))));

            var view = (await _grains.GetGrain<IOrderGrain>(orderId).Submit(request)).Order!;
            orderIds.Add(orderId);
            if (view.AllocationRounds != 1)
            {
                continue; // nothing races here, but a re-bid round would plan over other bids
            }

            var tookFastPath = view.Bids!.Count == 1 && everyBid.Count(b => b.Accepts) > 1;
            fastPath += tookFastPath ? 1 : 0;
            var offers = (tookFastPath ? everyBid : view.Bids!).Where(b => b.Accepts).Select(b => BidTerms.ToOffer(b)).ToList();
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
        // Some orders took the fast path (one bid asked), and each planned what the solver plans over every node's bid.
        Assert.True(fastPath > 0, "no order took the fast path: the comparison of the two paths proves nothing");
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, orderIds));
    }

    [Fact]
    public async Task An_order_the_fast_path_routes_on_one_bid_gets_the_plan_the_solver_makes_over_every_nodes_bid()
    {
        // Customers in Chicago, a DC there and four nodes far away: the local DC often covers the
        // order alone (the fast path settles on its bid), sometimes not (the rest are asked too).
        var random = new Random(7);
        var net = new TestNetwork(_grains, "fastpath");
        var skus = Enumerable.Range(0, 3).Select(i => net.Sku($"s{i}")).ToList();
        var nodes = new List<string>
        {
            await net.AddNode("chicago", TestNetwork.Chicago),
            await net.AddNode("dallas", TestNetwork.Dallas),
            await net.AddNode("la", TestNetwork.LosAngeles, NodeKind.Store),
            await net.AddNode("newark", TestNetwork.Newark),
            await net.AddNode("philly", TestNetwork.Philadelphia),
        };
        var totals = skus.ToDictionary(s => s, _ => 0);
        foreach (var node in nodes)
        {
            foreach (var sku in skus)
            {
                var units = node == nodes[0] ? random.Next(0, 12) : random.Next(0, 8);
                await net.SetStock(node, sku, units);
                totals[sku] += units;
            }
        }
        foreach (var sku in skus)
        {
            await net.WaitForAvailability(sku, totals[sku]);
        }

        var settings = new RoutingSettings();
        var preferences = new RoutingPreferences(RoutingGoal.LowestCost, null, null);
        var orderIds = new List<string>();
        var (fast, widened) = (0, 0);
        for (var n = 0; n < 30; n++)
        {
            var lines = skus.OrderBy(_ => random.Next()).Take(random.Next(1, 3)).Select(sku => new OrderLine(sku, random.Next(1, 3))).ToList();
            var shipTo = new Location(TestNetwork.Chicago.Latitude + (random.NextDouble() - 0.5) * 0.4, TestNetwork.Chicago.Longitude + (random.NextDouble() - 0.5) * 0.4);
            var orderId = $"fastpath-o{n}";
            var everyBid = await Task.WhenAll(nodes.Select(node => _grains.GetGrain<IFulfilmentNodeGrain>(node)
                .Bid(new BidRequest($"{orderId}-probe", shipTo, lines, fixture.Time.GetUtcNow()))));
            var view = (await _grains.GetGrain<IOrderGrain>(orderId).Submit(new OrderRequest(orderId, "customer-1", "web", shipTo, lines, Routing: preferences))).Order!;
            orderIds.Add(orderId);
            Assert.Equal(1, view.AllocationRounds); // nothing races here

            var accepting = everyBid.Where(b => b.Accepts).ToList();
            // The order says why one bid was enough: its plan costs less than any other candidate could.
            if (view.Bids!.Count == 1 && accepting.Count > 1)
            {
                var note = Assert.IsType<FastPathNote>(view.FastPath);
                Assert.True(note.OtherCandidates >= 1);
                Assert.True(view.TotalCost < note.LeastOtherCost, $"{orderId}: plan {view.TotalCost} is not below the bound {note.LeastOtherCost}");
            }
            else
            {
                Assert.Null(view.FastPath);
            }
            (fast, widened) = view.Bids!.Count == 1 && accepting.Count > 1 ? (fast + 1, widened) : (fast, widened + (view.Bids.Count > 1 ? 1 : 0));
            var plan = AllocationSolver.Solve(lines.Select(l => new DemandLine(l.Sku, l.Quantity)).ToList(),
                accepting.Select(b => BidTerms.ToOffer(b)).ToList(), settings.For("web", preferences, view.AcceptedAt));
            Assert.Equal(
                plan.Shipments.Select(s => (s.NodeId, string.Join(",", s.Lines.OrderBy(l => l.Sku).Select(l => $"{l.Sku}x{l.Quantity}")), s.Cost, s.PromisedBy)).OrderBy(s => s.NodeId),
                view.Shipments.Select(s => (s.NodeId, string.Join(",", s.Lines.OrderBy(l => l.Sku).Select(l => $"{l.Sku}x{l.Quantity}")), s.Cost, s.PromisedBy)).OrderBy(s => s.NodeId));
            Assert.Equal(plan.Unallocated.Select(l => (l.Sku, l.Quantity)).OrderBy(l => l.Sku), view.Backordered.Select(l => (l.Sku, l.Quantity)).OrderBy(l => l.Sku));
        }

        Assert.True(fast >= 5 && widened >= 1, $"fast path settled {fast} orders, widened {widened}: both paths must be exercised");
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, orderIds));
    }
}
