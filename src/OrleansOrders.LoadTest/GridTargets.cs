using Microsoft.Extensions.Logging;
using OrleansOrders.LoadTest.Cli;
using OrleansOrders.LoadTest.Hosting;
using OrleansOrders.LoadTest.Network;

namespace OrleansOrders.LoadTest;

/// <summary>Opens the grid a command drives, and seeds or checks its network, with console lines.</summary>
public static class GridTargets
{
    public static async Task<IGridTarget> OpenAsync(bool inProcess, ClusterAddress cluster, Terminal terminal, CancellationToken cancellationToken, GrainCallStats? callStats = null)
    {
        var logLevel = terminal.Verbose ? LogLevel.Warning : LogLevel.Error;
        IGridTarget target = inProcess
            ? await InProcessGrid.StartAsync(new InProcessGridOptions { MinimumLogLevel = logLevel, CallStats = callStats }, cancellationToken)
            : await ClusterConnection.ConnectAsync(cluster, logLevel, cancellationToken);
        terminal.Line($"grid: {target.Description}");
        return target;
    }

    /// <summary>Seeds the network into a fresh in-process grid, or checks that a running cluster has it.</summary>
    public static async Task PrepareNetworkAsync(IGridTarget target, SyntheticNetwork network, Terminal terminal, CancellationToken cancellationToken)
    {
        if (target.InProcess)
        {
            await SeedAsync(target, network, terminal, cancellationToken);
            return;
        }
        if (await NetworkSeeder.CheckSeededAsync(target.Client, network, cancellationToken) is { } problem)
        {
            throw new RunFailedException(problem);
        }
        terminal.Line($"network: seed {network.Spec.Seed}, {network.Nodes.Count} nodes, {network.Skus.Count} SKUs, {network.Stock.Count} stock levels (found in the cluster)");
    }

    public static async Task SeedAsync(IGridTarget target, SyntheticNetwork network, Terminal terminal, CancellationToken cancellationToken)
    {
        var kinds = string.Join(", ", network.Nodes.GroupBy(n => n.Kind).Select(g => $"{g.Count()} {g.Key}"));
        terminal.Line($"seeding network: seed {network.Spec.Seed}, {network.Nodes.Count} nodes ({kinds}), {network.Skus.Count} SKUs, {network.Stock.Count} stock levels");
        var started = DateTime.UtcNow;
        await NetworkSeeder.SeedAsync(target.Client, network, null, cancellationToken);
        terminal.Line($"seeded in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
    }
}
