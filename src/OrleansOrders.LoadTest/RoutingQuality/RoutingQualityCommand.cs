using System.CommandLine;
using OrleansOrders.LoadTest.Cli;

namespace OrleansOrders.LoadTest.RoutingQuality;

/// <summary>
/// <c>routing-quality</c>: the offline benchmark of routing strategies (no silo). Writes
/// routing-quality.json and routing-quality.md to --out; deterministic by --seed.
/// </summary>
public static class RoutingQualityCommand
{
    public static Command Create()
    {
        var seed = new Option<int>("--seed") { Description = "Seed of the network and the order stream.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Directory for routing-quality.json and routing-quality.md.", HelpName = "dir", Required = true };
        var orders = new Option<int>("--orders") { Description = "Orders in the stream.", DefaultValueFactory = _ => QualitySettings.DefaultOrders };
        var nodes = new Option<int>("--nodes") { Description = "Fulfilment nodes (about 30% DCs, 12% drop-ship suppliers, the rest stores).", DefaultValueFactory = _ => 16 };
        var skus = new Option<int>("--skus") { Description = "SKUs (Zipf popularity).", DefaultValueFactory = _ => 200 };
        var days = new Option<int>("--days") { Description = "Days the stream spans.", DefaultValueFactory = _ => 5 };
        var candidates = new Option<int>("--candidates") { Description = "Nodes asked for a bid per order (the router's candidates; the grid's default unless set).", DefaultValueFactory = _ => new QualitySettings().MaxBidCandidates };
        var geography = new Option<Geography>("--geography") { Description = "Nodes and customers in real US cities, or at random coordinates.", DefaultValueFactory = _ => Geography.Cities };
        var command = new Command("routing-quality",
            "Offline benchmark of routing strategies on a generated network and order stream: total cost (shipping + unfilled penalty), " +
            "parcels per order, split, on-time and fill rates, against a myopic baseline, the exact per-order optimum and a hindsight LP bound.")
        {
            seed, output, orders, nodes, skus, days, geography, candidates,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var config = parse.InvocationConfiguration;
            var settings = new QualitySettings(parse.GetValue(seed), parse.GetValue(orders), parse.GetValue(nodes), parse.GetValue(skus), parse.GetValue(geography), parse.GetValue(days)) with { MaxBidCandidates = parse.GetValue(candidates) };
            var errors = settings.Validate();
            if (errors.Count > 0)
            {
                config.Error.WriteLine($"error: {errors[0]} (see --help)");
                return Task.FromResult(ExitCodes.BadArguments);
            }
            string directory;
            try
            {
                directory = Path.GetFullPath(parse.GetValue(output)!);
                Directory.CreateDirectory(directory);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                config.Error.WriteLine($"error: --out {parse.GetValue(output)}: {ex.Message}");
                return Task.FromResult(ExitCodes.BadArguments);
            }

            try
            {
                var report = RoutingQualityBenchmark.Run(settings, line => config.Output.WriteLine(line), cancellationToken);
                var (json, markdown) = Write(report, directory);
                config.Output.WriteLine();
                config.Output.Write(report.ToMarkdown());
                config.Output.WriteLine();
                config.Output.WriteLine($"wrote {json} and {markdown}");
                return Task.FromResult(ExitCodes.Ok);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                config.Error.WriteLine("error: cancelled.");
                return Task.FromResult(ExitCodes.Cancelled);
            }
            catch (Exception ex)
            {
                config.Error.WriteLine($"error: the run failed: {ex.GetType().Name}: {ex.GetBaseException().Message}");
                return Task.FromResult(ExitCodes.RunFailed);
            }
        });
        return command;
    }

    /// <summary>Writes routing-quality.json and routing-quality.md into <paramref name="directory"/>; returns their paths.</summary>
    public static (string Json, string Markdown) Write(QualityReport report, string directory)
    {
        var json = Path.Combine(directory, "routing-quality.json");
        var markdown = Path.Combine(directory, "routing-quality.md");
        File.WriteAllText(json, report.ToJson());
        File.WriteAllText(markdown, report.ToMarkdown());
        return (json, markdown);
    }
}
