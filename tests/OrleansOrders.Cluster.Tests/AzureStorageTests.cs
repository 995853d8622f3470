using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansOrders.Client.Auditing;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains;

namespace OrleansOrders.Cluster.Tests;

/// <summary>The durable mode for real: grain state, membership and reminders in Azure Tables (Azurite).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureStorageTests(AzuriteFixture azurite)
{
    private InProcessTestCluster BuildCluster(string serviceId, short silos)
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
