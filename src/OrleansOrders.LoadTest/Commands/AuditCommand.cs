using System.CommandLine;
using OrleansOrders.Contracts;
using OrleansOrders.LoadTest.Auditing;
using OrleansOrders.LoadTest.Cli;
using OrleansOrders.LoadTest.Network;
using OrleansOrders.LoadTest.Reporting;

namespace OrleansOrders.LoadTest.Commands;

/// <summary>
/// <c>audit</c>: reads back a running cluster's stock for a synthetic network and the orders in
/// one or more order files (as <c>run --out</c> writes them), and checks every invariant.
/// </summary>
public static class AuditCommand
{
    public static Command Create(Terminal terminal)
    {
        var network = new NetworkOptions();
        var cluster = new ClusterOptions();
        var ordersFiles = new Option<string[]>("--orders-file")
        {
            Description = "File of accepted order ids, one per line (run --out writes DIR/orders.txt). Repeat for several runs.",
            Required = true,
            HelpName = "file",
        };
        var command = new Command("audit",
            "Audit a running cluster: every stock grain of the synthetic network (--network-seed, --nodes, --skus as seeded) " +
            "and every order in the order files. Exits 1 and prints each violation when an invariant is broken.")
        {
            ordersFiles,
        };
        network.AddTo(command);
        cluster.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandGuard.RunAsync(terminal, async () =>
        {
            var spec = network.Read(parse);
            var address = cluster.Read(parse);
            var orderIds = await ReadOrderFilesAsync(parse.GetValue(ordersFiles) ?? [], cancellationToken);
            var synthetic = SyntheticNetwork.Generate(spec);
            await using var target = await GridTargets.OpenAsync(inProcess: false, address, terminal, cancellationToken);
            terminal.Line($"auditing {synthetic.StockKeys.Count} stock grains of network seed {spec.Seed} and {orderIds.Count} orders...");
            var audit = await AuditStep.RunAsync(target.Grains, synthetic.StockKeys, orderIds, cancellationToken: cancellationToken);
            terminal.Line($"read {audit.StockKeys} stock grains and {audit.OrdersAudited} orders ({audit.OrdersOfEarlierRuns} found committed at these grains and not in the files); " +
                          $"{audit.CommittedUnits} units committed, {audit.HeldUnits} held.");
            ConsoleSummary.WriteViolations(terminal, audit.Violations);
            if (audit.Clean)
            {
                terminal.Line("audit clean: no violation.");
                return ExitCodes.Ok;
            }
            return ExitCodes.AuditViolation;
        }, cancellationToken));
        return command;
    }

    /// <summary>Order ids, one per line; blank lines and lines starting with '#' are skipped.</summary>
    public static async Task<IReadOnlyList<string>> ReadOrderFilesAsync(IEnumerable<string> paths, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                throw new UsageException($"--orders-file: '{path}' does not exist.");
            }
            var lineNumber = 0;
            foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken))
            {
                lineNumber++;
                var id = line.Trim();
                if (id.Length == 0 || id.StartsWith('#'))
                {
                    continue;
                }
                if (!Identifiers.IsValid(id))
                {
                    throw new UsageException($"--orders-file: {path} line {lineNumber}: '{id}' is not an order id.");
                }
                ids.Add(id);
            }
        }
        return ids;
    }
}
