using System.Diagnostics;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains;
using OrleansOrders.Grains.Stock.Ledger;
using Xunit.Abstractions;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// A hot SKU with 200,000 open commitments in Azure Table storage (Azurite): commits, a release and a
/// ship still work, each write carrying its change only, and a full cluster restart finds the ledger
/// intact with every figure adding up.
/// </summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "azurite")]
public sealed class LedgerScaleTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const int OpenCommitments = 200_000;

    private InProcessTestCluster BuildCluster(string serviceId, string table)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = serviceId;
        var connection = azurite.ConnectionString;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddAzureTableGrainStorage(GridOptions.StorageName, o => o.TableServiceClient = new TableServiceClient(connection));
            silo.Services.AddAzureTableStockLedger(connection, table);
            silo.UseInMemoryReminderService();
            silo.AddGridMemoryStreams();
            silo.AddMemoryGrainStorage("PubSubStore");
            silo.Services.AddOrderGridGrains();
        });
        builder.ConfigureClient(client => client.Configure<Orleans.Configuration.ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(2)));
        return builder.Build();
    }

    [Fact]
    public async Task Two_hundred_thousand_open_commitments_survive_a_commit_a_release_a_ship_and_a_full_restart()
    {
        var serviceId = "ledger-" + Guid.NewGuid().ToString("N")[..8];
        var table = "Ledger" + Guid.NewGuid().ToString("N")[..10];
        var key = Identifiers.StockKey("scale-dc", "scale-sku");
        StockSnapshot before;

        await using (var first = BuildCluster(serviceId, table))
        {
            await first.DeployAsync();
            var stock = first.Client.GetGrain<IStockGrain>(key);
            await stock.SetLevel("count-1", new StockLevel(1_000_000, 0));

            var clock = Stopwatch.StartNew();
            // Many calls in flight so group commit fills each transaction; each commit has no hold and
            // is checked against availability, as a commit after a lost hold is.
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, 400).Select(async _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < OpenCommitments)
                {
                    var result = await stock.Commit($"order-{i}", 1 + i % 3);
                    Assert.Equal(CommitOutcome.Committed, result.Outcome);
                }
            }));
            output.WriteLine($"{OpenCommitments} commits in {clock.Elapsed.TotalSeconds:F1} s");

            Assert.Equal(CommitOutcome.Committed, (await stock.Commit("late-order", 5)).Outcome);
            Assert.Equal(2, await stock.Release("order-7"));   // 1 + 7 % 3 units
            Assert.Equal(3, await stock.Ship("order-8"));      // 1 + 8 % 3 units
            before = await stock.GetSnapshot();
            Assert.Equal(OpenCommitments - 2 + 1, before.CommittedByReservation.Count);
            await first.StopAllSilosAsync();
        }

        // The stored ledger is a log of changes and snapshots of about 1 MB: a few thousand entities at
        // most, not one per commitment, so activation reads a bounded number of them.
        var entities = 0;
        var tableClient = new TableServiceClient(azurite.ConnectionString).GetTableClient(table);
        await foreach (var _ in tableClient.QueryAsync<TableEntity>(select: ["RowKey"]))
        {
            entities++;
        }
        output.WriteLine($"{entities} table entities hold the ledger");
        Assert.InRange(entities, 2, AzureTableStockLedgerStore.MaxLogRowsPerSnapshot + 20);

        await using var second = BuildCluster(serviceId, table);
        await second.DeployAsync();
        var clock2 = Stopwatch.StartNew();
        var after = await second.Client.GetGrain<IStockGrain>(key).GetSnapshot();
        output.WriteLine($"reactivated with {after.CommittedByReservation.Count} commitments in {clock2.Elapsed.TotalSeconds:F1} s");

        var expectedCommitted = Enumerable.Range(0, OpenCommitments).Where(i => i is not 7 and not 8).Sum(i => 1 + i % 3) + 5;
        Assert.Equal(expectedCommitted, after.Committed);
        Assert.Equal(after.Committed, after.CommittedByReservation.Values.Sum());
        Assert.Equal(before.CommittedByReservation.OrderBy(c => c.Key), after.CommittedByReservation.OrderBy(c => c.Key));
        Assert.Equal(1_000_000 - 3, after.OnHand);                                   // conservation: the count less what shipped
        Assert.Equal(3, after.Shipped);
        Assert.Equal(after.OnHand - after.SafetyStock - after.Committed, after.Available);

        // Replays after the restart answer as before: the release and ship tombstones and the commitments are all there.
        var stock2 = second.Client.GetGrain<IStockGrain>(key);
        Assert.Equal(CommitOutcome.Released, (await stock2.Commit("order-7", 2)).Outcome);
        Assert.Equal(3, await stock2.Ship("order-8"));
        Assert.Equal(CommitOutcome.Committed, (await stock2.Commit("order-9", 1)).Outcome);
        Assert.Equal(after.Committed, (await stock2.GetSnapshot()).Committed);
    }
}
