using OrleansOrders.LoadTest.Cli;

namespace OrleansOrders.LoadTest.Commands;

/// <summary>Turns a command's failures into one line and an exit code: never a stack trace.</summary>
public static class CommandGuard
{
    public static async Task<int> RunAsync(Terminal terminal, Func<Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await action();
        }
        catch (UsageException ex)
        {
            terminal.Fail(ex.Message);
            return ExitCodes.BadArguments;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            terminal.Fail("cancelled.");
            return ExitCodes.Cancelled;
        }
        catch (RunFailedException ex)
        {
            terminal.Fail(ex.Message);
            return ExitCodes.RunFailed;
        }
        catch (Exception ex)
        {
            terminal.Fail($"the run failed: {ex.GetType().Name}: {ex.GetBaseException().Message}" +
                          (terminal.Verbose ? Environment.NewLine + ex : " (--verbose shows details)"));
            return ExitCodes.RunFailed;
        }
    }
}
