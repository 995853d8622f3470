using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;
using OrleansOrders.Nodes;
using OrleansOrders.Routing;

namespace OrleansOrders.Grains.Routing;

/// <summary>
/// Routes one allocation: bids, the solver's plan, holds and capacity claims, further rounds after a
/// lost race. One per silo, shared: the order grain runs it in its own turn (the order waits for its
/// routing either way, so a grain call to a router only added a hop), and <see cref="RouterGrain"/>
/// serves the other callers. Safe to run for many orders at once: each allocation's working set lives
/// in the locals of its own call, and what is shared (the node directory and opportunity costs, copied
/// on a bound; breakers, the availability copy, the shadow planner) is thread-safe.
/// </summary>
public sealed class Router(
    IOptions<GridOptions> options,
    ShadowPlanner shadow,
    NodeBreakers breakers,
    AvailabilityCache availabilityCache,
    IGrainFactory grains,
    ILogger<Router> logger)
{

    private readonly GridOptions _options = options.Value;
    private readonly Lock _gate = new();
    private volatile Copy<IReadOnlyDictionary<string, NodeSite>>? _sites;
    private Task<IReadOnlyDictionary<string, NodeSite>>? _sitesRead;
    private volatile OpportunityCostsByNode? _opportunity; // the network's table, for the candidates' cost estimate
    private long _opportunityFetchedAt = long.MinValue;
    private int _fetchingOpportunity;

    /// <summary>A value copied from a grain, and when (<see cref="Environment.TickCount64"/>).</summary>
    private sealed record Copy<T>(T Value, long At);

    public async Task<RoutingResult> AllocateAsync(AllocationRequest request)
    {
        var started = GridMetrics.Now();
        var result = await AllocateCore(request);
        var outcome = result.UnknownSkus.Count > 0 ? "unknown_sku"
            : result.Backordered.Count == 0 ? "allocated"
            : result.Shipments.Count > 0 ? "partially_allocated" : "backordered";
        GridMetrics.AllocationFinished(System.Diagnostics.Stopwatch.GetElapsedTime(started), result.Rounds, outcome);
        return result;
    }

    private async Task<RoutingResult> AllocateCore(AllocationRequest request)
    {
        var wanted = AllocationSolver.Consolidate(request.Lines.Select(l => new DemandLine(l.Sku, l.Quantity) { KitId = l.KitId }));
        var kitOf = wanted.ToDictionary(w => w.Sku, w => w.KitId, StringComparer.Ordinal);

        var availability = await Task.WhenAll(wanted.Select(w => availabilityCache.Get(w.Sku)));
        var unknown = availability.Where(a => !a.Known).Select(a => a.Sku).ToList();
        if (unknown.Count > 0)
        {
            return new RoutingResult([], [], 0, unknown, []);
        }

        // The order's rules: grid defaults, then its channel's, then its own choices.
        var options = _options.Routing.For(request.Channel, request.Routing, request.OrderedAt);
        if (request.OnlyNode is { } store)
        {
            options = options with { PickupNodeId = store }; // what the store lacks is the order grain's to ship, if allowed
        }

        var take = new Takings(request, grains, logger);
        var excluded = new HashSet<string>(request.ExcludedNodes ?? [], StringComparer.Ordinal); // paused, declining or rejecting nodes
        var remaining = wanted.ToList();
        IReadOnlyList<NodeBid> lastBids = [];
        IReadOnlyList<NodeOffer> lastOffers = [];
        IReadOnlyList<OfferExclusion> lastExcluded = [];
        var rounds = 0;
        FastPathNote? fastPath = null; // kept only when the first round's fast-path plan is the outcome

        while (remaining.Count > 0 && rounds < _options.MaxRoutingRounds)
        {
            rounds++;
            var sites = await NodeSites();
            // A pickup order is fulfilled by the customer's store and no other.
            var candidates = request.OnlyNode is { } only
                ? (excluded.Contains(only) ? [] : [only])
                : Candidates(availability, remaining, excluded, rounds, request.ShipTo, sites, options);
            var notAsked = request.OnlyNode is null ? SkipOpenBreakers(candidates) : []; // a pickup order's store is asked whatever its breaker says
            if (candidates.Count == 0)
            {
                lastBids = notAsked;
                break;
            }

            var bidRequest = new BidRequest(request.OrderId, request.ShipTo, remaining.Select(r => new OrderLine(r.Sku, r.Quantity)).ToList(), request.OrderedAt, request.OnlyNode is not null,
                Fresh: rounds > 1); // a later round follows a lost race: bids read the stock grains again
            var solveOptions = options with { MaxShipments = options.MaxShipments - take.Parcels.Count };
            AllocationPlan? plan = null;
            if (rounds == 1 && _options.RoutingFastPath && FastPathBound(candidates, solveOptions, request.ShipTo, sites, remaining.Sum(r => r.Quantity)) is { } bound)
            {
                // The fast path: the first candidate alone, kept when the solver's plan over its bid
                // provably is the plan over every candidate's (SingleNodeShortcut); else the rest are asked too.
                lastBids = await CollectBids([candidates[0]], bidRequest);
                var first = PriceRejects(lastBids.Where(b => b.Accepts).Select(b => BidTerms.ToOffer(b)).ToList(), lastBids, remaining);
                var alone = AllocationSolver.Solve(remaining, first, solveOptions);
                // A node that rejects more than the prior never settles alone: its price depends on the others' bids.
                if (!HasRejectRisk(lastBids) && SingleNodeShortcut.Settles(alone, solveOptions, bound))
                {
                    (plan, lastOffers) = (alone, first);
                    fastPath = new FastPathNote(bound.OthersLeast, candidates.Count - 1);
                }
                else
                {
                    lastBids = [.. lastBids, .. await CollectBids(candidates[1..], bidRequest)];
                }
                GridMetrics.FastPathTried(plan is not null);
            }
            else
            {
                lastBids = await CollectBids(candidates, bidRequest);
            }
            if (notAsked.Count > 0)
            {
                lastBids = [.. lastBids, .. notAsked];
            }
            foreach (var declined in lastBids.Where(b => !b.Accepts))
            {
                excluded.Add(declined.NodeId);
            }
            if (plan is null)
            {
                lastOffers = PriceRejects(lastBids.Where(b => b.Accepts).Select(b => BidTerms.ToOffer(b)).ToList(), lastBids, remaining);
                plan = AllocationSolver.Solve(remaining, lastOffers, solveOptions);
            }
            if (rounds == 1 && request.OnlyNode is null && !request.QuoteOnly && shadow.IsActive)
            {
                // The shadow policy plans on these same bids, on this silo's background planner: a queue write here, nothing awaited.
                if (fastPath is not null)
                {
                    shadow.FastPathTaken();
                }
                else
                {
                    shadow.Observe(request.OrderId, remaining, lastOffers, solveOptions, plan, request.OrderedAt);
                }
            }
            lastExcluded = plan.Excluded;
            if (request.QuoteOnly)
            {
                return Quote(plan, lastBids, rounds, options);
            }
            if (plan.Shipments.Count == 0)
            {
                break;
            }

            var outcomes = await Task.WhenAll(plan.Shipments.Select(s => TryTakeShipment(request, s, take)));
            var shortfall = outcomes.SelectMany(o => o.Failed).ToList();
            var granted = outcomes.Where(o => o.Granted.Count > 0).ToList();

            // Lines that travel together (the whole order when it ships complete, else each kit) are
            // kept only if every one of them was granted: the rest goes back and the round is re-planned.
            var undo = options.ShipComplete && shortfall.Count > 0
                ? granted.SelectMany(o => o.Granted.Select(l => (o.Shipment.NodeId, Line: l))).ToList()
                : granted.SelectMany(o => o.Granted.Where(l => l.KitId is { } kit && o.Failed.Any(f => f.KitId == kit)).Select(l => (o.Shipment.NodeId, Line: l))).ToList();
            await take.GiveBack(undo);
            foreach (var outcome in granted)
            {
                var kept = outcome.Granted.Where(l => !undo.Contains((outcome.Shipment.NodeId, l))).ToList();
                if (kept.Count > 0)
                {
                    take.AddToParcel(outcome.Shipment, kept, lastBids.First(b => b.NodeId == outcome.Shipment.NodeId));
                }
            }
            await take.ReleaseUnusedCapacity(outcomes.Select(o => o.Shipment.NodeId));

            var stillWanted = plan.Unallocated.Concat(shortfall.Concat(undo.Select(u => u.Line)).Select(l => new DemandLine(l.Sku, l.Quantity) { KitId = l.KitId }));
            remaining = AllocationSolver.Consolidate(stillWanted).ToList();

            // Bids already said nobody has more than this: another round can only help after a lost race.
            if (shortfall.Count == 0)
            {
                break;
            }
        }

        var dates = remaining.Count == 0 ? [] : await PromiseFromInbound(request, remaining, lastOffers, options);
        return new RoutingResult(
            take.Parcels.Values.OrderBy(p => p.NodeId, StringComparer.Ordinal).ToList(),
            remaining.Select(r => new OrderLine(r.Sku, r.Quantity, 0m, kitOf.GetValueOrDefault(r.Sku))).ToList(),
            rounds, [], lastBids)
        {
            BackorderDates = dates,
            Excluded = lastExcluded.Select(e => new NodeExclusion(e.NodeId, e.Reason)).ToList(),
            Applied = new RoutingPreferences(RoutingSettings.ToGoal(options.Objective), options.ShipComplete, options.MaxShipments),
            FastPath = rounds == 1 ? fastPath : null, // a later round re-bid everyone after a lost race
        };
    }

    /// <summary>
    /// The plan over the first round's bids, priced as an allocation would price it, with nothing held
    /// or claimed (the re-optimiser asks this first, and allocates only when the quote beats what the order has).
    /// </summary>
    private static RoutingResult Quote(AllocationPlan plan, IReadOnlyList<NodeBid> bids, int rounds, SolverOptions options) =>
        new(plan.Shipments.Select(s =>
            {
                var bid = bids.First(b => b.NodeId == s.NodeId);
                var lines = s.Lines.Select(l => new OrderLine(l.Sku, l.Quantity, 0m, l.KitId)).ToList();
                return new ShipmentAllocation(s.NodeId, lines, bid.ShipmentCost + bid.UnitCost * lines.Sum(l => l.Quantity), s.PromisedBy, DispatchOn: s.DispatchOn);
            }).ToList(),
            plan.Unallocated.Select(l => new OrderLine(l.Sku, l.Quantity, 0m, l.KitId)).ToList(),
            rounds, [], bids)
        {
            Applied = new RoutingPreferences(RoutingSettings.ToGoal(options.Objective), options.ShipComplete, options.MaxShipments),
        };

    /// <summary>
    /// Dates for what stays backordered: the solver's backorder rule picks, from the offers' expected
    /// receipts, the node whose supply covers each line earliest; the stock grain there then promises
    /// the units, first come first served, so two orders never count on the same inbound unit.
    /// </summary>
    private async Task<IReadOnlyList<BackorderDate>> PromiseFromInbound(
        AllocationRequest request, IReadOnlyList<DemandLine> remaining, IReadOnlyList<NodeOffer> offers, SolverOptions options)
    {
        var sources = offers.Where(o => OfferEligibility.MayPromiseInbound(o, options, pickup: request.OnlyNode is not null)).ToList();
        if (sources.Count == 0 || sources.All(s => s.Inbound.Count == 0))
        {
            return [];
        }
        var promises = BackorderRule.Promise(remaining, sources, options.ReceiptHandlingDays)
            .Where(p => p.NodeId is not null)
            .GroupBy(p => (NodeId: p.NodeId!, p.Sku))
            .Select(g => (g.Key.NodeId, g.Key.Sku, Quantity: g.Sum(p => p.Quantity)))
            .ToList();
        var byNode = sources.ToDictionary(s => s.NodeId, StringComparer.Ordinal);
        var dated = await Task.WhenAll(promises.Select(async p =>
        {
            try
            {
                var arrives = await grains.Reference<IStockGrain>(Identifiers.StockKey(p.NodeId, p.Sku)).PromiseInbound(request.OrderId, p.Quantity);
                return arrives is { } day
                    ? new BackorderDate(p.Sku, p.Quantity, p.NodeId, day.AddDays(Math.Max(0, options.ReceiptHandlingDays) + byNode[p.NodeId].Quote.TransitDays))
                    : null;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Order {Order}: inbound promise of {Sku} at {Node} failed; left undated", request.OrderId, p.Sku, p.NodeId);
                return null;
            }
        }));
        return dated.OfType<BackorderDate>().ToList();
    }

    /// <summary>
    /// Nodes worth asking (<see cref="BidCandidates.Rank"/>): in the first round those that report stock
    /// (or expected receipts, for backorder dates) of a wanted SKU; later rounds also ask nodes that
    /// reported none, since the report may be stale. Ranked by coverage and by what the solver is
    /// estimated to pay there: the shipping model's parcel from the node's site (its kind from the
    /// directory) plus, when the order counts it, the opportunity cost of the units taken there (the
    /// network's table, copied here as nodes copy their part); then each line's cheapest source, the
    /// parcels of a split.
    /// </summary>
    private List<string> Candidates(NetworkAvailability[] availability, List<DemandLine> remaining, HashSet<string> excluded, int round,
        Location shipTo, IReadOnlyDictionary<string, NodeSite> sites, SolverOptions options)
    {
        var customer = new GeoPoint(shipTo.Latitude, shipTo.Longitude);
        CandidateSite? SiteOf(string nodeId) => sites.TryGetValue(nodeId, out var site)
            ? new CandidateSite(new GeoPoint(site.Location.Latitude, site.Location.Longitude), site.Kind is { } kind ? RoutingSettings.ShipperTypeOf(kind) : null)
            : null; // registered since the directory was read: asked after the known ones
        var costs = new CandidateCosts(customer, SiteOf);
        if (options.OpportunityCostWeight > 0 && OpportunityTable() is { Count: > 0 } table)
        {
            costs = costs with
            {
                OpportunityOf = (nodeId, sku) => table.TryGetValue(nodeId, out var bySku) ? bySku.GetValueOrDefault(sku) : 0m,
                OpportunityWeight = options.OpportunityCostWeight,
            };
        }
        var stock = availability.SelectMany(a => a.Nodes.Select(n => new CandidateStock(n.NodeId, a.Sku, n.Available, n.Inbound)));
        return BidCandidates.Rank(stock, remaining, excluded, askEmpty: round > 1, costs, _options.MaxBidCandidates);
    }

    /// <summary>
    /// The network's opportunity costs by node, as last copied; starts a new copy, not awaited, when the
    /// last is older than a node's fetch interval, so an order never waits for it (the first orders of an
    /// activation rank without). Null or empty: opportunity cost off or not computed yet.
    /// </summary>
    private IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>>? OpportunityTable()
    {
        var settings = _options.OpportunityCost;
        if (!settings.Enabled)
        {
            return null;
        }
        var every = settings.NodeFetchInterval ?? settings.RefreshInterval;
        var fetchedAt = Interlocked.Read(ref _opportunityFetchedAt);
        if ((fetchedAt == long.MinValue || Environment.TickCount64 - fetchedAt >= every.TotalMilliseconds)
            && Interlocked.CompareExchange(ref _fetchingOpportunity, 1, 0) == 0)
        {
            _ = FetchOpportunityAsync();
        }
        return _opportunity?.ByNode;
    }

    private async Task FetchOpportunityAsync()
    {
        try
        {
            _opportunity = await grains.Reference<IOpportunityCostGrain>(0).GetTable().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Router: opportunity costs not copied; candidates ranked with the last ones");
        }
        finally
        {
            Interlocked.Exchange(ref _opportunityFetchedAt, Environment.TickCount64);
            Volatile.Write(ref _fetchingOpportunity, 0);
        }
    }

    /// <summary>
    /// The least any candidate but the first could charge for a parcel of <paramref name="units"/>, when
    /// the fast path is worth a try: the order's rules admit it, every candidate's location is known, and
    /// a node at the first candidate's place could undercut them all. Null: ask every candidate at once
    /// (a try that fails costs a second round trip of bids).
    /// </summary>
    private static FastPathBound? FastPathBound(List<string> candidates, SolverOptions options, Location shipTo,
        IReadOnlyDictionary<string, NodeSite> sites, int units)
    {
        if (!SingleNodeShortcut.Applies(options, candidates.Count))
        {
            return null;
        }
        var known = new CandidateSite[candidates.Count];
        for (var i = 0; i < candidates.Count; i++)
        {
            if (!sites.TryGetValue(candidates[i], out var site))
            {
                return null; // registered since the directory was read: its place bounds nothing
            }
            known[i] = new CandidateSite(new GeoPoint(site.Location.Latitude, site.Location.Longitude), site.Kind is { } kind ? RoutingSettings.ShipperTypeOf(kind) : null);
        }
        return SingleNodeShortcut.Bound(known, new GeoPoint(shipTo.Latitude, shipTo.Longitude), units, options);
    }

    /// <summary>
    /// Node sites (location and kind) from the network directory, read again every
    /// <see cref="GridOptions.NodeDirectoryRefresh"/> by one caller while the others wait for that read;
    /// a failed read keeps the last.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, NodeSite>> NodeSites()
    {
        if (_sites is { } copy && Environment.TickCount64 - copy.At < (long)_options.NodeDirectoryRefresh.TotalMilliseconds)
        {
            return copy.Value;
        }
        Task<IReadOnlyDictionary<string, NodeSite>> reading;
        lock (_gate)
        {
            if (_sitesRead is null || _sitesRead.IsCompleted)
            {
                _sitesRead = ReadSitesAsync();
            }
            reading = _sitesRead;
        }
        return await reading;
    }

    private async Task<IReadOnlyDictionary<string, NodeSite>> ReadSitesAsync()
    {
        try
        {
            var sites = await grains.Reference<INetworkDirectoryGrain>(0).GetSites().ConfigureAwait(false);
            _sites = new Copy<IReadOnlyDictionary<string, NodeSite>>(sites, Environment.TickCount64);
            return sites;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Router: node directory not read; ranking candidates by coverage alone");
            return _sites?.Value ?? new Dictionary<string, NodeSite>();
        }
    }

    private bool HasRejectRisk(IReadOnlyList<NodeBid> bids)
    {
        if (!_options.NodeReliability.Enabled)
        {
            return false;
        }
        foreach (var bid in bids)
        {
            if (bid.Accepts && bid.RejectExcess > 0)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Adds to the offer of each node that rejects more than the prior what a rejection there would cost
    /// this order (<see cref="RerouteRisk"/>). The offers are returned as they are, with nothing
    /// allocated, when no bid carries such a risk: the usual case.
    /// </summary>
    private IReadOnlyList<NodeOffer> PriceRejects(List<NodeOffer> offers, IReadOnlyList<NodeBid> bids, IReadOnlyList<DemandLine> remaining)
    {
        if (!HasRejectRisk(bids))
        {
            return offers;
        }
        var risky = bids.Where(b => b.Accepts && b.RejectExcess > 0).ToDictionary(b => b.NodeId, b => b.RejectExcess, StringComparer.Ordinal);
        var settings = _options.NodeReliability;
        return RerouteRisk.Price(offers, remaining, node => risky.GetValueOrDefault(node), settings.RerouteCost, settings.LateShipmentCost);
    }

    /// <summary>
    /// Takes the nodes whose breaker is open on this silo out of <paramref name="candidates"/> (they are
    /// not asked until the cool-down has passed) and answers them as declined bids, so the order shows why.
    /// Reads memory only; empty and allocation-free when no candidate's breaker is open.
    /// </summary>
    private List<NodeBid> SkipOpenBreakers(List<string> candidates)
    {
        if (!breakers.Enabled)
        {
            return [];
        }
        List<NodeBid>? skipped = null;
        for (var i = candidates.Count - 1; i >= 0; i--)
        {
            if (breakers.IsOpen(candidates[i]))
            {
                (skipped ??= []).Add(NodeBid.Decline(candidates[i], BreakerOpenReason));
                candidates.RemoveAt(i);
            }
        }
        return skipped ?? [];
    }

    /// <summary>Why a node was not asked: its breaker on this silo is open.</summary>
    public const string BreakerOpenReason = "not asked: breaker open (timed out or rejected too often in a row)";

    /// <summary>
    /// Asks every candidate at once; a node that misses the deadline or fails is skipped, not waited for.
    /// Each answer (or its absence) feeds this silo's breaker on the node; a missed deadline is also
    /// told to the node, one-way, for its record.
    /// </summary>
    private async Task<IReadOnlyList<NodeBid>> CollectBids(List<string> candidates, BidRequest request)
    {
        var bids = await Task.WhenAll(candidates.Select(async nodeId =>
        {
            if (!breakers.TryAsk(nodeId))
            {
                return NodeBid.Decline(nodeId, "not asked: breaker half-open, another order's bid is probing the node");
            }
            var node = grains.Reference<IFulfilmentNodeGrain>(nodeId);
            try
            {
                var bid = await node.Bid(request).WaitAsync(_options.BidDeadline);
                GridMetrics.BidAnswered(nodeId, bid.Accepts ? "accepted" : "declined");
                breakers.Answered(nodeId, bid);
                return bid;
            }
            catch (TimeoutException)
            {
                logger.LogWarning("Order {Order}: node {Node} missed the bid deadline of {Deadline}", request.OrderId, nodeId, _options.BidDeadline);
                GridMetrics.BidAnswered(nodeId, "missed_deadline");
                breakers.Failed(nodeId);
                _ = node.ReportBidTimeout(); // one-way: never awaited on the order's path
                return NodeBid.Decline(nodeId, "missed the bid deadline");
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Order {Order}: node {Node} failed to bid", request.OrderId, nodeId);
                GridMetrics.BidAnswered(nodeId, "failed");
                breakers.Failed(nodeId);
                return NodeBid.Decline(nodeId, "bid failed: " + ex.GetType().Name);
            }
        }));
        return bids;
    }

    /// <summary>
    /// Claims the node's capacity on the parcel's dispatch day, then holds each line at its stock
    /// grain for the order's channel. Holds set the reservation's total at that grain, so a later
    /// round adding to a node asks for the sum.
    /// </summary>
    private async Task<(PlannedShipment Shipment, List<OrderLine> Granted, List<OrderLine> Failed)> TryTakeShipment(
        AllocationRequest request, PlannedShipment shipment, Takings take)
    {
        var lines = shipment.Lines.Select(l => new OrderLine(l.Sku, l.Quantity, 0m, l.KitId)).ToList();
        // The capacity claim and the holds go out together (one hop on the order's path, not two): the
        // bid said both were there, so they almost always are. When the node's day filled up since the
        // bid, the holds granted meanwhile are given back before the parcel counts as failed.
        var claim = take.ClaimCapacity(shipment);
        var holds = Task.WhenAll(lines.Select(async line => (Line: line, Granted: await take.Hold(shipment.NodeId, line))));
        var claimed = await claim;
        var results = await holds;
        if (!claimed)
        {
            await take.GiveBack(results.Where(r => r.Granted).Select(r => (shipment.NodeId, r.Line)).ToList());
            return (shipment, [], lines);
        }
        return (shipment, results.Where(r => r.Granted).Select(r => r.Line).ToList(), results.Where(r => !r.Granted).Select(r => r.Line).ToList());
    }
}
