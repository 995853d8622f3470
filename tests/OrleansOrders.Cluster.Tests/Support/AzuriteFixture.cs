using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OrleansOrders.Cluster.Tests.Support;

/// <summary>
/// Azurite for the tests that need Azure Storage. Uses the one named by ORLEANS_ORDERS_AZURITE
/// (a connection string) when set; otherwise installs the pinned version (npm ci in deploy/local)
/// if it is missing, starts it in memory on free loopback ports, and stops it afterwards.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private Process? _azurite;

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("ORLEANS_ORDERS_AZURITE") is { Length: > 0 } given)
        {
            ConnectionString = given;
            return;
        }

        var local = Path.Combine(RepositoryRoot(), "deploy", "local");
        var azurite = Path.Combine(local, "node_modules", ".bin", "azurite");
        if (!File.Exists(azurite))
        {
            await Run("npm", "ci --no-audit --no-fund", local, TimeSpan.FromMinutes(5));
        }

        var (blob, queue, table) = (FreePort(), FreePort(), FreePort());
        _azurite = Process.Start(new ProcessStartInfo(azurite,
            $"--silent --skipApiVersionCheck --disableTelemetry --inMemoryPersistence " +
            $"--blobHost 127.0.0.1 --blobPort {blob} --queueHost 127.0.0.1 --queuePort {queue} --tableHost 127.0.0.1 --tablePort {table}")
        {
            WorkingDirectory = local,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("Could not start Azurite.");
        _azurite.OutputDataReceived += (_, _) => { };
        _azurite.ErrorDataReceived += (_, _) => { };
        _azurite.BeginOutputReadLine();
        _azurite.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await Answers(table) || !await Answers(blob) || !await Answers(queue))
        {
            if (_azurite.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"Azurite did not start answering on ports {blob}/{queue}/{table} (exited: {_azurite.HasExited}).");
            }
            await Task.Delay(100);
        }
        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
    }

    public Task DisposeAsync()
    {
        if (_azurite is { HasExited: false })
        {
            _azurite.Kill(entireProcessTree: true);
            _azurite.WaitForExit(10_000);
        }
        _azurite?.Dispose();
        return Task.CompletedTask;
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OrleansOrders.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Could not find the repository root (OrleansOrders.sln) above " + AppContext.BaseDirectory);
    }

    private static async Task<bool> Answers(int port)
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task Run(string file, string arguments, string workingDirectory, TimeSpan limit)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {await output}{await errors}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite";
}
