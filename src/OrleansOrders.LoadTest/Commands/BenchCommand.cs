using System.CommandLine;
using OrleansOrders.LoadTest.Cli;

namespace OrleansOrders.LoadTest.Commands;

/// <summary><c>bench</c>: the short fixed in-process benchmark (about 45 s with the defaults).</summary>
public static class BenchCommand
{
    public static Command Create(Terminal terminal)
    {
        var concurrency = new Option<int>("--concurrency") { Description = "Closed-loop concurrency of every case.", DefaultValueFactory = _ => 64 };
        var duration = CommonOptions.Duration("--duration", "Measured time of each case.", TimeSpan.FromSeconds(10));
        var warmup = CommonOptions.Duration("--warmup", "Warm-up of each case, not measured.", TimeSpan.FromSeconds(2));
        var rawDuration = CommonOptions.Duration("--raw-duration", "Raw-ceiling measurement before each case.", TimeSpan.FromSeconds(3));
        var seed = new Option<int>("--seed") { Description = "Seed of the order streams.", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--out") { Description = "Directory for bench.json and bench.md.", HelpName = "dir" };
        var shadowGoal = new Option<Contracts.RoutingGoal?>("--shadow-goal")
        {
            Description = "Run each case four times, without, with, with and without a shadow routing policy of this goal (LowestCost, Fastest, StockBalance, Weighted), and print the with/without ratio of the means: shadow routing's cost to the live path.",
        };
        var shadowSample = new Option<double?>("--shadow-sample")
        {
            Description = "With --shadow-goal: the share of orders planned in shadow (0.01-1, default 1).",
        };
        var network = new NetworkOptions();
        var command = new Command("bench",
            "Short fixed benchmark, in-process: orders/s (and ratio to raw ping calls/s, p50, p99) for 1-line (steady) " +
            "and 3-line (baskets) orders, then an audit of all of them.")
        {
            concurrency, duration.Option, warmup.Option, rawDuration.Option, seed, output, shadowGoal, shadowSample,
        };
        network.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandGuard.RunAsync(terminal, async () =>
        {
            var measured = duration.Read(parse) ?? TimeSpan.Zero;
            var raw = rawDuration.Read(parse) ?? TimeSpan.Zero;
            if (measured <= TimeSpan.Zero || raw <= TimeSpan.Zero)
            {
                throw new UsageException("--duration and --raw-duration must be more than 0s.");
            }
            var settings = new Bench.Settings(
                CommonOptions.InRange(parse.GetValue(concurrency), "--concurrency", 1, 10_000),
                measured,
                warmup.Read(parse) ?? TimeSpan.Zero,
                raw,
                network.Read(parse),
                parse.GetValue(seed),
                RunCommand.ReadOutDirectory(parse.GetValue(output)),
                parse.GetValue(shadowGoal),
                parse.GetValue(shadowSample) is { } sample ? (sample is >= 0.01 and <= 1 ? sample : throw new UsageException("--shadow-sample must be 0.01-1.")) : null);
            var (exitCode, _) = await Bench.ExecuteAsync(settings, terminal, cancellationToken);
            return exitCode;
        }, cancellationToken));
        return command;
    }
}
