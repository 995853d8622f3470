using OrleansOrders.LoadTest.Cli;

namespace OrleansOrders.LoadTest.Tests.Support;

/// <summary>Runs the harness's command line in this process and captures what it prints.</summary>
public static class Harness
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var syncOutput = TextWriter.Synchronized(output);
        var syncError = TextWriter.Synchronized(error);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var exitCode = await Program.RunAsync(args, Terminal.Plain(syncOutput, syncError), timeout.Token);
        return (exitCode, output.ToString(), error.ToString());
    }

    public static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "oo-loadtest-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
