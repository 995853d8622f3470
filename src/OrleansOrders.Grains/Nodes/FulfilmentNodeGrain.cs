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
    [Id(2)] public DateOnly CapacityDate { get; set; }
    /// <summary>Orders that took one unit of <see cref="CapacityDate"/>'s capacity.</summary>
    [Id(3)] public HashSet<string> CapacityClaims { get; set; } = new(StringComparer.Ordinal);
    /// <summary>SKUs given a stock level at this node, for operators' inventory views.</summary>
    [Id(4)] public SortedSet<string> Skus { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A fulfilment node: its profile, status and daily capacity, and its bids. Profile changes are
/// written at once; capacity claims are soft state written by a timer, since a claim lost in a
/// crash lets the node take a few orders more than its capacity, a planning figure, not stock.
/// </summary>
public sealed class FulfilmentNodeGrain(
    [PersistentState("node", GridOptions.StorageName)] IPersistentState<NodeState> state,
    GridClock clock,
    IOptions<GridOptions> options,
    ILogger<FulfilmentNodeGrain> logger) : Grain, IFulfilmentNodeGrain
{
    private bool _claimsDirty;

    private NodeState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var every = options.Value.SoftStateFlushInterval;
        this.RegisterGrainTimer(FlushClaimsAsync, every, every);
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
        await GrainFactory.GetGrain<INetworkDirectoryGrain>(0).Add(profile.NodeId);
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
        S.Profile = profile with
        {
            Status = update.Status ?? profile.Status,
            DailyCapacity = update.DailyCapacity ?? profile.DailyCapacity,
        };
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
        if ((profile.Capabilities & (NodeCapabilities.ShipToHome | NodeCapabilities.ShipFromStore)) == 0)
        {
            return NodeBid.Decline(nodeId, "node does not ship to customers");
        }
        var remaining = profile.DailyCapacity - ClaimsToday();
        if (remaining <= 0)
        {
            return NodeBid.Decline(nodeId, "daily capacity is used up");
        }

        var available = await Task.WhenAll(request.Lines.Select(l =>
            GrainFactory.GetGrain<IStockGrain>(Identifiers.StockKey(nodeId, l.Sku)).GetAvailable()));
        var offered = request.Lines
            .Select((line, i) => new OrderLine(line.Sku, Math.Min(line.Quantity, available[i])))
            .Where(l => l.Quantity > 0)
            .ToList();
        if (offered.Count == 0)
        {
            return NodeBid.Decline(nodeId, "no stock of the requested SKUs");
        }

        var origin = new GeoPoint(profile.Location.Latitude, profile.Location.Longitude);
        var destination = new GeoPoint(request.ShipTo.Latitude, request.ShipTo.Longitude);
        var quote = ShippingModel.Default.Quote(origin, destination, ShipperTypeOf(profile.Kind));
        return new NodeBid(
            nodeId, true, null, offered, quote.ShipmentCost, quote.UnitCost,
            ShippingModel.PromiseDate(request.OrderedAt, quote.TransitDays),
            remaining, origin.DistanceKmTo(destination));
    }

    Task<bool> IFulfilmentNodeGrain.ClaimCapacity(string orderId)
    {
        if (S.Profile is not { Status: NodeStatus.Open } profile)
        {
            return Task.FromResult(false);
        }
        RollCapacityDay();
        if (S.CapacityClaims.Contains(orderId))
        {
            return Task.FromResult(true);
        }
        if (S.CapacityClaims.Count >= profile.DailyCapacity)
        {
            return Task.FromResult(false);
        }
        S.CapacityClaims.Add(orderId);
        _claimsDirty = true;
        GridMetrics.NodeCapacity(profile.NodeId, S.CapacityClaims.Count, profile.DailyCapacity);
        return Task.FromResult(true);
    }

    Task IFulfilmentNodeGrain.ReleaseCapacity(string orderId)
    {
        if (S.CapacityClaims.Remove(orderId))
        {
            _claimsDirty = true;
            if (S.Profile is { } profile)
            {
                GridMetrics.NodeCapacity(profile.NodeId, ClaimsToday(), profile.DailyCapacity);
            }
        }
        return Task.CompletedTask;
    }

    private int ClaimsToday() => S.CapacityDate == clock.Today ? S.CapacityClaims.Count : 0;

    private void RollCapacityDay()
    {
        var today = clock.Today;
        if (S.CapacityDate != today)
        {
            S.CapacityDate = today;
            S.CapacityClaims.Clear();
            _claimsDirty = true;
        }
    }

    private NodeView View(NodeProfile profile) => new(profile, clock.Today, ClaimsToday());

    internal static ShipperType ShipperTypeOf(NodeKind kind) => kind switch
    {
        NodeKind.DistributionCentre => ShipperType.DistributionCentre,
        NodeKind.Store => ShipperType.Store,
        NodeKind.DropShipSupplier => ShipperType.DropShipSupplier,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown node kind"),
    };

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
