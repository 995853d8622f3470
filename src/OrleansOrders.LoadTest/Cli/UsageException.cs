namespace OrleansOrders.LoadTest.Cli;

/// <summary>Bad command-line arguments: reported as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The run could not go on (cluster unreachable, network not seeded): one line, exit code 3.</summary>
public sealed class RunFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The process exit codes that scripts rely on.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The audit found at least one violation (each is printed).</summary>
    public const int AuditViolation = 1;
    /// <summary>Bad arguments; a one-line message says which.</summary>
    public const int BadArguments = 2;
    /// <summary>The run could not be carried out (cluster unreachable, network missing, unexpected failure).</summary>
    public const int RunFailed = 3;
    public const int Cancelled = 130;
}
