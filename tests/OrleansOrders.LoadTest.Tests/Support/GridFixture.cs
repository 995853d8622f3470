using OrleansOrders.Client;
using OrleansOrders.LoadTest.Hosting;

namespace OrleansOrders.LoadTest.Tests.Support;

/// <summary>Real time plus an offset the test sets: lets a test put the grid's business clock behind real time.</summary>
public sealed class AdjustableClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
        set => Interlocked.Exchange(ref _offsetTicks, value.Ticks);
    }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}

/// <summary>
/// One in-process silo (the harness's own <see cref="InProcessGrid"/>: localhost clustering on free
/// ports, memory storage "grid", the grid's grains) whose business clock the tests can move.
/// Tests give their nodes and SKUs ids of their own, so they never see each other's stock.
/// </summary>
public sealed class GridFixture : IAsyncLifetime
{
    public AdjustableClock Clock { get; } = new();

    public InProcessGrid Grid { get; private set; } = null!;

    public IGrainFactory Grains => Grid.Grains;

    public IOrderGridClient Client => Grid.Client;

    public async Task InitializeAsync() =>
        Grid = await InProcessGrid.StartAsync(new InProcessGridOptions { BusinessClock = Clock });

    public async Task DisposeAsync() => await Grid.DisposeAsync();
}

/// <summary>Tests that start silos share the two cores one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class GridCollection : ICollectionFixture<GridFixture>
{
    public const string Name = "grid";
}
