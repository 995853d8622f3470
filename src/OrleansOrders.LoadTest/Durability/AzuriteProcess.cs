using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using OrleansOrders.LoadTest.Hosting;

namespace OrleansOrders.LoadTest.Durability;

/// <summary>
/// Azurite started from the version pinned in deploy/local (npm ci there first if it is missing),
/// in memory, on free loopback ports; stopped on dispose. Shared by the durability benchmark and
/// the Azure Storage tests.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;

    private AzuriteProcess(Process process, string connectionString)
    {
        _process = process;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public static async Task<AzuriteProcess> StartAsync(CancellationToken cancellationToken = default)
    {
        var local = Path.Combine(RepositoryRoot(), "deploy", "local");
        var azurite = Path.Combine(local, "node_modules", ".bin", "azurite");
        if (!File.Exists(azurite))
        {
            await RunAsync("npm", "ci --no-audit --no-fund", local, TimeSpan.FromMinutes(5), cancellationToken);
        }
        var ports = FreePorts.Take(3);
        var process = Process.Start(new ProcessStartInfo(azurite,
            "--silent --skipApiVersionCheck --disableTelemetry --inMemoryPersistence " +
            $"--blobHost 127.0.0.1 --blobPort {ports[0]} --queueHost 127.0.0.1 --queuePort {ports[1]} --tableHost 127.0.0.1 --tablePort {ports[2]}")
        {
            WorkingDirectory = local,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("Could not start Azurite.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        foreach (var port in ports)
        {
            while (!await AnswersAsync(port))
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    process.Dispose();
                    throw new InvalidOperationException($"Azurite did not start answering on port {port}.");
                }
                await Task.Delay(100, cancellationToken);
            }
        }
        return new AzuriteProcess(process,
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{ports[0]}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{ports[1]}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{ports[2]}/devstoreaccount1;");
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    public static string RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "OrleansOrders.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new InvalidOperationException("Could not find the repository root (OrleansOrders.sln) to start Azurite from deploy/local.");
    }

    private static async Task<bool> AnswersAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task RunAsync(string file, string arguments, string directory, TimeSpan limit, CancellationToken cancellationToken)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {await output}{await errors}");
        }
    }
}
