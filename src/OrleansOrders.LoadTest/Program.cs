using System.CommandLine;
using OrleansOrders.LoadTest.Cli;
using OrleansOrders.LoadTest.Commands;

namespace OrleansOrders.LoadTest;

/// <summary>
/// The load-test harness's command line: seed, run, audit, bench. Command wiring only; each
/// command lives in Commands/. Exit codes: 0 success, 1 audit violation, 2 bad arguments,
/// 3 the run could not be carried out.
/// </summary>
public static class Program
{
    public static Task<int> Main(string[] args) => RunAsync(args, Terminal.CreateDefault());

    /// <summary>Runs the command line in this process (tests call this rather than spawning the tool).</summary>
    public static async Task<int> RunAsync(string[] args, Terminal terminal, CancellationToken cancellationToken = default)
    {
        var verbose = new Option<bool>("--verbose")
        {
            Description = "Show silo and client warnings, and details of unexpected failures.",
            Recursive = true,
        };
        var root = new RootCommand(
            "OrleansOrders load-test harness: seed a synthetic network, drive orders (in-process or against a running cluster), " +
            "compare with the raw grain call rate, and audit that nothing was oversold, lost or leaked.")
        {
            verbose,
            SeedCommand.Create(terminal),
            RunCommand.Create(terminal),
            AuditCommand.Create(terminal),
            BenchCommand.Create(terminal),
            Durability.DurabilityCommand.Create(terminal),
            RoutingQuality.RoutingQualityCommand.Create(),
        };

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var message = string.Join(" ", parse.Errors.Select(e => e.Message).Distinct()
                .SelectMany(m => m.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)));
            terminal.Fail($"{message} (see --help)");
            return ExitCodes.BadArguments;
        }
        terminal.Verbose = parse.GetValue(verbose);
        var invocation = new InvocationConfiguration
        {
            Output = terminal.Output,
            Error = terminal.Error,
            EnableDefaultExceptionHandler = false,
        };
        return await parse.InvokeAsync(invocation, cancellationToken);
    }
}
