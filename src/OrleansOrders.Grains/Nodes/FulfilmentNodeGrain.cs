using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;
using OrleansOrders.Routing;

namespace OrleansOrders.Grains.Nodes;

[GenerateSerializer, Alias("oo.NodeState")]
public sealed class NodeState
{
    [Id(0)] public int SchemaVersion { get; set; } = 1;
    [Id(1)] public NodeProfile? Profile { get; set; }
    /// <summary>Schema 1 kept one day of claims here; read once and moved to <see cref="ClaimsByDay"/>.</summary>
    [Id(2)] public DateOnly CapacityDate { get; set; }
    [Id(3)] public HashSet<string> CapacityClaims { get; set; } = new(StringComparer.Ordinal);
    /// <summary>SKUs given a stock level at this node, for operators' inventory views.</summary>
    [Id(4)] public SortedSet<string> Skus { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Per dispatch day, the orders that took one unit of its capacity (past days are dropped).</summary>
    [Id(5)] public SortedDictionary<DateOnly, HashSet<string>> ClaimsByDay { get; set; } = [];
}

/// <summary>
/// A fulfilment node: its profile, status and daily dispatch capacity, and its bids. Profile changes
/// are written at once; capacity claims (per dispatch day) are soft state written by a timer, since a
/// claim lost in a crash lets the node take a few orders more than its capacity, a planning figure,
/// not stock. Bids carry everything the router's rules need: stock, transit, cutoff, capacity by day,
/// channel reserves, expected receipts and the node's opportunity cost (fetched in the background).
/// </summary>
public sealed class FulfilmentNodeGrain(
    [PersistentState("node", GridOptions.StorageName)] IPersistentState<NodeState> state,
    GridClock clock,
    IOptions<GridOptions> options,
    ILogger<FulfilmentNodeGrain> logger) : Grain, IFulfilmentNodeGrain
{
    private bool _claimsDirty;
    private OpportunityCosts _opportunityCosts = new(default, new Dictionary<string, decimal>());

    private NodeState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var every = options.Value.SoftStateFlushInterval;
        this.RegisterGrainTimer(FlushClaimsAsync, every, every);
        if (S.CapacityClaims.Count > 0)
        {
            S.ClaimsByDay[S.CapacityDate] = new HashSet<string>(S.CapacityClaims, StringComparer.Ordinal);
            S.CapacityClaims.Clear();
        }
        if (options.Value.OpportunityCost.Enabled)
        {
            var refresh = options.Value.OpportunityCost.NodeFetchInterval ?? options.Value.OpportunityCost.RefreshInterval;
            this.RegisterGrainTimer(FetchOpportunityCostsAsync, TimeSpan.Zero, refresh);
        }
        if (S.Profile is { } profile)
        {
            GridMetrics.NodeCapacity(profile.NodeId, ClaimsToday(), profile.DailyCapacity);
        }
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await FlushClaimsAsync();
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
        S.Profile = profile;
        await state.WriteStateAsync();
        _claimsDirty = false;
        await GrainFactory.GetGrain<INetworkDirectoryGrain>(0).Add(profile.NodeId, profile.Location);
        return View(S.Profile);
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
        S.Profile = updated;
        await state.WriteStateAsync();
        _claimsDirty = false;
        GridMetrics.NodeCapacity(S.Profile.NodeId, ClaimsToday(), S.Profile.DailyCapacity);
        return View(S.Profile);
    }

    async Task<StockSnapshot?> IFulfilmentNodeGrain.SetStock(string sku, StockLevel level, string operationId)
    {
        if (S.Profile is null)
        {
            return null;
        }
        var snapshot = await GrainFactory.GetGrain<IStockGrain>(Identifiers.StockKey(S.Profile.NodeId, sku)).SetLevel(operationId, level);
        if (S.Skus.Add(sku))
        {
            await state.WriteStateAsync();
            _claimsDirty = false;
        }
        return snapshot;
    }

    async Task<bool> IFulfilmentNodeGrain.TrackSku(string sku)
    {
        if (S.Profile is null)
        {
            return false;
        }
        if (S.Skus.Add(sku))
        {
            await state.WriteStateAsync();
            _claimsDirty = false;
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
        var horizon = Math.Max(0, options.Value.Routing.LongestDispatchDelayDays) + 2;
        var promisedByDay = Enumerable.Range(0, horizon).Select(d => ClaimsOn(orderDay.AddDays(d))).ToList();
        if (promisedByDay.All(used => used >= profile.DailyCapacity))
        {
            return NodeBid.Decline(nodeId, "daily capacity is used up");
        }

        var stock = await Task.WhenAll(request.Lines.Select(l =>
            GrainFactory.GetGrain<IStockGrain>(Identifiers.StockKey(nodeId, l.Sku)).GetOffer()));
        // Offered up to the quantity plus the channel reserve: the router takes the reserve off for
        // channels it does not allow, and what remains must still cover the line where stock allows.
        var offered = request.Lines
            .Select((line, i) => new OrderLine(line.Sku, (int)Math.Min((long)line.Quantity + (stock[i].Reserve?.Quantity ?? 0), stock[i].Available)))
            .Where(l => l.Quantity > 0)
            .ToList();
        var terms = request.Lines
            .Select((line, i) => new SkuTerms(line.Sku, stock[i].Reserve, stock[i].Inbound, _opportunityCosts.BySku.GetValueOrDefault(line.Sku)))
            .Where(t => t.Reserve is not null || t.Inbound.Count > 0 || t.OpportunityCost > 0)
            .ToList();
        if (offered.Count == 0 && !terms.Any(t => t.Inbound.Count > 0))
        {
            return NodeBid.Decline(nodeId, "no stock of the requested SKUs");
        }

        var origin = new GeoPoint(profile.Location.Latitude, profile.Location.Longitude);
        var destination = new GeoPoint(request.ShipTo.Latitude, request.ShipTo.Longitude);
        var quote = ShippingModel.Default.Quote(origin, destination, RoutingSettings.ShipperTypeOf(profile.Kind));
        var cutoff = profile.CutoffUtc ?? options.Value.Routing.DefaultCutoffUtc;
        var firstDispatch = TimeOnly.FromDateTime(request.OrderedAt.UtcDateTime) >= cutoff ? orderDay.AddDays(1) : orderDay;
        return new NodeBid(
            nodeId, true, null, offered, quote.ShipmentCost, quote.UnitCost,
            firstDispatch.AddDays(quote.TransitDays),
            profile.DailyCapacity - promisedByDay[0], origin.DistanceKmTo(destination))
        {
            Kind = profile.Kind,
            TransitDays = quote.TransitDays,
            Priority = profile.Priority,
            ServiceRadiusKm = profile.ServiceRadiusKm,
            CutoffUtc = cutoff,
            DailyCapacity = profile.DailyCapacity,
            PromisedByDay = promisedByDay,
            Terms = terms,
        };
    }

    Task<bool> IFulfilmentNodeGrain.ClaimCapacity(string orderId, DateOnly day)
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
        if (S.ClaimsByDay.TryGetValue(day, out var claims) && claims.Contains(orderId))
        {
            return Task.FromResult(true);
        }
        if (ClaimsOn(day) >= profile.DailyCapacity)
        {
            return Task.FromResult(false);
        }
        RemoveClaim(orderId); // an order holds one claim per node: a re-plan moves it
        if (claims is null)
        {
            S.ClaimsByDay[day] = claims = new HashSet<string>(StringComparer.Ordinal);
        }
        claims.Add(orderId);
        _claimsDirty = true;
        GridMetrics.NodeCapacity(profile.NodeId, ClaimsToday(), profile.DailyCapacity);
        return Task.FromResult(true);
    }

    Task IFulfilmentNodeGrain.ReleaseCapacity(string orderId)
    {
        if (RemoveClaim(orderId))
        {
            _claimsDirty = true;
            if (S.Profile is { } profile)
            {
                GridMetrics.NodeCapacity(profile.NodeId, ClaimsToday(), profile.DailyCapacity);
            }
        }
        return Task.CompletedTask;
    }

    private bool RemoveClaim(string orderId)
    {
        var removed = false;
        foreach (var claims in S.ClaimsByDay.Values)
        {
            removed |= claims.Remove(orderId);
        }
        return removed;
    }

    private int ClaimsOn(DateOnly day) => S.ClaimsByDay.TryGetValue(day, out var claims) ? claims.Count : 0;

    private int ClaimsToday() => ClaimsOn(clock.Today);

    private void DropPastDays()
    {
        var today = clock.Today;
        foreach (var day in S.ClaimsByDay.Keys.Where(d => d < today).ToList())
        {
            S.ClaimsByDay.Remove(day);
            _claimsDirty = true;
        }
    }

    private NodeView View(NodeProfile profile) => new(profile, clock.Today, ClaimsToday());

    /// <summary>Copies this node's opportunity costs from the network's table; a failure keeps the last ones.</summary>
    private async Task FetchOpportunityCostsAsync()
    {
        try
        {
            _opportunityCosts = await GrainFactory.GetGrain<IOpportunityCostGrain>(0).ForNode(this.GetPrimaryKeyString());
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Node {Node}: opportunity costs not refreshed", this.GetPrimaryKeyString());
        }
    }

    private async Task FlushClaimsAsync()
    {
        if (!_claimsDirty || S.Profile is null)
        {
            return;
        }
        _claimsDirty = false;
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception ex)
        {
            _claimsDirty = true;
            logger.LogWarning(ex, "Node {Node}: capacity flush failed, will retry", this.GetPrimaryKeyString());
        }
    }
}
