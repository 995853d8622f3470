using OrleansOrders.LoadTest.Durability;

namespace OrleansOrders.Cluster.Tests.Support;

/// <summary>
/// Azurite for the tests that need Azure Storage. Uses the one named by ORLEANS_ORDERS_AZURITE
/// (a connection string) when set; otherwise starts the pinned version from deploy/local in memory
/// on free loopback ports (npm ci there first if it is missing), and stops it afterwards.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("ORLEANS_ORDERS_AZURITE") is { Length: > 0 } given)
        {
            ConnectionString = given;
            return;
        }
        _azurite = await AzuriteProcess.StartAsync();
        ConnectionString = _azurite.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite";
}
