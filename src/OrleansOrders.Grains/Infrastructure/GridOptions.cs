namespace OrleansOrders.Grains;

/// <summary>Tuning of the grid's grains; bound from the "Grid" configuration section.</summary>
public sealed class GridOptions
{
    public const string SectionName = "Grid";

    /// <summary>Name of the grain storage provider every grain persists to.</summary>
    public const string StorageName = "grid";

    /// <summary>How long the router's holds live before they return to available if nobody commits them.</summary>
    public TimeSpan HoldTtl { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a stock grain sweeps expired holds (they stop counting at expiry regardless).</summary>
    public TimeSpan HoldSweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the router waits for bids; a node that has not answered by then is skipped.</summary>
    public TimeSpan BidDeadline { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Bid rounds per order: a hold lost to a concurrent order triggers another round over what is left.</summary>
    public int MaxRoutingRounds { get; set; } = 3;

    /// <summary>
    /// Nodes asked for a bid per round: best coverage first, then nearest the customer. Four keeps the
    /// plans within 0.5% of asking eight on the load test's network at three quarters of the calls
    /// (docs/benchmarks.md); widen it for networks where far nodes are often cheaper.
    /// </summary>
    public int MaxBidCandidates { get; set; } = 4;

    /// <summary>
    /// Ask the first candidate alone when its bid can settle the order (see <c>SingleNodeShortcut</c>);
    /// false asks every candidate at once, always. The plan is the same either way.
    /// </summary>
    public bool RoutingFastPath { get; set; } = true;

    /// <summary>
    /// How long a node answers bids from a stock offer its stock grain told it, without reading the
    /// stock grain again. Stock grains tell every change, so this only bounds a view whose update was
    /// lost (a failed call); a bid made on a stale view loses the race at the hold, never oversells.
    /// Short enough that a lost update heals within seconds, long enough that a SKU bid on about once
    /// a second is not read again between its changes (2 s here read stock on 0.77 bids per order).
    /// Zero: every bid reads the stock grains.
    /// </summary>
    public TimeSpan BidOfferMaxAge { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often a silo sends its stock grains' changes on to the nodes' offer views and the SKUs'
    /// availability (<see cref="Stock.StockReportRelay"/>): at most one call per node and per SKU per
    /// interval, and that long at most before a bid or a candidate list sees a change. Zero: each send
    /// follows the last one as soon as it is done.
    /// </summary>
    public TimeSpan StockReportInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// A stock grain with fewer available units than this (before or after a change) reports the
    /// change at once rather than with the silo's next gathered send: with little stock left, a view
    /// that lags sends orders to units that are gone (each then routes again) or misses units that
    /// came. Zero: only a stock grain's first report goes at once.
    /// </summary>
    public int StockReportAtOnceBelow { get; set; } = 20;

    /// <summary>
    /// How long a silo's routers answer a SKU's network availability from their copy
    /// (<see cref="Routing.AvailabilityCache"/>) while it is plentiful. Zero: every order reads it.
    /// </summary>
    public TimeSpan AvailabilityCacheTtl { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a router keeps the node directory (locations for ranking candidates) before reading it again.</summary>
    public TimeSpan NodeDirectoryRefresh { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often soft state (node capacity use, customer indexes, webhooks) is written when it changed.</summary>
    public TimeSpan SoftStateFlushInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often a SKU's network availability is written when it changed. It is a cache the stock
    /// grains repair with every change and on activation, so a longer interval costs only staleness
    /// after a crash (routing re-bids every node after a lost race); with 2 s it was 0.36 storage
    /// writes per durable order, as every SKU that sold wrote its record every 2 s.
    /// </summary>
    public TimeSpan AvailabilityFlushInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether a customer's order index not yet stored as rows is looked for in the one-record form
    /// earlier code wrote (and carried over). On by default, so an upgraded grid keeps every index; it
    /// costs a storage read per new customer, which a grid that never ran the earlier code can save
    /// by turning it off.
    /// </summary>
    public bool CarryOverCustomerIndexRecords { get; set; } = true;

    /// <summary>
    /// Stock grains share one storage write among the calls that arrive while a write is in flight.
    /// Off only to measure what group commit buys.
    /// </summary>
    public bool CoalesceStockWrites { get; set; } = true;

    /// <summary>
    /// How long a stock grain's next write may wait for the callers its previous write just answered
    /// (see <see cref="GroupCommit"/>): under steady load on a hot SKU they come back within a fraction
    /// of a millisecond, and one write then carries them all instead of half of them. Zero: never wait.
    /// </summary>
    public TimeSpan StockWriteLinger { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// The Azure Table ledger's header carries the latest changes, so most stock writes are one entity
    /// instead of a transaction of two. Off while silos built before it (which would not see those
    /// changes) may still read ledgers, during a rolling upgrade from them.
    /// </summary>
    public bool StockLedgerInlineLog { get; set; } = true;

    /// <summary>
    /// How long a silo gathers its orders' events per shard before the next stream message (see
    /// <see cref="Events.OrderEventOutbox"/>): one message carries every order of the interval. Zero sends
    /// as soon as the last message is on the stream (still gathering the orders that came meanwhile).
    /// </summary>
    public TimeSpan EventPublishInterval { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// How long a stock ledger remembers a closed reservation or an applied operation (so a replay
    /// answers the first result) before forgetting it. Orders make their pending work durable as done
    /// long before this, so nothing replays against a forgotten record.
    /// </summary>
    public TimeSpan StockTombstoneRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long an order with no work left stays in memory after its last call: long enough for a
    /// storefront's follow-up read, short enough that a million-order day does not keep a million grains.
    /// Two seconds, not ten, since session 14: every order that stays outlives the ephemeral collections
    /// and is copied by them, and at half the peak the open loop's p99 fell from 239-283 ms to 167-169 ms.
    /// </summary>
    public TimeSpan SettledOrderIdle { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a node remembers a capacity claim it granted, so that a replay of it counts once
    /// (<see cref="OrleansOrders.Nodes.CapacityLedger.ReplayWindow"/>). Replays come within their allocation's seconds.
    /// </summary>
    public TimeSpan CapacityClaimReplayWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How many grain addresses each silo's directory cache keeps (Orleans' default is a million). The
    /// cache kept an entry for every order the silo had seen: 377,000 entries after 138 s of steady
    /// load, the largest thing growing on the heap (a heap snapshot, docs/benchmarks.md session 10).
    /// The grains worth caching are the stock grains, nodes and availability grains, a few thousand on
    /// a large network; an order is touched for a few seconds. An entry evicted only costs a directory
    /// lookup on the next call.
    /// </summary>
    public int DirectoryCacheSize { get; set; } = 100_000;

    /// <summary>
    /// Shards of the order recovery sweep (each a grain with its own reminder), dividing the order-record
    /// store's 16 partitions between them (so a divisor of 16). Orders write their recovery entries
    /// beside their records, so shards cost no write on the order's path; a shard's sweep reads its
    /// partitions' entries. Shards dropped by lowering this keep their reminders and sweep what their
    /// own ledger of the earlier version still holds.
    /// </summary>
    public int RecoveryShards { get; set; } = 4;

    /// <summary>
    /// Read an order that the order-record store does not hold from the grain storage where versions
    /// before the record store kept it (state "order"); its next write moves it. On while upgrading a
    /// cluster that holds orders of such a version; off otherwise, since it costs a second read for
    /// every new order.
    /// </summary>
    public bool ReadPreviousOrderRecords { get; set; }

    /// <summary>How old an unfinished order must be before the recovery sweep finishes it (younger ones are still running).</summary>
    public TimeSpan RecoveryGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often each recovery shard's reminder sweeps (Orleans reminders tick at most once a minute by default).</summary>
    public TimeSpan RecoverySweepPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Stream provider order events are published on; empty to publish none.</summary>
    public string EventStreamProvider { get; set; } = "events";

    /// <summary>How long a pickup parcel waits at the store before it is cancelled and its units released.</summary>
    public TimeSpan PickupWindow { get; set; } = TimeSpan.FromDays(3);

    /// <summary>How often each webhook dispatcher looks for due deliveries.</summary>
    public TimeSpan WebhookPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>First retry delay of a failed webhook delivery; doubles per attempt, at most 5 minutes.</summary>
    public TimeSpan WebhookBackoff { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Attempts before an event is dead-lettered for its subscription.</summary>
    public int WebhookMaxAttempts { get; set; } = 8;

    /// <summary>Attempts at an idempotent call (commit, release) before the order grain gives up for now and resumes later.</summary>
    public int MaxCallAttempts { get; set; } = 3;

    /// <summary>How orders are routed: objectives and limits per sales channel, dispatch rules ("Grid:Routing").</summary>
    public RoutingSettings Routing { get; set; } = new();

    /// <summary>The background opportunity-cost refresh ("Grid:OpportunityCost").</summary>
    public OpportunityCostSettings OpportunityCost { get; set; } = new();

    /// <summary>When parcels are released to their nodes (at once, or in waves), and the re-optimiser before release ("Grid:Release").</summary>
    public ReleaseSettings Release { get; set; } = new();

    /// <summary>Nodes' reliability records, the risk their bids carry, and the routers' breakers ("Grid:NodeReliability").</summary>
    public NodeReliabilitySettings NodeReliability { get; set; } = new();
}
