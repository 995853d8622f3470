using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;
using OrleansOrders.Nodes;
using OrleansOrders.Routing;

namespace OrleansOrders.Grains.Nodes;

[GenerateSerializer, Alias("oo.NodeState")]
public sealed class NodeState : IWriteStamped
{
    public const int CurrentSchemaVersion = 4;

    [Id(0)] public int SchemaVersion { get; set; } = CurrentSchemaVersion;
    [Id(1)] public NodeProfile? Profile { get; set; }
    /// <summary>Schema 1 kept one day of claims here; read once and counted in <see cref="Capacity"/>.</summary>
    [Id(2)] public DateOnly CapacityDate { get; set; }
    [Id(3)] public HashSet<string> CapacityClaims { get; set; } = new(StringComparer.Ordinal);
    /// <summary>SKUs given a stock level at this node, for operators' inventory views.</summary>
    [Id(4)] public SortedSet<string> Skus { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Schema 2 kept a set of order ids per day here; read once and counted in <see cref="Capacity"/>.</summary>
    [Id(5)] public SortedDictionary<DateOnly, HashSet<string>> ClaimsByDay { get; set; } = [];
    /// <summary>Capacity used per dispatch day, and the releases of the open days (schema 4; schema 3 also kept every claim).</summary>
    [Id(6)] public NodeCapacity Capacity { get; set; } = new();
    /// <summary>Names the write that stored this state, so a write reported failed can be told landed or not.</summary>
    [Id(7)] public Guid WriteStamp { get; set; }

    /// <summary>
    /// Counts the claims of older schemas in <see cref="Capacity"/> and hands over the claims they stored
    /// one by one (for the node's memory, so their replays stay no-ops); true when anything changed.
    /// </summary>
    public bool Upgrade(out IReadOnlyDictionary<string, DateOnly> storedClaims)
    {
        var moved = false;
        if (CapacityClaims.Count > 0)
        {
            foreach (var order in CapacityClaims)
            {
                Capacity.CountLegacy(order, CapacityDate);
            }
            CapacityClaims.Clear();
            moved = true;
        }
        if (ClaimsByDay.Count > 0)
        {
            foreach (var (day, orders) in ClaimsByDay)
            {
                foreach (var order in orders)
                {
                    Capacity.CountLegacy(order, day);
                }
            }
            ClaimsByDay.Clear();
            moved = true;
        }
        storedClaims = Capacity.Claims;
        if (Capacity.Claims.Count > 0)
        {
            Capacity.Claims = new(StringComparer.Ordinal);
            moved = true;
        }
        moved |= SchemaVersion != CurrentSchemaVersion;
        SchemaVersion = CurrentSchemaVersion;
        return moved;
    }
}

/// <summary>
/// A fulfilment node: its profile, status and daily dispatch capacity, and its bids. Profile changes
/// are written at once; capacity claims (per dispatch day) are soft state written by a timer, since a
/// claim lost in a crash lets the node take a few orders more than its capacity, a planning figure,
/// not stock. Bids carry everything the router's rules need: stock, transit, cutoff, capacity by day,
/// channel reserves, expected receipts and the node's opportunity cost (fetched in the background).
/// </summary>
/// <remarks>
/// Every change is applied in memory and kept in a journal until a write that carries it succeeds.
/// A write refused for a stale ETag (or one that failed without telling whether it landed) reloads
/// the state and re-applies the journal, less what the failed write carried when the stored state
/// bears its stamp (it landed). Capacity is stored as numbers per day (see <see cref="CapacityLedger"/>),
/// so a flush costs the same whatever the node was promised. The flush timer exists only while the
/// journal is not empty.
/// </remarks>
public sealed class FulfilmentNodeGrain(
    [PersistentState("node", GridOptions.StorageName)] IPersistentState<NodeState> state,
    GridClock clock,
    IOptions<GridOptions> options,
    ILogger<FulfilmentNodeGrain> logger) : Grain, IFulfilmentNodeGrain
{
    /// <summary>Changes not yet known to be durable, and the writes and reloads that make them so.</summary>
    private StateJournal<NodeState> _journal = null!;
    /// <summary>The capacity rules over the stored counters, and the claims this activation granted (memory only).</summary>
    private CapacityLedger _capacity = null!;
    private IGrainTimer? _flushTimer;
    private OpportunityCosts _opportunityCosts = new(default, new Dictionary<string, decimal>());
    private long _costsFetchedAt = long.MinValue;
    private bool _fetchingCosts;
    /// <summary>The latest offer per SKU the node's stock grains told it or a bid read, and when (ticks) it arrived.</summary>
    private readonly Dictionary<string, (StockOffer Offer, long At)> _offers = new(StringComparer.Ordinal);
    /// <summary>How the node kept its promises lately (memory only: soft state, see docs/architecture.md).</summary>
    private NodeReliability _reliability = null!;
    /// <summary>Each silo's router breaker on this node, as last reported (at most one entry per silo).</summary>
    private readonly Dictionary<string, RouterBreakerView> _breakers = new(StringComparer.Ordinal);
    private const int MaxBreakerSilos = 64;

    private NodeState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _journal = new StateJournal<NodeState>(state, AfterRead, logger, $"Node {this.GetPrimaryKeyString()}");
        _capacity = new CapacityLedger(S.Capacity.UsedByDay, S.Capacity.Released) { ReplayWindow = options.Value.CapacityClaimReplayWindow };
        _reliability = new NodeReliability(options.Value.NodeReliability.Record(), clock.UtcNow);
        if (Upgrade(S) && S.Profile is not null)
        {
            Record(new Change.Upgraded()); // the old schema is rewritten by the next flush
        }
        FetchOpportunityCostsIfStale();
        if (S.Profile is { } profile)
        {
            GridMetrics.NodeCapacity(profile.NodeId, ClaimsToday(), profile.DailyCapacity);
        }
        return Task.CompletedTask;
    }

    /// <summary>Upgrades a state read from storage and points the capacity rules at its counters (what this activation remembers stays).</summary>
    private void AfterRead(NodeState read)
    {
        _capacity.Rebase(read.Capacity.UsedByDay, read.Capacity.Released);
        read.Upgrade(out _); // claims an older schema stored were remembered on activation
    }

    private bool Upgrade(NodeState read)
    {
        var upgraded = read.Upgrade(out var storedClaims);
        foreach (var (claim, day) in storedClaims)
        {
            _capacity.Remember(claim, day);
        }
        return upgraded;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await FlushClaimsAsync();
        _flushTimer?.Dispose();
        _flushTimer = null;
    }

    async Task<NodeView> IFulfilmentNodeGrain.Register(NodeProfile profile)
    {
        if (profile.Validate() is { Count: > 0 } errors)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(profile));
        }
        if (profile.NodeId != this.GetPrimaryKeyString())
        {
            throw new ArgumentException($"Profile of node '{profile.NodeId}' sent to node '{this.GetPrimaryKeyString()}'.", nameof(profile));
        }
        await WriteNowAsync(new Change.SetProfile(profile));
        await GrainFactory.Reference<INetworkDirectoryGrain>(0).Register(profile.NodeId, profile.Location, profile.Kind);
        return View(S.Profile!);
    }

    Task<NodeView?> IFulfilmentNodeGrain.Get() =>
        Task.FromResult(S.Profile is { } profile ? View(profile) : null);

    async Task<NodeView?> IFulfilmentNodeGrain.Update(NodeUpdate update)
    {
        if (S.Profile is not { } profile)
        {
            return null;
        }
        if (update.DailyCapacity is < 0)
        {
            throw new ArgumentException("dailyCapacity must not be negative.", nameof(update));
        }
        if (update.Status is { } status && !Enum.IsDefined(status))
        {
            throw new ArgumentException("status is not a known value.", nameof(update));
        }
        var updated = update.ApplyTo(profile);
        if (updated.Validate() is { Count: > 0 } errors)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(update));
        }
        await WriteNowAsync(new Change.SetProfile(updated));
        GridMetrics.NodeCapacity(S.Profile!.NodeId, ClaimsToday(), S.Profile.DailyCapacity);
        return View(S.Profile);
    }

    async Task<StockSnapshot?> IFulfilmentNodeGrain.SetStock(string sku, StockLevel level, string operationId)
    {
        if (S.Profile is null)
        {
            return null;
        }
        var snapshot = await GrainFactory.Reference<IStockGrain>(Identifiers.StockKey(S.Profile.NodeId, sku)).SetLevel(operationId, level);
        if (!S.Skus.Contains(sku))
        {
            await WriteNowAsync(new Change.TrackSku(sku));
        }
        return snapshot;
    }

    async Task<bool> IFulfilmentNodeGrain.TrackSku(string sku)
    {
        if (S.Profile is null)
        {
            return false;
        }
        if (!S.Skus.Contains(sku))
        {
            await WriteNowAsync(new Change.TrackSku(sku));
        }
        return true;
    }

    Task<IReadOnlyList<string>> IFulfilmentNodeGrain.ListSkus() =>
        Task.FromResult<IReadOnlyList<string>>(S.Skus.ToList());

    async Task<NodeBid> IFulfilmentNodeGrain.Bid(BidRequest request)
    {
        var nodeId = this.GetPrimaryKeyString();
        if (S.Profile is not { } profile)
        {
            return NodeBid.Decline(nodeId, "unknown node");
        }
        if (profile.Status != NodeStatus.Open)
        {
            return NodeBid.Decline(nodeId, $"node is {profile.Status.ToString().ToLowerInvariant()}");
        }
        if (request.Pickup ? !profile.Capabilities.HasFlag(NodeCapabilities.PickupInStore)
            : (profile.Capabilities & (NodeCapabilities.ShipToHome | NodeCapabilities.ShipFromStore)) == 0)
        {
            return NodeBid.Decline(nodeId, request.Pickup ? "node does not offer pickup in store" : "node does not ship to customers");
        }
        if (profile.DailyCapacity <= 0)
        {
            return NodeBid.Decline(nodeId, "node has no daily capacity");
        }

        // Capacity by day from the order's day, as far as a parcel may be pushed (a cutoff adds a day).
        var orderDay = DateOnly.FromDateTime(request.OrderedAt.UtcDateTime);
        var promisedByDay = UsedByDay(orderDay);
        if (promisedByDay.All(used => used >= profile.DailyCapacity))
        {
            return NodeBid.Decline(nodeId, "daily capacity is used up");
        }

        FetchOpportunityCostsIfStale();
        _reliability.BidAnswered(clock.UtcNow);
        var risk = Risk(request);
        var stock = await OffersFor(nodeId, request);
        var offered = request.Lines
            .Select((line, i) => new OrderLine(line.Sku, NodeBidding.Offered(line.Quantity, stock[i].Reserve?.Quantity ?? 0, stock[i].Available)))
            .Where(l => l.Quantity > 0)
            .ToList();
        var terms = request.Lines
            .Select((line, i) => new SkuTerms(line.Sku, stock[i].Reserve, stock[i].Inbound, _opportunityCosts.BySku.GetValueOrDefault(line.Sku),
                risk?.GetValueOrDefault(line.Sku) ?? 0m))
            .Where(t => t.Reserve is not null || t.Inbound.Count > 0 || t.OpportunityCost > 0 || t.RejectRisk > 0)
            .ToList();
        if (offered.Count == 0 && !terms.Any(t => t.Inbound.Count > 0))
        {
            return NodeBid.Decline(nodeId, "no stock of the requested SKUs");
        }

        var origin = new GeoPoint(profile.Location.Latitude, profile.Location.Longitude);
        var destination = new GeoPoint(request.ShipTo.Latitude, request.ShipTo.Longitude);
        var cutoff = profile.CutoffUtc ?? options.Value.Routing.DefaultCutoffUtc;
        var (quote, promisedBy, distanceKm) = NodeBidding.Price(origin, RoutingSettings.ShipperTypeOf(profile.Kind), destination, request.OrderedAt, cutoff);
        return new NodeBid(
            nodeId, true, null, offered, quote.ShipmentCost, quote.UnitCost, promisedBy,
            profile.DailyCapacity - promisedByDay[0], distanceKm)
        {
            Kind = profile.Kind,
            TransitDays = quote.TransitDays,
            Priority = profile.Priority,
            ServiceRadiusKm = profile.ServiceRadiusKm,
            CutoffUtc = cutoff,
            DailyCapacity = profile.DailyCapacity,
            PromisedByDay = promisedByDay,
            Terms = terms,
            RejectedInARow = _reliability.RejectedInARow,
            ReliabilityScore = Math.Round(_reliability.Score, 4),
            RejectExcess = options.Value.NodeReliability.Enabled ? Math.Round(_reliability.RejectExcess, 4) : 0,
        };
    }

    /// <summary>
    /// What each unit asked adds to the objective for the risk of the parcel leaving late or being short-picked
    /// here (rejections are priced by the router, against the order's alternatives); null
    /// (nothing, no allocation) when reliability is off or the node's record is no worse than the prior.
    /// </summary>
    private IReadOnlyDictionary<string, decimal>? Risk(BidRequest request)
    {
        if (!options.Value.NodeReliability.Enabled || !_reliability.Priced)
        {
            return null;
        }
        var lines = new (string Sku, int Quantity)[request.Lines.Count];
        for (var i = 0; i < lines.Length; i++)
        {
            lines[i] = (request.Lines[i].Sku, request.Lines[i].Quantity);
        }
        return _reliability.RiskPerUnit(lines, rejectsPricedByRouter: true); // the router prices rejections per order (RejectExcess)
    }

    Task IFulfilmentNodeGrain.ReportParcel(ParcelOutcome outcome)
    {
        var now = clock.UtcNow;
        switch (outcome.Kind)
        {
            case ParcelOutcomeKind.Rejected or ParcelOutcomeKind.ShortPicked:
                _reliability.Rejected(now, outcome.Skus, shortPick: outcome.Kind == ParcelOutcomeKind.ShortPicked);
                break;
            case ParcelOutcomeKind.Shipped or ParcelOutcomeKind.ShippedLate:
                _reliability.Shipped(now, outcome.Skus, late: outcome.Kind == ParcelOutcomeKind.ShippedLate);
                break;
        }
        return Task.CompletedTask;
    }

    Task IFulfilmentNodeGrain.ReportBidTimeout()
    {
        _reliability.BidTimedOut(clock.UtcNow);
        return Task.CompletedTask;
    }

    Task IFulfilmentNodeGrain.ReportBreaker(RouterBreakerView breaker)
    {
        if (_breakers.Count < MaxBreakerSilos || _breakers.ContainsKey(breaker.Silo))
        {
            // Reports of one silo may arrive out of order (one-way): the later change wins.
            if (!_breakers.TryGetValue(breaker.Silo, out var known) || breaker.Since >= known.Since)
            {
                _breakers[breaker.Silo] = breaker;
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// The node's record and the breakers on it, for operators. The record stands as of its last fact (a
    /// bid, a parcel, a report): reading it changes nothing and ages nothing, so a node nobody asks shows
    /// the same record until something happens to it. An open breaker past its cool-down shows as
    /// half-open (it lets a probe through).
    /// </summary>
    private NodeReliabilityView ReliabilityView()
    {
        var now = clock.UtcNow;
        var settings = options.Value.NodeReliability;
        var r = _reliability.Snapshot(_reliability.AgedTo);
        var breakers = _breakers.Values
            .Select(b => b.State == NodeBreakerState.Open && now - b.Since >= settings.BreakerCoolDown ? b with { State = NodeBreakerState.HalfOpen } : b)
            .OrderBy(b => b.Silo, StringComparer.Ordinal)
            .ToList();
        var worst = breakers.Count == 0 ? NodeBreakerState.Closed
            : breakers.Any(b => b.State == NodeBreakerState.Open) ? NodeBreakerState.Open
            : breakers.Any(b => b.State == NodeBreakerState.HalfOpen) ? NodeBreakerState.HalfOpen : NodeBreakerState.Closed;
        return new NodeReliabilityView(
            Math.Round(r.Score, 4), Math.Round(r.RejectRate, 4), Math.Round(r.LateRate, 4), Math.Round(r.BidTimeoutRate, 4),
            Math.Round(r.Parcels, 2), Math.Round(r.Rejected, 2), Math.Round(r.ShortPicked, 2), Math.Round(r.Shipped, 2), Math.Round(r.Late, 2),
            Math.Round(r.BidTimeouts, 2), r.RejectedInARow, r.ExpectedRejectCost,
            r.ShortPickRateBySku.ToDictionary(p => p.Key, p => Math.Round(p.Value, 4), StringComparer.Ordinal),
            worst, breakers, settings.Enabled);
    }

    Task IFulfilmentNodeGrain.OfferChanged(string sku, StockOffer offer)
    {
        Remember(sku, offer);
        return Task.CompletedTask;
    }

    Task IFulfilmentNodeGrain.OffersChanged(IReadOnlyList<SkuOfferChange> changes)
    {
        foreach (var change in changes)
        {
            Remember(change.Sku, change.Offer);
        }
        return Task.CompletedTask;
    }

    private void Remember(string sku, StockOffer offer)
    {
        if (!_offers.TryGetValue(sku, out var known) || offer.Version >= known.Offer.Version)
        {
            _offers[sku] = (offer, Environment.TickCount64);
        }
    }

    /// <summary>
    /// The stock offer of each line: from the node's view while it is current (told within
    /// <see cref="GridOptions.BidOfferMaxAge"/>, no hold in it lapsed since, not a re-bid after a lost
    /// race) and covers the line, else read from the stock grain (all such reads together). A view
    /// that shows less than the line asks is read again because a bid that offers less than asked
    /// is what the router backorders on: it must never come from a view that missed a release or a
    /// receipt. A view that shows too much only loses the race at the hold, which re-checks.
    /// </summary>
    private async Task<StockOffer[]> OffersFor(string nodeId, BidRequest request)
    {
        var offers = new StockOffer[request.Lines.Count];
        List<(int Line, Task<StockOffer> Read)>? reads = null;
        var maxAge = (long)options.Value.BidOfferMaxAge.TotalMilliseconds;
        var now = Environment.TickCount64;
        for (var i = 0; i < offers.Length; i++)
        {
            var sku = request.Lines[i].Sku;
            if (!request.Fresh && _offers.TryGetValue(sku, out var known) && now - known.At < maxAge
                && (known.Offer.FirstHoldExpiry is not { } lapse || lapse > clock.UtcNow)
                && known.Offer.Available >= (long)request.Lines[i].Quantity + (known.Offer.Reserve?.Quantity ?? 0))
            {
                offers[i] = known.Offer;
                continue;
            }
            (reads ??= []).Add((i, GrainFactory.Reference<IStockGrain>(Identifiers.StockKey(nodeId, sku)).GetOffer()));
        }
        if (reads is not null)
        {
            foreach (var (line, read) in reads)
            {
                offers[line] = await read;
                Remember(request.Lines[line].Sku, offers[line]);
            }
        }
        return offers;
    }

    Task<bool> IFulfilmentNodeGrain.ClaimCapacity(string claimId, DateOnly day)
    {
        if (S.Profile is not { Status: NodeStatus.Open } profile)
        {
            return Task.FromResult(false);
        }
        DropPastDays();
        if (day < clock.Today)
        {
            day = clock.Today; // a plan made just before midnight dispatches today at the earliest
        }
        var (granted, changes) = _capacity.Claim(claimId, day, profile.DailyCapacity, clock.UtcNow);
        if (granted && changes.Count > 0)
        {
            _reliability.ParcelReleased(clock.UtcNow); // a new parcel here (a replay changes nothing and is not counted)
        }
        if (changes.Count > 0)
        {
            Record(new Change.Capacity(changes));
            GridMetrics.NodeCapacity(profile.NodeId, ClaimsToday(), profile.DailyCapacity);
        }
        return Task.FromResult(granted);
    }

    Task IFulfilmentNodeGrain.ReleaseCapacity(string claimId, DateOnly? day)
    {
        ArgumentException.ThrowIfNullOrEmpty(claimId);
        DropPastDays();
        if (_capacity.Release(claimId, day, clock.Today) is { Count: > 0 } changes)
        {
            Record(new Change.Capacity(changes));
            if (S.Profile is { } profile)
            {
                GridMetrics.NodeCapacity(profile.NodeId, ClaimsToday(), profile.DailyCapacity);
            }
        }
        return Task.CompletedTask;
    }

    private int ClaimsToday() => _capacity.UsedOn(clock.Today);

    private void DropPastDays()
    {
        if (_capacity.DropBefore(clock.Today) is { Count: > 0 } changes)
        {
            Record(new Change.Capacity(changes));
        }
    }

    private NodeView View(NodeProfile profile) => new(profile, clock.Today, ClaimsToday())
    {
        CapacityUsedByDay = UsedByDay(clock.Today),
        Reliability = ReliabilityView(),
    };

    /// <summary>Capacity used on each day from <paramref name="from"/>, as far as a parcel may be pushed (a cutoff adds a day): what bids and operators see.</summary>
    private List<int> UsedByDay(DateOnly from)
    {
        var horizon = Math.Max(0, options.Value.Routing.LongestDispatchDelayDays) + 2;
        var byDay = new List<int>(horizon);
        for (var d = 0; d < horizon; d++)
        {
            byDay.Add(_capacity.UsedOn(from.AddDays(d)));
        }
        return byDay;
    }

    /// <summary>
    /// Starts a copy of this node's opportunity costs from the network's table when the last one is
    /// older than the fetch interval. Pulled by bids rather than pushed by a timer, so an idle node
    /// does no work; not awaited, so a bid never waits for it (the first bids may carry none).
    /// </summary>
    private void FetchOpportunityCostsIfStale()
    {
        var settings = options.Value.OpportunityCost;
        var every = settings.NodeFetchInterval ?? settings.RefreshInterval;
        if (!settings.Enabled || _fetchingCosts
            || (_costsFetchedAt != long.MinValue && Environment.TickCount64 - _costsFetchedAt < every.TotalMilliseconds))
        {
            return;
        }
        _fetchingCosts = true;
        _ = FetchOpportunityCostsAsync();
    }

    /// <summary>Copies this node's opportunity costs from the network's table; a failure keeps the last ones.</summary>
    private async Task FetchOpportunityCostsAsync()
    {
        try
        {
            _opportunityCosts = await GrainFactory.Reference<IOpportunityCostGrain>(0).ForNode(this.GetPrimaryKeyString());
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Node {Node}: opportunity costs not refreshed", this.GetPrimaryKeyString());
        }
        finally
        {
            _costsFetchedAt = Environment.TickCount64;
            _fetchingCosts = false;
        }
    }

    /// <summary>Keeps a soft change (already applied in memory) for the next flush, and makes sure a flush is coming.</summary>
    private void Record(Change change)
    {
        _journal.Record(change);
        if (_flushTimer is null)
        {
            var every = options.Value.SoftStateFlushInterval;
            _flushTimer = this.RegisterGrainTimer(FlushClaimsAsync, every, every);
        }
    }

    private Task WriteNowAsync(Change change) => _journal.WriteNowAsync(change);

    /// <summary>The flush timer: writes the journal, and stops when nothing is left to write.</summary>
    private async Task FlushClaimsAsync()
    {
        // A failed flush reloads, so the next tick's ETag is current: a stale ETag costs one refused write, not one per tick.
        await _journal.FlushAsync();
        if (_journal.Pending == 0 && _flushTimer is { } timer)
        {
            timer.Dispose();
            _flushTimer = null;
        }
    }

    /// <summary>A change to the node's state, applied again on top of a reload unless the write that carried it landed (see <see cref="IWriteStamped"/>).</summary>
    private abstract record Change : IJournaledChange<NodeState>
    {
        public abstract void ApplyTo(NodeState state);

        public sealed record SetProfile(NodeProfile Profile) : Change
        {
            public override void ApplyTo(NodeState state) => state.Profile = Profile;
        }

        public sealed record TrackSku(string Sku) : Change
        {
            public override void ApplyTo(NodeState state) => state.Skus.Add(Sku);
        }

        /// <summary>What a claim, release or day change did to the stored counters; applied once (the state is write-stamped).</summary>
        public sealed record Capacity(IReadOnlyList<CapacityDelta> Deltas) : Change
        {
            public override void ApplyTo(NodeState state)
            {
                foreach (var delta in Deltas)
                {
                    CapacityLedger.Apply(delta, state.Capacity.UsedByDay, state.Capacity.Released);
                }
            }
        }

        /// <summary>State read in an older schema, upgraded in memory (the upgrade happens on every read).</summary>
        public sealed record Upgraded : Change
        {
            public override void ApplyTo(NodeState state)
            {
            }
        }
    }
}
