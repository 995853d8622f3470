using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;
using OrleansOrders.Silo.Hosting;

namespace OrleansOrders.Silo.Demo;

/// <summary>Seeds the demo network into the grid once the silo is up. Idempotent: operation ids are fixed.</summary>
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
        await Task.WhenAll(DemoNetwork.Nodes.Select(n => grains.GetGrain<IFulfilmentNodeGrain>(n.NodeId).Register(n)));
        var stock = DemoNetwork.Stock(options.Value.SkuCount).ToList();
        foreach (var batch in stock.Chunk(200))
        {
            await Task.WhenAll(batch.Select(s =>
                grains.GetGrain<IFulfilmentNodeGrain>(s.NodeId).SetStock(s.Sku, s.Level, $"demo-seed:{s.NodeId}:{s.Sku}")));
        }
        logger.LogInformation(
            "Demo network seeded: {Nodes} nodes ({Kinds}), {Skus} SKUs, {Levels} stock levels",
            DemoNetwork.Nodes.Count,
            string.Join(", ", DemoNetwork.Nodes.GroupBy(n => n.Kind).Select(g => $"{g.Count()} {g.Key}")),
            options.Value.SkuCount, stock.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
