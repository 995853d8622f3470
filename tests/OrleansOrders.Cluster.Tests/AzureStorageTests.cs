using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansOrders.Client.Auditing;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains;
using OrleansOrders.Grains.Orders.Records;
using Orleans.Serialization;
using Orleans.Storage;

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
            silo.AddGridAzureTableStorage(connection);
            silo.UseAzureTableReminderService(o => o.TableServiceClient = new TableServiceClient(connection));
            silo.AddGridMemoryStreams();
            if (clock is not null)
            {
                silo.Services.AddSingleton(clock);
            }
            silo.Services.AddOrderGridGrains();
            silo.Services.Configure<GridOptions>(o => (o.SoftStateFlushInterval, o.AvailabilityFlushInterval) = (TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(300)));
        });
        return builder.Build();
    }

    /// <summary>
    /// The storage setup before GridStorageExtensions: Azure Table grain storage with Orleans' default
    /// serializer (JSON with type names), as the silo, the durability benchmark and these tests
    /// configured it. Kept here only to write state as the grid wrote it then.
    /// </summary>
    private InProcessTestCluster BuildJsonCluster(string serviceId)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = serviceId;
        var connection = azurite.ConnectionString;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddAzureTableGrainStorage(GridOptions.StorageName, o => o.TableServiceClient = new TableServiceClient(connection));
            silo.Services.AddAzureTableStockLedger(connection); // stock lives in its ledger, not grain state (see StockLegacyStateTests)
            // Order records in their store, written as the JSON the grid wrote before its binary serializer.
            silo.Services.AddAzureTableOrderRecords(connection);
            silo.Services.AddSingleton<StorageOperationCounter>();
            silo.Services.AddKeyedSingleton<IGrainStorageSerializer>(GridStorageExtensions.StateSerializerKey,
                (sp, _) => new JsonGrainStorageSerializer(sp.GetRequiredService<OrleansJsonSerializer>()));
            silo.UseAzureTableReminderService(o => o.TableServiceClient = new TableServiceClient(connection));
            silo.AddGridMemoryStreams();
            silo.AddMemoryGrainStorage("PubSubStore");
            silo.Services.AddOrderGridGrains();
            silo.Services.Configure<GridOptions>(o => (o.SoftStateFlushInterval, o.AvailabilityFlushInterval) = (TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(300)));
        });
        return builder.Build();
    }

    /// <summary>The grain state rows of one service in the grid's table: (state name, grain) -> the state's bytes.</summary>
    private async Task<Dictionary<(string State, string Grain), byte[]>> StateRows(string serviceId)
    {
        var rows = new TableServiceClient(azurite.ConnectionString).GetTableClient("OrleansGrainState")
            .QueryAsync<TableEntity>(e => e.PartitionKey.CompareTo(serviceId + "_") > 0 && e.PartitionKey.CompareTo(serviceId + "`") < 0);
        var states = new Dictionary<(string, string), byte[]>();
        await foreach (var row in rows)
        {
            states[(row.RowKey, row.PartitionKey[(serviceId.Length + 1)..])] = row.GetBinary("Data");
        }
        return states;
    }

    /// <summary>The order records of one service in the order-record table: order id -> the record's bytes.</summary>
    private async Task<Dictionary<string, byte[]>> OrderRows(string serviceId)
    {
        var rows = new TableServiceClient(azurite.ConnectionString).GetTableClient(AzureTableOrderRecordStore.DefaultTable)
            .QueryAsync<TableEntity>(e => e.PartitionKey.CompareTo(serviceId + "_o") > 0 && e.PartitionKey.CompareTo(serviceId + "_p") < 0);
        var records = new Dictionary<string, byte[]>();
        await foreach (var row in rows)
        {
            if (row.RowKey.StartsWith("o|", StringComparison.Ordinal))
            {
                records[row.RowKey[2..]] = row.GetBinary("B0");
            }
        }
        return records;
    }

    private static bool IsJson(byte[] data) => data.Length > 0 && data[0] == (byte)'{';

    [Fact]
    [Trait("Category", "Functional")]
    public async Task State_written_as_json_before_the_switch_to_binary_is_read_and_rewritten_in_binary()
    {
        var serviceId = "json-" + Guid.NewGuid().ToString("N")[..8];
        var orderIds = Enumerable.Range(0, 4).Select(i => $"json-o{i}").ToList();
        List<(string NodeId, string Sku)> stockKeys;
        string sku, east;
        Dictionary<string, OrderView> before;
        StockSnapshot stockBefore;

        await using (var legacy = BuildJsonCluster(serviceId))
        {
            await legacy.DeployAsync();
            var net = new TestNetwork(legacy.Client, "json");
            sku = net.Sku("x");
            east = await net.AddNode("east", TestNetwork.Newark);
            var west = await net.AddNode("west", TestNetwork.Chicago);
            await net.SetStock(east, sku, 10, safetyStock: 1);
            await net.SetStock(west, sku, 10);
            await net.WaitForAvailability(sku, 19);
            foreach (var id in orderIds)
            {
                Assert.Equal(SubmitOutcome.Accepted, (await legacy.Client.GetGrain<IOrderGrain>(id).Submit(net.Order(id, TestNetwork.NewYork, (sku, 2)))).Outcome);
            }
            await legacy.Client.GetGrain<IOrderGrain>("json-o0").Cancel("json test");
            before = (await Task.WhenAll(orderIds.Select(id => legacy.Client.GetGrain<IOrderGrain>(id).Get()))).ToDictionary(o => o!.OrderId, o => o!);
            stockBefore = await legacy.Client.GetGrain<IStockGrain>(Identifiers.StockKey(east, sku)).GetSnapshot();
            stockKeys = net.StockKeys.ToList();
            await legacy.StopAllSilosAsync();
        }
        var written = await StateRows(serviceId);
        Assert.All(written, r => Assert.True(IsJson(r.Value), $"{r.Key} was not written as JSON by the legacy setup"));
        var writtenOrders = await OrderRows(serviceId);
        Assert.Equal(orderIds.Order(), writtenOrders.Keys.Order());
        Assert.All(writtenOrders, r => Assert.True(IsJson(r.Value), $"order {r.Key} was not written as JSON by the legacy setup"));
        Assert.True(stockBefore.Committed > 0, "the legacy cluster committed stock at the east node");

        await using var current = BuildCluster(serviceId, 1);
        await current.DeployAsync();
        var audit = await GridAuditor.AuditWhenSettled(() => GridAuditor.Audit(current.Client, stockKeys, orderIds), TimeSpan.FromSeconds(60));
        AuditAssert.Clean(audit);
        foreach (var id in orderIds)
        {
            var (was, now) = (before[id], audit.Orders[id]);
            Assert.Equal((was.Status, was.AcceptedAt, was.Request.CustomerId, was.TotalCost, was.CancelReason),
                (now.Status, now.AcceptedAt, now.Request.CustomerId, now.TotalCost, now.CancelReason));
            Assert.Equal(was.Shipments.Select(s => (s.NodeId, s.Status, s.Cost, s.PromisedBy, s.Lines.Sum(l => l.Quantity))),
                now.Shipments.Select(s => (s.NodeId, s.Status, s.Cost, s.PromisedBy, s.Lines.Sum(l => l.Quantity))));
        }
        Assert.Equal(OrderStatus.Cancelled, audit.Orders["json-o0"].Status);
        var stockAfter = audit.Stock[(east, sku)];
        Assert.Equal((stockBefore.OnHand, stockBefore.SafetyStock, stockBefore.Committed, stockBefore.Available),
            (stockAfter.OnHand, stockAfter.SafetyStock, stockAfter.Committed, stockAfter.Available));
        Assert.Equal(stockBefore.CommittedByReservation.OrderBy(c => c.Key), stockAfter.CommittedByReservation.OrderBy(c => c.Key));

        // The next write of a state read from JSON writes it in binary, and it reads back.
        var eastStock = current.Client.GetGrain<IStockGrain>(Identifiers.StockKey(east, sku));
        Assert.Equal(HoldOutcome.Granted, (await eastStock.Hold("json-r1", 1, TimeSpan.FromMinutes(5))).Outcome);
        Assert.Equal(CommitOutcome.Committed, (await eastStock.Commit("json-r1", 1)).Outcome);
        await current.Client.GetGrain<IOrderGrain>("json-o1").Cancel("json test, after the switch");
        var live = await eastStock.GetSnapshot();

        // Every operation went through the counting wrapper around the Azure Table provider.
        var services = current.Silos[0].ServiceProvider;
        Assert.Equal(new GridStorageSettings(GridStorageKind.AzureTable, azurite.ConnectionString), services.GetRequiredService<GridStorageSettings>());
        var counted = services.GetRequiredService<StorageOperationCounter>().Snapshot().ByState.ToDictionary(s => (s.Store, s.State));
        Assert.True(counted[(GridOptions.StorageName, "order")].Reads >= orderIds.Count, "each order activation read its state");
        Assert.True(counted[(GridOptions.StorageName, "order")].Writes >= 1, "the cancel wrote the order");
        Assert.True(counted[("ledger", "stock")].Writes >= 1, "the commit wrote the stock ledger");
        Assert.False(IsJson((await OrderRows(serviceId))["json-o1"]), "the cancelled order was rewritten in binary");
        await current.StopAllSilosAsync();

        await using var again = BuildCluster(serviceId, 1);
        await again.DeployAsync();
        var reread = await again.Client.GetGrain<IStockGrain>(Identifiers.StockKey(east, sku)).GetSnapshot();
        Assert.Equal((live.OnHand, live.Committed, live.Held), (reread.OnHand, reread.Committed, reread.Held));
        Assert.Equal(live.CommittedByReservation.OrderBy(c => c.Key), reread.CommittedByReservation.OrderBy(c => c.Key));
        Assert.Equal(1, reread.CommittedByReservation["json-r1"]);
        Assert.Equal(OrderStatus.Cancelled, (await again.Client.GetGrain<IOrderGrain>("json-o1").Get())!.Status);
    }

    private static async Task<Dictionary<string, OrderView>> SettledOrders(IGrainFactory grains, IReadOnlyList<string> orderIds)
    {
        async Task<Dictionary<string, OrderView>> Read() =>
            (await Task.WhenAll(orderIds.Select(id => grains.GetGrain<IOrderGrain>(id).Get()))).ToDictionary(o => o!.OrderId, o => o!);
        static string Shape(Dictionary<string, OrderView> orders) =>
            string.Join(";", orders.OrderBy(o => o.Key).Select(o => $"{o.Key}:{o.Value.Status}:{o.Value.Shipments.Count}:{o.Value.Backordered.Sum(l => l.Quantity)}"));
        var last = await Read();
        for (var attempt = 0; attempt < 30; attempt++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var now = await Read();
            if (Shape(now) == Shape(last))
            {
                return now;
            }
            last = now;
        }
        throw new TimeoutException("The orders kept changing for 30 s after the last call.");
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
            // The cancel frees stock that wakes backordered orders, asynchronously: compare with the grid
            // once it has settled (two reads a second apart agree), never with work still in flight.
            before = await SettledOrders(first.Client, orderIds);
            stockKeys = net.StockKeys.ToList();
            await first.StopAllSilosAsync();
        }

        await using var second = BuildCluster(serviceId, 2);
        await second.DeployAsync();
        var audit = await GridAuditor.AuditWhenSettled(() => GridAuditor.Audit(second.Client, stockKeys, orderIds), TimeSpan.FromSeconds(60));
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
        // The orders left short still wait for the SKU: the waiting list's rows came back from the table.
        var short_ = audit.Orders.Values.Count(o => o.Status != OrderStatus.Cancelled && o.Backordered.Count > 0);
        Assert.True(short_ > 0, "60 units ordered against 49: some orders must wait, or the check proves nothing");
        Assert.Equal(short_, (await second.Client.GetGrain<ISkuAvailabilityGrain>("restart-x").Get()).OrdersWaiting);
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
