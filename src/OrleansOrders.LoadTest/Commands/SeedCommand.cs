using System.CommandLine;
using OrleansOrders.LoadTest.Cli;
using OrleansOrders.LoadTest.Network;

namespace OrleansOrders.LoadTest.Commands;

/// <summary><c>seed</c>: writes a synthetic network into a running cluster through the client library.</summary>
public static class SeedCommand
{
    public static Command Create(Terminal terminal)
    {
        var network = new NetworkOptions("--seed", "--network-seed");
        var cluster = new ClusterOptions();
        var command = new Command("seed",
            "Build a synthetic network (distribution centres, stores and drop-ship suppliers at US locations, SKUs, stock) " +
            "into a running cluster. Deterministic by --seed; seeding the same network twice changes nothing.");
        network.AddTo(command);
        cluster.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandGuard.RunAsync(terminal, async () =>
        {
            var spec = network.Read(parse);
            var address = cluster.Read(parse);
            var synthetic = SyntheticNetwork.Generate(spec);
            await using var target = await GridTargets.OpenAsync(inProcess: false, address, terminal, cancellationToken);
            await GridTargets.SeedAsync(target, synthetic, terminal, cancellationToken);
            terminal.Line($"network seed {spec.Seed} ({spec.Nodes} nodes, {spec.Skus} SKUs) is in the cluster: " +
                          $"run and audit it with --network-seed {spec.Seed} --nodes {spec.Nodes} --skus {spec.Skus}.");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
