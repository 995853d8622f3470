using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using OrleansOrders.Grains;

namespace OrleansOrders.Cluster.Tests.Support;

/// <summary>
/// A two-silo in-process cluster with memory storage, a fake business clock shared by both silos,
/// short bid deadlines, and the fault-injection filter. Shared by every test in the "grid" collection.
/// </summary>
public sealed class GridClusterFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Time { get; } = new(Start);

    public TestFaults Faults { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        var clock = new GridClock(Time);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(GridOptions.StorageName);
            silo.UseInMemoryReminderService();
            silo.AddIncomingGrainCallFilter<FaultInjectionFilter>();
            silo.Services.AddSingleton(Faults);
            silo.Services.AddSingleton(clock);
            silo.Services.AddOrderGridGrains();
            silo.Services.Configure<GridOptions>(o =>
            {
                o.BidDeadline = TimeSpan.FromSeconds(1);
                o.HoldSweepInterval = TimeSpan.FromMilliseconds(200);
                o.SoftStateFlushInterval = TimeSpan.FromMilliseconds(500);
            });
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        Faults.ReleaseHungBids();
        await Cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class GridCollection : ICollectionFixture<GridClusterFixture>
{
    public const string Name = "grid";
}
