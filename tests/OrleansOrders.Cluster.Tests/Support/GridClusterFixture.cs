using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.TestingHost;
using OrleansOrders.Grains;

namespace OrleansOrders.Cluster.Tests.Support;

/// <summary>
/// An in-process cluster with a fake business clock shared by all silos, short bid deadlines and
/// the fault-injection filter. The default (the "grid" collection) has two silos on memory storage.
/// </summary>
public class GridClusterFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    private readonly short _silos;

    public GridClusterFixture() : this(2, store: null)
    {
    }

    protected GridClusterFixture(short silos, SharedStore? store)
    {
        _silos = silos;
        Store = store;
    }

    private TimeSpan ResponseTimeout => Store is null ? TimeSpan.FromSeconds(30) : TimeSpan.FromSeconds(5);

    /// <summary>The store that outlives the silos, when this cluster uses one (memory storage otherwise).</summary>
    public SharedStore? Store { get; }

    public FakeTimeProvider Time { get; } = new(Start);

    public TestFaults Faults { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(_silos);
        var clock = new GridClock(Time);
        builder.ConfigureSilo((_, silo) =>
        {
            if (Store is { } store)
            {
                silo.AddGridStorage((sp, _) => new SharedGrainStorage(store, sp.GetRequiredService<Serializer>()));
                silo.Services.AddSingleton<OrleansOrders.Grains.Stock.Ledger.IStockLedgerStore>(new SharedLedgerStore(store));
                silo.Services.AddSingleton<OrleansOrders.Grains.Orders.Records.IOrderRecordStore>(new SharedOrderRecordStore(store));
            }
            else
            {
                silo.AddGridMemoryStorage();
            }
            silo.UseInMemoryReminderService();
            silo.AddGridMemoryStreams();
            silo.AddIncomingGrainCallFilter<FaultInjectionFilter>();
            silo.Services.AddSingleton(Faults);
            silo.Services.AddSingleton(clock);
            silo.Services.AddOrderGridGrains();
            silo.Services.Configure<GridOptions>(o =>
            {
                o.BidDeadline = TimeSpan.FromSeconds(1);
                o.HoldSweepInterval = TimeSpan.FromMilliseconds(200);
                o.SoftStateFlushInterval = TimeSpan.FromMilliseconds(500);
                o.AvailabilityFlushInterval = TimeSpan.FromMilliseconds(500);
                o.MaxCallAttempts = 4;
                o.WebhookPollInterval = TimeSpan.FromMilliseconds(50);
                o.WebhookBackoff = TimeSpan.FromMilliseconds(50);
                o.WebhookMaxAttempts = 4;
                o.NodeDirectoryRefresh = TimeSpan.Zero; // tests register nodes just before routing to them
                o.MaxBidCandidates = 8;                 // the routing tests' networks are written for eight
                o.BidOfferMaxAge = TimeSpan.FromSeconds(2); // the lost-update test waits out the bound
                o.NodeReliability.BreakerFailures = 3;      // the breaker test pays a 1 s deadline per timeout, per silo
                // No background opportunity-cost refresh during the suite (it would read every order
                // and node on a timer); the tests that want values call Refresh themselves.
                o.OpportunityCost.RefreshInterval = TimeSpan.FromHours(1);
                o.OpportunityCost.DemandFlushInterval = TimeSpan.FromMilliseconds(100);
                o.OpportunityCost.NodeFetchInterval = TimeSpan.FromMilliseconds(500); // tests call Refresh, then see it in bids
                // Channels with routing rules of their own, for the routing strategy tests.
                o.Routing.Channels["economy"] = new ChannelRoutingSettings { MaxDispatchDelayDays = 2 };
                o.Routing.Channels["marketplace"] = new ChannelRoutingSettings { AllowedNodeKinds = [OrleansOrders.Contracts.NodeKind.DistributionCentre] };
                o.Routing.Channels["local"] = new ChannelRoutingSettings { MaxDistanceKm = 150 };
                // Orders of the "waves" channel wait for 10-minute release waves (the release wave tests).
                o.Release.Channels[ReleaseWaveTests.Channel] = new ReleasePolicySettings { Mode = OrleansOrders.Orders.ReleaseMode.Waves, Every = TimeSpan.FromMinutes(10) };
            });
            // A killed silo is declared dead within a few seconds, and calls to it fail instead of hanging.
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
            });
            // Calls to a killed silo fail fast in the durability tests; elsewhere a slow, loaded CI machine gets time.
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
        });
        builder.ConfigureClient(client => client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout));
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
