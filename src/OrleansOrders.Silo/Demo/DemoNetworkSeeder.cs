using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;
using OrleansOrders.Silo.Hosting;

namespace OrleansOrders.Silo.Demo;

/// <summary>
/// Seeds the demo network into the grid once the silo is up, unless it is already there (a durable
/// cluster restarting keeps its stock as it was, never reset to the demo levels).
/// </summary>
public sealed class DemoNetworkSeeder(
    IGrainFactory grains,
    IOptions<DemoOptions> options,
    ILogger<DemoNetworkSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Seed)
        {
            return;
        }
        var stock = DemoNetwork.Stock(options.Value.SkuCount).ToList();
        // The last stock level is set last: once it is there, the whole seed is (a seed cut short
        // by a crash is completed by the next start; operation ids make the repeat harmless).
        var (lastNode, lastSku, _) = stock[^1];
        var last = await grains.Reference<IStockGrain>(Identifiers.StockKey(lastNode, lastSku)).GetSnapshot();
        if (last.Adjusted != 0 || last.Received != 0 || last.Committed != 0)
        {
            logger.LogInformation("Demo network already present; not seeding again");
            return;
        }
        await Task.WhenAll(DemoNetwork.Nodes.Select(n => grains.Reference<IFulfilmentNodeGrain>(n.NodeId).Register(n)));
        foreach (var batch in stock.SkipLast(1).Chunk(200))
        {
            await Task.WhenAll(batch.Select(s =>
                grains.Reference<IFulfilmentNodeGrain>(s.NodeId).SetStock(s.Sku, s.Level, $"demo-seed:{s.NodeId}:{s.Sku}")));
        }
        await grains.Reference<IFulfilmentNodeGrain>(lastNode).SetStock(lastSku, stock[^1].Level, $"demo-seed:{lastNode}:{lastSku}");
        logger.LogInformation(
            "Demo network seeded: {Nodes} nodes ({Kinds}), {Skus} SKUs, {Levels} stock levels",
            DemoNetwork.Nodes.Count,
            string.Join(", ", DemoNetwork.Nodes.GroupBy(n => n.Kind).Select(g => $"{g.Count()} {g.Key}")),
            options.Value.SkuCount, stock.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
