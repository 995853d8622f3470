using OrleansOrders.Client;
using OrleansOrders.Contracts;

namespace OrleansOrders.LoadTest.Network;

/// <summary>
/// Writes a synthetic network into the grid through the client library: registers every node,
/// then sets every stock level. Idempotent: the stock operation ids are fixed per network seed,
/// so seeding the same network twice changes nothing the second time.
/// </summary>
public static class NetworkSeeder
{
    private const int Parallelism = 256;

    public static async Task SeedAsync(IOrderGridClient client, SyntheticNetwork network, IProgress<int>? stockLevelsDone = null, CancellationToken cancellationToken = default)
    {
        await Task.WhenAll(network.Nodes.Select(n => client.RegisterNodeAsync(n, cancellationToken)));
        var done = 0;
        foreach (var batch in network.Stock.Chunk(Parallelism))
        {
            await Task.WhenAll(batch.Select(s =>
                client.SetStockAsync(s.NodeId, s.Sku, s.Level, OperationId(network.Spec, s), cancellationToken)));
            done += batch.Length;
            stockLevelsDone?.Report(done);
        }
    }

    /// <summary>
    /// Checks that the cluster holds this network (a sample of nodes registered with the same
    /// profile); answers a sentence saying what is wrong, or null when it looks seeded.
    /// </summary>
    public static async Task<string?> CheckSeededAsync(IOrderGridClient client, SyntheticNetwork network, CancellationToken cancellationToken = default)
    {
        var sample = network.Nodes.Where((_, i) => i % Math.Max(1, network.Nodes.Count / 8) == 0).ToList();
        foreach (var node in sample)
        {
            try
            {
                var view = await client.GetNodeAsync(node.NodeId, cancellationToken);
                if (view.Profile != node)
                {
                    return $"node {node.NodeId} in the cluster differs from network seed {network.Spec.Seed} " +
                           $"({network.Spec.Nodes} nodes, {network.Spec.Skus} SKUs): seed it again with the same --network-seed, --nodes and --skus.";
                }
            }
            catch (OrderGridNotFoundException)
            {
                return $"node {node.NodeId} is not in the cluster: run the seed command first with the same --network-seed, --nodes and --skus.";
            }
        }
        return null;
    }

    private static string OperationId(NetworkSpec spec, StockEntry entry) => $"lt-seed:{spec.Seed}:{entry.NodeId}:{entry.Sku}";
}
