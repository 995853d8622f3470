using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansOrders.Client.Auditing;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains;

namespace OrleansOrders.Cluster.Tests;

/// <summary>The durable mode for real: grain state, membership and reminders in Azure Tables (Azurite).</summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "azurite")]
public sealed class AzureStorageTests(AzuriteFixture azurite)
{
    private InProcessTestCluster BuildCluster(string serviceId, short silos, GridClock? clock = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ServiceId = serviceId;
        var connection = azurite.ConnectionString;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddAzureTableGrainStorage(GridOptions.StorageName, o => o.TableServiceClient = new TableServiceClient(connection));
            silo.UseAzureTableReminderService(o => o.TableServiceClient = new TableServiceClient(connection));
            silo.AddMemoryStreams("events");
            silo.AddMemoryGrainStorage("PubSubStore");
            if (clock is not null)
            {
                silo.Services.AddSingleton(clock);
            }
            silo.Services.AddOrderGridGrains();
            silo.Services.Configure<GridOptions>(o => o.SoftStateFlushInterval = TimeSpan.FromMilliseconds(300));
        });
        return builder.Build();
    }

    [Fact]
    public async Task Orders_and_stock_survive_a_full_cluster_restart()
    {
        var serviceId = "restart-" + Guid.NewGuid().ToString("N")[..8];
        var orderIds = Enumerable.Range(0, 20).Select(i => $"restart-o{i}").ToList();
        List<(string NodeId, string Sku)> stockKeys;
        Dictionary<string, OrderView> before;

        await using (var first = BuildCluster(serviceId, 2))
        {
            await first.DeployAsync();
            var net = new TestNetwork(first.Client, "restart");
            var sku = net.Sku("x");
            var a = await net.AddNode("a", TestNetwork.Newark);
            var b = await net.AddNode("b", TestNetwork.Chicago);
            await net.SetStock(a, sku, 25, safetyStock: 1);
            await net.SetStock(b, sku, 25);
            await net.WaitForAvailability(sku, 49);
            var results = await Task.WhenAll(orderIds.Select(id => first.Client.GetGrain<IOrderGrain>(id).Submit(net.Order(id, TestNetwork.NewYork, (sku, 3)))));
            Assert.All(results, r => Assert.Equal(SubmitOutcome.Accepted, r.Outcome));
            await first.Client.GetGrain<IOrderGrain>("restart-o0").Cancel("restart test");
            before = (await Task.WhenAll(orderIds.Select(id => first.Client.GetGrain<IOrderGrain>(id).Get()))).ToDictionary(o => o!.OrderId, o => o!);
            stockKeys = net.StockKeys.ToList();
            await first.StopAllSilosAsync();
        }

        await using var second = BuildCluster(serviceId, 2);
        await second.DeployAsync();
        var audit = await GridAuditor.Audit(second.Client, stockKeys, orderIds);
        AuditAssert.Clean(audit);
        foreach (var id in orderIds)
        {
            Assert.Equal(before[id].Status, audit.Orders[id].Status);
            Assert.Equal(before[id].AcceptedAt, audit.Orders[id].AcceptedAt);
        }
        Assert.Equal(OrderStatus.Cancelled, audit.Orders["restart-o0"].Status);
        Assert.Equal(audit.Orders.Values.Where(o => o.Status != OrderStatus.Cancelled).SelectMany(o => o.Shipments).SelectMany(s => s.Lines).Sum(l => l.Quantity), audit.CommittedUnits);
        Assert.Equal(49 - audit.CommittedUnits, audit.Stock.Values.Sum(s => s.Available));
        var node = await second.Client.GetGrain<IFulfilmentNodeGrain>("restart-a").Get();
        Assert.NotNull(node);
        Assert.Equal(25, audit.Stock[("restart-a", "restart-x")].OnHand);
    }

    [Fact]
    public async Task Routing_terms_inbound_promises_and_capacity_by_day_survive_a_full_cluster_restart()
    {
        // Business time stands still at 10:00 UTC in both clusters, so "today" and the cutoff are the same for both.
        var clock = new GridClock(new FakeTimeProvider(GridClusterFixture.Start));
        var today = DateOnly.FromDateTime(GridClusterFixture.Start.UtcDateTime);
        var serviceId = "terms-" + Guid.NewGuid().ToString("N")[..8];
        var (dc, sku) = ("terms-dc", "terms-x");
        var due = today.AddDays(5);

        await using (var first = BuildCluster(serviceId, 1, clock))
        {
            await first.DeployAsync();
            var net = new TestNetwork(first.Client, "terms");
            await net.AddNode("dc", TestNetwork.Newark, dailyCapacity: 10,
                shape: p => p with { CutoffUtc = new TimeOnly(15, 0), Priority = 2, ServiceRadiusKm = 3000 });
            await net.SetStock(dc, sku, 3);
            var stock = first.Client.GetGrain<IStockGrain>(Identifiers.StockKey(dc, sku));
            await stock.SetReserve(new ChannelReserve(1, ["store"]));
            await stock.ExpectReceipt(new ExpectedReceipt("po-1", 6, due));
            await Eventually.True(async () => (await first.Client.GetGrain<ISkuAvailabilityGrain>(sku).Get()).Nodes.Any(n => n.Available == 3 && n.Inbound == 6),
                "stock and inbound to be reported");

            // Web may take 2 of the 3 units (1 is reserved for stores); 4 more are promised from po-1.
            var placed = (await first.Client.GetGrain<IOrderGrain>("terms-o1").Submit(net.Order("terms-o1", TestNetwork.NewYork, (sku, 6)))).Order!;
            Assert.Equal(2, Assert.Single(placed.Shipments).Lines.Single().Quantity);
            Assert.Equal(4, Assert.Single(placed.BackorderDates!).Quantity);
            await first.StopAllSilosAsync();
        }

        await using var second = BuildCluster(serviceId, 1, clock);
        await second.DeployAsync();
        var node = (await second.Client.GetGrain<IFulfilmentNodeGrain>(dc).Get())!;
        Assert.Equal((new TimeOnly(15, 0), 2, 3000.0), (node.Profile.CutoffUtc, node.Profile.Priority, node.Profile.ServiceRadiusKm));
        Assert.Equal(1, node.CapacityUsed); // today's claim was flushed and read back
        var snapshot = await second.Client.GetGrain<IStockGrain>(Identifiers.StockKey(dc, sku)).GetSnapshot();
        Assert.Equal((1, "store"), (snapshot.Reserve!.Quantity, snapshot.Reserve.Channels.Single()));
        Assert.Equal(new ExpectedReceipt("po-1", 6, due), Assert.Single(snapshot.Inbound));
        Assert.Equal(4, snapshot.InboundPromises["terms-o1"]);
        var order = (await second.Client.GetGrain<IOrderGrain>("terms-o1").Get())!;
        Assert.Equal((dc, 4), (Assert.Single(order.BackorderDates!).NodeId, order.BackorderDates![0].Quantity));
        Assert.Equal(RoutingGoal.LowestCost, order.RoutedBy!.Goal);

        // The promise still holds its units: a new order can be promised only the 2 left.
        await Eventually.True(async () => (await second.Client.GetGrain<ISkuAvailabilityGrain>(sku).Get()).Nodes.Any(n => n.Inbound == 2),
            "inbound to be reported by the restarted stock grain");
        var next = (await second.Client.GetGrain<IOrderGrain>("terms-o2").Submit(
            new OrderRequest("terms-o2", "customer-2", "web", TestNetwork.NewYork, [new OrderLine(sku, 4)]))).Order!;
        Assert.Equal(2, Assert.Single(next.BackorderDates!).Quantity);
    }

    [Fact]
    public async Task Two_silo_hosts_form_one_cluster_through_azure_table_membership()
    {
        // The real silo host, twice, configured as deploy/local runs it: Azure Table membership,
        // grain state and reminders in Azurite, real TCP between the silos.
        var cluster = "membership-" + Guid.NewGuid().ToString("N")[..8];
        Dictionary<string, string> Settings(bool seed) => new()
        {
            ["GridHost:Clustering"] = "AzureStorage",
            ["GridHost:Storage"] = "AzureStorage",
            ["GridHost:AzureStorageConnectionString"] = azurite.ConnectionString,
            ["GridHost:ClusterId"] = cluster,
            ["GridHost:ServiceId"] = cluster,
            ["Demo:Seed"] = seed.ToString(),
            ["Demo:SkuCount"] = "3",
        };
        await using var first = GridApiFactory.With(Settings(seed: true));
        await using var second = GridApiFactory.With(Settings(seed: false));
        var firstHttp = first.CreateClient();
        var secondHttp = second.CreateClient();

        var grains = second.Services.GetRequiredService<IGrainFactory>();
        await Eventually.True(async () => (await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count == 2,
            "both silos to be active in the membership table");
        var rows = new TableServiceClient(azurite.ConnectionString).GetTableClient("OrleansSiloInstances")
            .QueryAsync<TableEntity>(e => e.PartitionKey == cluster);
        var active = 0;
        await foreach (var row in rows)
        {
            active += row.GetString("Status") == "Active" ? 1 : 0;
        }
        Assert.Equal(2, active);

        // An order placed through one silo's HTTP API is read back through the other's.
        await Eventually.True(async () => (await secondHttp.GetAsync("/availability/SKU-0001")).IsSuccessStatusCode, "the demo network to be visible from the second silo");
        var created = await firstHttp.PostAsync("/orders", new StringContent(
            """{"orderId":"membership-o1","customerId":"c1","channel":"web","shipTo":{"latitude":40.7128,"longitude":-74.0060},"lines":[{"sku":"SKU-0001","quantity":2}]}""",
            System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        var fetched = await secondHttp.GetAsync("/orders/membership-o1");
        Assert.Equal(System.Net.HttpStatusCode.OK, fetched.StatusCode);
        Assert.Contains("\"status\":\"Allocated\"", await fetched.Content.ReadAsStringAsync());
    }
}
