using OrleansOrders.Client.Auditing;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// Many orders racing real grains on a two-silo cluster for stock that cannot satisfy them all,
/// then an exact audit of DESIGN.md's invariants.
/// </summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class AllocationRaceTests(GridClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Fact]
    public async Task Six_hundred_orders_racing_for_one_scarce_sku_never_oversell_and_use_every_unit()
    {
        var net = new TestNetwork(_grains, "race1");
        var sku = net.Sku("widget");
        var nodes = new[]
        {
            (await net.AddNode("newark", TestNetwork.Newark), 40, 2),
            (await net.AddNode("philly", TestNetwork.Philadelphia, NodeKind.Store), 30, 3),
            (await net.AddNode("chicago", TestNetwork.Chicago), 20, 0),
            (await net.AddNode("dallas", TestNetwork.Dallas, NodeKind.DropShipSupplier), 15, 0),
        };
        foreach (var (node, onHand, safety) in nodes)
        {
            await net.SetStock(node, sku, onHand, safety);
        }
        var sellable = nodes.Sum(n => n.Item2 - n.Item3); // 100 units against about 1200 demanded
        await net.WaitForAvailability(sku, sellable);

        var random = new Random(7);
        var requests = Enumerable.Range(0, 600)
            .Select(i => net.Order($"race1-o{i}", i % 2 == 0 ? TestNetwork.NewYork : TestNetwork.LosAngeles, (sku, random.Next(1, 4))))
            .ToList();
        var results = await Task.WhenAll(requests.Select(r => _grains.GetGrain<IOrderGrain>(r.OrderId).Submit(r)));

        Assert.All(results, r => Assert.Equal(SubmitOutcome.Accepted, r.Outcome));
        var audit = await GridAuditor.Audit(_grains, net.StockKeys, requests.Select(r => r.OrderId));
        AuditAssert.Clean(audit);

        // Every sellable unit went to exactly one order, and no hold is left behind.
        Assert.Equal(sellable, audit.CommittedUnits);
        Assert.Equal(0, audit.HeldUnits);
        Assert.Equal(sellable, audit.Orders.Values.SelectMany(o => o.Shipments).SelectMany(s => s.Lines).Sum(l => l.Quantity));
        Assert.All(audit.Orders.Values, o => Assert.Equal(
            o.Backordered.Count == 0 ? OrderStatus.Allocated : o.Shipments.Count == 0 ? OrderStatus.Backordered : OrderStatus.PartiallyAllocated,
            o.Status));
        // Safety stock is never sold.
        Assert.All(audit.Stock.Values, s => Assert.Equal(s.OnHand - s.SafetyStock, s.Committed));
    }

    [Fact]
    public async Task Five_hundred_multi_line_orders_over_shared_skus_keep_every_invariant()
    {
        var net = new TestNetwork(_grains, "race2");
        var skus = Enumerable.Range(1, 5).Select(i => net.Sku($"s{i}")).ToList();
        var locations = new[] { TestNetwork.Newark, TestNetwork.Chicago, TestNetwork.Dallas, TestNetwork.LosAngeles };
        var random = new Random(11);
        var expected = new Dictionary<string, int>();
        for (var n = 0; n < locations.Length; n++)
        {
            var node = await net.AddNode($"n{n}", locations[n], n == 1 ? NodeKind.Store : NodeKind.DistributionCentre);
            foreach (var sku in skus)
            {
                var onHand = random.Next(10, 60);
                await net.SetStock(node, sku, onHand, safetyStock: 1);
                expected[sku] = expected.GetValueOrDefault(sku) + onHand - 1;
            }
        }
        foreach (var sku in skus)
        {
            await net.WaitForAvailability(sku, expected[sku]);
        }

        var requests = Enumerable.Range(0, 500).Select(i =>
        {
            var lines = skus.OrderBy(_ => random.Next()).Take(random.Next(1, 4)).Select(s => (s, random.Next(1, 4))).ToArray();
            return net.Order($"race2-o{i}", locations[random.Next(locations.Length)], lines);
        }).ToList();
        var results = await Task.WhenAll(requests.Select(r => _grains.GetGrain<IOrderGrain>(r.OrderId).Submit(r)));

        Assert.All(results, r => Assert.Equal(SubmitOutcome.Accepted, r.Outcome));
        var audit = await GridAuditor.Audit(_grains, net.StockKeys, requests.Select(r => r.OrderId));
        AuditAssert.Clean(audit);
        Assert.Equal(0, audit.HeldUnits);
        Assert.All(audit.Orders.Values, o => Assert.True(o.Shipments.Count <= 4, $"{o.OrderId} has {o.Shipments.Count} parcels"));
        // Every unit ordered is either in a parcel or backordered, exactly.
        Assert.All(audit.Orders.Values, o => Assert.All(o.Request.Lines, line => Assert.Equal(line.Quantity,
            o.Shipments.SelectMany(s => s.Lines).Where(l => l.Sku == line.Sku).Sum(l => l.Quantity) +
            o.Backordered.Where(l => l.Sku == line.Sku).Sum(l => l.Quantity))));
        // Demand exceeds supply for every SKU, so all sellable stock is committed.
        Assert.Equal(expected.Values.Sum(), audit.CommittedUnits);
    }

    [Fact]
    public async Task Concurrent_resubmissions_of_one_order_allocate_once_and_answer_the_same_result()
    {
        var net = new TestNetwork(_grains, "idem");
        var sku = net.Sku("lamp");
        var node = await net.AddNode("newark", TestNetwork.Newark);
        await net.SetStock(node, sku, 10);
        await net.WaitForAvailability(sku, 10);
        var order = net.Order("idem-o1", TestNetwork.NewYork, (sku, 3));

        // 40 identical submissions (a gateway retrying after timeouts) and 10 different payloads
        // under the same id, all at once.
        var submissions = Enumerable.Range(0, 40).Select(_ => order with { Lines = order.Lines.ToList() })
            .Concat(Enumerable.Range(0, 10).Select(i => net.Order(order.OrderId, TestNetwork.NewYork, (sku, 4 + i))))
            .ToList();
        var results = await Task.WhenAll(submissions.Select(r => _grains.GetGrain<IOrderGrain>(r.OrderId).Submit(r)));

        // Exactly one submission was accepted; every other one with the same payload answers the
        // same result, and every one with another payload is a conflict that changed nothing.
        var accepted = Assert.Single(results, r => r.Outcome == SubmitOutcome.Accepted).Order!;
        foreach (var (request, result) in submissions.Zip(results).Where(x => x.Second.Outcome != SubmitOutcome.Accepted))
        {
            if (request.IsSamePayloadAs(accepted.Request))
            {
                Assert.Equal(SubmitOutcome.Replayed, result.Outcome);
                Assert.Equal(accepted.Status, result.Order!.Status);
                Assert.Equal(accepted.Shipments.Single().NodeId, result.Order.Shipments.Single().NodeId);
                Assert.Equal(accepted.AcceptedAt, result.Order.AcceptedAt);
                Assert.Equal(accepted.TotalCost, result.Order.TotalCost);
            }
            else
            {
                Assert.Equal(SubmitOutcome.Conflict, result.Outcome);
                Assert.Null(result.Order);
            }
        }

        var stock = await _grains.GetGrain<IStockGrain>(Identifiers.StockKey(node, sku)).GetSnapshot();
        // Exactly the accepted payload's allocation is committed, once (a larger payload than the
        // 10 in stock may have won the race: then 10 are allocated and the rest backordered).
        var allocated = accepted.Shipments.SelectMany(s => s.Lines).Sum(l => l.Quantity);
        Assert.Equal(Math.Min(10, accepted.Request.Lines.Single().Quantity), allocated);
        Assert.Equal(accepted.Request.Lines.Single().Quantity - allocated, accepted.Backordered.Sum(l => l.Quantity));
        Assert.Equal(allocated, stock.Committed);
        Assert.Equal(stock.Committed, stock.CommittedByReservation[order.OrderId]);
        Assert.Equal(0, stock.Held);
        AuditAssert.Clean(await GridAuditor.Audit(_grains, net.StockKeys, [order.OrderId]));
    }
}
