using System.CommandLine;
using System.Text.Json;
using OrleansOrders.LoadTest.Cli;
using OrleansOrders.LoadTest.Commands;

namespace OrleansOrders.LoadTest.Durability;

/// <summary><c>durability</c>: the cost of durable state against Azurite (about a minute with the defaults).</summary>
public static class DurabilityCommand
{
    public static Command Create(Terminal terminal)
    {
        var connection = new Option<string?>("--connection") { Description = "Azure Storage connection string; default: start Azurite from deploy/local in memory." };
        var concurrency = new Option<int>("--concurrency") { Description = "Closed-loop concurrency of every measurement (bounded: Azurite is one process).", DefaultValueFactory = _ => 32 };
        var duration = CommonOptions.Duration("--duration", "Measured time of each measurement.", TimeSpan.FromSeconds(10));
        var skus = new Option<int>("--skus") { Description = "SKUs the durable orders spread over.", DefaultValueFactory = _ => 200 };
        var ledgerScale = new Option<bool>("--ledger-scale") { Description = "Also measure durable commits/s on one SKU-node with 1,000 and with 100,000 open commitments (seeds 101,000 commitments first)." };
        var output = new Option<string?>("--out") { Description = "Directory for durability.json.", HelpName = "dir" };
        var command = new Command("durability",
            "Against Azure Storage (Azurite by default), in one run: raw single-entity writes/s of the store, durable commits/s on one hot SKU " +
            "with and without group commit, and durable orders/s of the grid (1-line orders over many SKUs).")
        {
            connection, concurrency, duration.Option, skus, ledgerScale, output,
        };
        command.SetAction((parse, cancellationToken) => CommandGuard.RunAsync(terminal, async () =>
        {
            var measured = duration.Read(parse) ?? TimeSpan.Zero;
            if (measured <= TimeSpan.Zero)
            {
                throw new UsageException("--duration must be more than 0s.");
            }
            var settings = new DurabilityBench.Settings(
                parse.GetValue(connection),
                CommonOptions.InRange(parse.GetValue(concurrency), "--concurrency", 1, 256),
                measured,
                CommonOptions.InRange(parse.GetValue(skus), "--skus", 1, 10_000),
                parse.GetValue(ledgerScale));
            var outDir = RunCommand.ReadOutDirectory(parse.GetValue(output));
            var result = await DurabilityBench.RunAsync(settings, terminal, cancellationToken);
            terminal.Line("");
            terminal.Line("| measurement | per second |");
            terminal.Line("| --- | ---: |");
            terminal.Line($"| raw single-entity writes (Azurite) | {result.RawWritesPerSecond:0} |");
            terminal.Line($"| durable commits, one hot SKU, group commit on | {result.HotSkuCommitsCoalesced:0} |");
            terminal.Line($"| durable commits, one hot SKU, group commit off | {result.HotSkuCommitsUncoalesced:0} |");
            terminal.Line($"| durable orders (1-line, {settings.Skus} SKUs) | {result.DurableOrdersPerSecond:0} |");
            terminal.Line("");
            terminal.Line("| storage operations (every store, warm-up included) | per operation |");
            terminal.Line("| --- | ---: |");
            terminal.Line($"| storage writes per durable order | {result.StorageWritesPerOrder:0.##} |");
            terminal.Line($"| storage reads per durable order | {result.StorageReadsPerOrder:0.##} |");
            terminal.Line($"| storage writes per hot-SKU commit, group commit on | {result.HotSkuWritesPerCommitCoalesced:0.###} |");
            terminal.Line($"| storage writes per hot-SKU commit, group commit off | {result.HotSkuWritesPerCommitUncoalesced:0.###} |");
            terminal.Line("");
            terminal.Line($"group commit speed-up on a hot SKU: {result.CoalescingSpeedup:0.0}x; durable orders/s per raw write/s: {result.OrdersToRawWrites:0.00} (goal >= 0.50); " +
                          $"storage writes per order: {result.StorageWritesPerOrder:0.##} (reads {result.StorageReadsPerOrder:0.##})");
            if (outDir is not null)
            {
                Directory.CreateDirectory(outDir);
                await File.WriteAllTextAsync(Path.Combine(outDir, "durability.json"),
                    JsonSerializer.Serialize(result, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }), cancellationToken);
            }
            return result.OrderErrors > 0 ? 1 : 0;
        }, cancellationToken));
        return command;
    }
}
