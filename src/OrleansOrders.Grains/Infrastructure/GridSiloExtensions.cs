using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Azure.Data.Tables;
using Orleans.Configuration;
using OrleansOrders.Grains.Stock.Ledger;

namespace OrleansOrders.Grains;

public static class GridSiloExtensions
{
    /// <summary>
    /// Registers what the grid's grains need: options from the "Grid" section and the business clock.
    /// The host chooses clustering and the "grid" storage provider.
    /// </summary>
    public static IServiceCollection AddOrderGridGrains(this IServiceCollection services, IConfiguration? configuration = null)
    {
        var options = services.AddOptions<GridOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration.GetSection(GridOptions.SectionName));
        }
        options.Validate(o => o.HoldTtl > TimeSpan.Zero && o.BidDeadline > TimeSpan.Zero && o.MaxRoutingRounds >= 1
                              && o.MaxBidCandidates >= 1 && o.MaxCallAttempts >= 1,
            "Grid options: durations must be positive and counts at least 1.");
        options.Validate(o => o.StockReportInterval >= TimeSpan.Zero && o.StockReportInterval < o.BidOfferMaxAge,
            "Grid:StockReportInterval must be at least zero and shorter than Grid:BidOfferMaxAge (a node's view must be told before it ages out).");
        options.Validate(o => o.StockWriteLinger >= TimeSpan.Zero && o.StockWriteLinger <= TimeSpan.FromMilliseconds(100),
            "Grid:StockWriteLinger must be between zero and 100 ms (it delays a stock write).");
        options.Validate(o => o.EventPublishInterval >= TimeSpan.Zero && o.EventPublishInterval <= TimeSpan.FromSeconds(1),
            "Grid:EventPublishInterval must be between zero and one second (an order's step waits for it).");
        options.Validate(o => o.StockReportAtOnceBelow >= 0, "Grid:StockReportAtOnceBelow must be at least zero.");
        options.Validate(o => o.AvailabilityCacheTtl >= TimeSpan.Zero && o.AvailabilityCacheTtl < o.BidOfferMaxAge,
            "Grid:AvailabilityCacheTtl must be at least zero and shorter than Grid:BidOfferMaxAge.");
        options.Validate(o => o.DirectoryCacheSize >= 1_000, "Grid:DirectoryCacheSize must be at least 1000.");
        options.Validate(o => o.RecoveryShards is >= 1 and <= Orders.Records.OrderRecordPartitions.Count && Orders.Records.OrderRecordPartitions.Count % o.RecoveryShards == 0,
            "Grid:RecoveryShards must divide 16 (the order-record store's partitions): 1, 2, 4, 8 or 16.");
        options.Validate(o => o.CapacityClaimReplayWindow >= TimeSpan.FromSeconds(30), "Grid:CapacityClaimReplayWindow must be at least 30 seconds (replays come within an allocation's seconds).");
        options.Validate(o => o.Routing.Validate().Count == 0, "Grid:Routing is invalid (see RoutingSettings.Validate).");
        options.Validate(o => o.Release.Validate().Count == 0, "Grid:Release is invalid (see ReleaseSettings.Validate).");
        options.Validate(o => o.NodeReliability.Validate().Count == 0, "Grid:NodeReliability is invalid (see NodeReliabilitySettings.Validate).");
        services.TryAddSingleton(GridClock.System);
        // A hot stock grain loads every open commitment when it activates (hundreds of thousands are one
        // partition scan of seconds on Azure, longer on Azurite): give activation time for it.
        services.Configure<GrainCollectionOptions>(o => o.ActivationTimeout = TimeSpan.FromMinutes(3));
        // The directory cache bounded by the grid's grains, not by every order the silo has seen.
        services.AddOptions<GrainDirectoryOptions>().Configure<IOptions<GridOptions>>((directory, grid) => directory.CacheSize = grid.Value.DirectoryCacheSize);
        // Stock ledgers in the process unless the host chose a durable store (AddAzureTableStockLedger).
        services.TryAddSingleton<IStockLedgerStore>(sp =>
        {
            var cluster = sp.GetRequiredService<IOptions<ClusterOptions>>().Value;
            return MemoryStockLedgerStore.ForService($"{cluster.ServiceId}/{cluster.ClusterId}");
        });
        // Order records in the process unless the host chose a durable store (AddAzureTableOrderRecords).
        services.TryAddSingleton<Orders.Records.IOrderRecordStore>(sp =>
        {
            var cluster = sp.GetRequiredService<IOptions<ClusterOptions>>().Value;
            return Orders.Records.MemoryOrderRecordStore.ForService($"{cluster.ServiceId}/{cluster.ClusterId}");
        });
        // Every recovery shard sweeps from the start: nothing on the order's path calls them any more.
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, Orders.RecoveryShardsStart>();
        services.TryAddSingleton<Webhooks.WebhookSender>();
        // Shadow routing plans beside the live path on each silo's own background loop.
        services.TryAddSingleton<Routing.ShadowPlanner>();
        // Orders' settles go to their recovery shards in batches (one call per shard per 20 ms).
        services.TryAddSingleton<Orders.RecoverySettles>();
        // Settled orders leave memory on one timer per silo, not one each.
        services.TryAddSingleton<Orders.IdleOrders>();
        // Stock grains' reports to nodes and SKUs go in one call per node and per SKU per interval, not one per change.
        services.TryAddSingleton(sp => new Stock.StockReportRelay(
            new Stock.GrainStockReportSink(sp.GetRequiredService<IGrainFactory>()),
            sp.GetRequiredService<IOptions<GridOptions>>().Value.StockReportInterval,
            sp.GetRequiredService<ILogger<Stock.StockReportRelay>>()));
        services.TryAddSingleton(sp => Routing.AvailabilityCache.For(sp.GetRequiredService<IGrainFactory>(), sp.GetRequiredService<IOptions<GridOptions>>().Value));
        services.AddHostedService(sp => sp.GetRequiredService<Routing.ShadowPlanner>());
        services.TryAddSingleton<Routing.NodeBreakers>();
        services.TryAddSingleton<Routing.Router>();
        services.TryAddSingleton(sp => Events.OrderEventOutbox.OnStreams(sp,
            sp.GetRequiredService<IOptions<GridOptions>>().Value.EventPublishInterval, TimeProvider.System));
        return services;
    }

    /// <summary>Order records and their recovery entries in Azure Table storage (16 partitions per service, one write per step).</summary>
    public static IServiceCollection AddAzureTableOrderRecords(this IServiceCollection services, string connectionString, string table = Orders.Records.AzureTableOrderRecordStore.DefaultTable)
    {
        services.RemoveAll<Orders.Records.IOrderRecordStore>();
        services.AddSingleton<Orders.Records.IOrderRecordStore>(sp => new Orders.Records.AzureTableOrderRecordStore(
            new TableServiceClient(connectionString),
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
            table,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Orders.Records.AzureTableOrderRecordStore>>()));
        return services;
    }

    /// <summary>Stock ledgers in Azure Table storage (one partition per stock grain, one entity or one transaction per write).</summary>
    public static IServiceCollection AddAzureTableStockLedger(this IServiceCollection services, string connectionString, string table = AzureTableStockLedgerStore.DefaultTable)
    {
        services.RemoveAll<IStockLedgerStore>();
        services.AddSingleton<IStockLedgerStore>(sp => new AzureTableStockLedgerStore(
            new TableServiceClient(connectionString),
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
            table,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<AzureTableStockLedgerStore>>(),
            sp.GetRequiredService<IOptions<GridOptions>>().Value.StockLedgerInlineLog ? AzureTableStockLedgerStore.InlineLogBytes : 0));
        return services;
    }
}
