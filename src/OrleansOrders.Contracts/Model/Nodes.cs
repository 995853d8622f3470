namespace OrleansOrders.Contracts;

[GenerateSerializer, Alias("oo.NodeKind")]
public enum NodeKind
{
    DistributionCentre = 0,
    Store = 1,
    DropShipSupplier = 2,
}

/// <summary>What a node can do for an order.</summary>
[Flags, GenerateSerializer, Alias("oo.NodeCapabilities")]
public enum NodeCapabilities
{
    None = 0,
    ShipToHome = 1,
    PickupInStore = 2,
    ShipFromStore = 4,
}

[GenerateSerializer, Alias("oo.NodeStatus")]
public enum NodeStatus
{
    Open = 0,
    Paused = 1,
    Closed = 2,
}

/// <summary>The standing description of a fulfilment node.</summary>
/// <param name="DailyCapacity">Orders the node can dispatch per (UTC) day.</param>
/// <param name="CutoffUtc">Orders placed at or after this UTC time of day dispatch the next day; null: no cutoff.</param>
/// <param name="Priority">Lower is preferred when plans tie (or in ranked sourcing).</param>
/// <param name="ServiceRadiusKm">The node ships only to customers within this distance; null: anywhere.</param>
[GenerateSerializer, Immutable, Alias("oo.NodeProfile")]
public sealed record NodeProfile(
    [property: Id(0)] string NodeId,
    [property: Id(1)] string Name,
    [property: Id(2)] NodeKind Kind,
    [property: Id(3)] string City,
    [property: Id(4)] Location Location,
    [property: Id(5)] NodeCapabilities Capabilities,
    [property: Id(6)] int DailyCapacity,
    [property: Id(7)] NodeStatus Status = NodeStatus.Open,
    [property: Id(8)] TimeOnly? CutoffUtc = null,
    [property: Id(9)] int Priority = 0,
    [property: Id(10)] double? ServiceRadiusKm = null)
{
    public const double MaxRadiusKm = 20_040; // half the earth's circumference

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Identifiers.IsValid(NodeId))
        {
            errors.Add("nodeId must be 1-64 letters, digits or . _ : - and start with a letter or digit.");
        }
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 200)
        {
            errors.Add("name is required (at most 200 characters).");
        }
        if (!Location.IsValid)
        {
            errors.Add("location must have latitude in [-90, 90] and longitude in [-180, 180].");
        }
        if (DailyCapacity < 0)
        {
            errors.Add("dailyCapacity must not be negative.");
        }
        if (Priority is < 0 or > 1000)
        {
            errors.Add("priority must be between 0 and 1000.");
        }
        if (ServiceRadiusKm is { } radius && (!double.IsFinite(radius) || radius <= 0 || radius > MaxRadiusKm))
        {
            errors.Add($"serviceRadiusKm must be above 0 and at most {MaxRadiusKm}.");
        }
        if (!Enum.IsDefined(Kind) || !Enum.IsDefined(Status))
        {
            errors.Add("kind or status is not a known value.");
        }
        return errors;
    }
}

/// <summary>A node as operators see it: profile plus what is used of today's capacity.</summary>
[GenerateSerializer, Immutable, Alias("oo.NodeView")]
public sealed record NodeView(
    [property: Id(0)] NodeProfile Profile,
    [property: Id(1)] DateOnly CapacityDate,
    [property: Id(2)] int CapacityUsed)
{
    public int CapacityRemaining => Math.Max(0, Profile.DailyCapacity - CapacityUsed);

    /// <summary>
    /// Capacity used on each day from <see cref="CapacityDate"/> on (today first), as far as a parcel
    /// may be pushed: an order after the node's cutoff takes tomorrow's capacity, not today's.
    /// </summary>
    [Id(3)] public IReadOnlyList<int> CapacityUsedByDay { get; init; } = [];

    /// <summary>How the node kept its promises lately, and where the routers' breakers stand on it.</summary>
    [Id(4)] public NodeReliabilityView? Reliability { get; init; }
}

[GenerateSerializer, Alias("oo.NodeBreakerState")]
public enum NodeBreakerState
{
    /// <summary>Asked for bids as usual.</summary>
    Closed = 0,
    /// <summary>Not asked: it timed out (or kept rejecting) too often in a row; asked again after the cool-down.</summary>
    Open = 1,
    /// <summary>The cool-down passed: one bid at a time is asked; its outcome closes or re-opens the breaker.</summary>
    HalfOpen = 2,
}

/// <summary>One silo's router breaker on a node, as last reported (routers report each change).</summary>
[GenerateSerializer, Immutable, Alias("oo.RouterBreakerView")]
public sealed record RouterBreakerView(
    [property: Id(0)] string Silo,
    [property: Id(1)] NodeBreakerState State,
    [property: Id(2)] DateTimeOffset Since);

/// <summary>
/// A node's recent record (facts decay with a half-life, rates are smoothed towards a prior): the
/// score is the chance a parcel released there goes through (no rejection, not late, a bid that
/// answered); <see cref="ExpectedRejectCost"/> is what its bids add per parcel to the routing
/// objective. Counts are decayed, so fractional. Soft state of the node's activation.
/// </summary>
[GenerateSerializer, Immutable, Alias("oo.NodeReliabilityView")]
public sealed record NodeReliabilityView(
    [property: Id(0)] double Score,
    [property: Id(1)] double RejectRate,
    [property: Id(2)] double LateRate,
    [property: Id(3)] double BidTimeoutRate,
    [property: Id(4)] double Parcels,
    [property: Id(5)] double Rejected,
    [property: Id(6)] double ShortPicked,
    [property: Id(7)] double Shipped,
    [property: Id(8)] double Late,
    [property: Id(9)] double BidTimeouts,
    [property: Id(10)] int RejectedInARow,
    [property: Id(11)] decimal ExpectedRejectCost,
    [property: Id(12)] IReadOnlyDictionary<string, double> ShortPickRateBySku,
    [property: Id(13)] NodeBreakerState Breaker,
    [property: Id(14)] IReadOnlyList<RouterBreakerView> Breakers,
    [property: Id(15)] bool PricedInBids);

/// <summary>What became of a parcel at its node, told by the order (one-way) for the node's record.</summary>
[GenerateSerializer, Alias("oo.ParcelOutcomeKind")]
public enum ParcelOutcomeKind
{
    /// <summary>The node rejected the parcel or lines of it.</summary>
    Rejected = 0,
    /// <summary>The node rejected lines because the stock was not there (a short pick).</summary>
    ShortPicked = 1,
    /// <summary>Shipped on or before its promised dispatch day.</summary>
    Shipped = 2,
    /// <summary>Shipped after its promised dispatch day.</summary>
    ShippedLate = 3,
}

[GenerateSerializer, Immutable, Alias("oo.ParcelOutcome")]
public sealed record ParcelOutcome(
    [property: Id(0)] string ShipmentId,
    [property: Id(1)] ParcelOutcomeKind Kind,
    [property: Id(2)] IReadOnlyList<string> Skus);

/// <summary>An operator's change to a node; null fields stay as they are.</summary>
/// <param name="ClearCutoff">True removes the cutoff (and ignores <paramref name="CutoffUtc"/>).</param>
/// <param name="ClearServiceRadius">True lets the node ship anywhere again (and ignores <paramref name="ServiceRadiusKm"/>).</param>
[GenerateSerializer, Immutable, Alias("oo.NodeUpdate")]
public sealed record NodeUpdate(
    [property: Id(0)] NodeStatus? Status,
    [property: Id(1)] int? DailyCapacity,
    [property: Id(2)] TimeOnly? CutoffUtc = null,
    [property: Id(3)] int? Priority = null,
    [property: Id(4)] double? ServiceRadiusKm = null,
    [property: Id(5)] bool ClearCutoff = false,
    [property: Id(6)] bool ClearServiceRadius = false)
{
    /// <summary>The profile with this update applied (validate the result with <see cref="NodeProfile.Validate"/>).</summary>
    public NodeProfile ApplyTo(NodeProfile profile) => profile with
    {
        Status = Status ?? profile.Status,
        DailyCapacity = DailyCapacity ?? profile.DailyCapacity,
        CutoffUtc = ClearCutoff ? null : CutoffUtc ?? profile.CutoffUtc,
        Priority = Priority ?? profile.Priority,
        ServiceRadiusKm = ClearServiceRadius ? null : ServiceRadiusKm ?? profile.ServiceRadiusKm,
    };
}

/// <summary>What the router asks each candidate node.</summary>
[GenerateSerializer, Immutable, Alias("oo.BidRequest")]
public sealed record BidRequest(
    [property: Id(0)] string OrderId,
    [property: Id(1)] Location ShipTo,
    [property: Id(2)] IReadOnlyList<OrderLine> Lines,
    [property: Id(3)] DateTimeOffset OrderedAt,
    [property: Id(4)] bool Pickup = false,
    [property: Id(5)] bool Fresh = false);

/// <summary>Units of a SKU at a node that only the named sales channels may take (e.g. store stock kept for pickup).</summary>
[GenerateSerializer, Immutable, Alias("oo.ChannelReserve")]
public sealed record ChannelReserve(
    [property: Id(0)] int Quantity,
    [property: Id(1)] IReadOnlyList<string> Channels)
{
    public const int MaxChannels = 20;

    public bool Allows(string? channel) => channel is not null && Channels.Contains(channel, StringComparer.Ordinal);

    /// <summary>Why the reserve is malformed, or null.</summary>
    public string? Validate()
    {
        if (Quantity is < 0 or > StockLevel.MaxUnits)
        {
            return $"reserve quantity must be between 0 and {StockLevel.MaxUnits}.";
        }
        if (Channels is null || Channels.Count is 0 or > MaxChannels || Channels.Any(c => !Identifiers.IsValid(c)))
        {
            return $"reserve channels must list 1-{MaxChannels} valid channel names (e.g. 'store', 'pickup').";
        }
        return null;
    }
}

/// <summary>A delivery a node expects (a purchase order, a transfer): what, how many, when.</summary>
[GenerateSerializer, Immutable, Alias("oo.ExpectedReceipt")]
public sealed record ExpectedReceipt(
    [property: Id(0)] string ReceiptId,
    [property: Id(1)] int Quantity,
    [property: Id(2)] DateOnly ExpectedOn)
{
    /// <summary>Why the receipt is malformed, or null.</summary>
    public string? Validate()
    {
        if (!Identifiers.IsValid(ReceiptId))
        {
            return "receiptId must be 1-64 letters, digits or . _ : - and start with a letter or digit.";
        }
        if (Quantity is < 1 or > StockLevel.MaxUnits)
        {
            return $"receipt quantity must be between 1 and {StockLevel.MaxUnits}.";
        }
        return ExpectedOn == default ? "expectedOn is required." : null;
    }
}

/// <summary>What a node knows of one SKU for a bid: available now (net of safety stock), the channel reserve, receipts not yet promised.</summary>
[GenerateSerializer, Immutable, Alias("oo.StockOffer")]
public sealed record StockOffer(
    [property: Id(0)] int Available,
    [property: Id(1)] ChannelReserve? Reserve,
    [property: Id(2)] IReadOnlyList<ExpectedReceipt> Inbound)
{
    /// <summary>Orders the offers of one stock grain: a node keeps the latest it has seen.</summary>
    [Id(3)] public long Version { get; init; }

    /// <summary>When the first hold counted in <see cref="Available"/> lapses: the offer is stale from then (null: no hold).</summary>
    [Id(4)] public DateTimeOffset? FirstHoldExpiry { get; init; }
}

/// <summary>A stock grain's latest offer for <paramref name="Sku"/>, as a silo passes it on to the SKU's node with the others it gathered.</summary>
[GenerateSerializer, Immutable, Alias("oo.SkuOfferChange")]
public sealed record SkuOfferChange([property: Id(0)] string Sku, [property: Id(1)] StockOffer Offer);

/// <summary>
/// A node's terms for a SKU beyond the units it offers: reserve, inbound supply, opportunity cost, and
/// the expected cost per unit of the parcel going wrong there (<see cref="RejectRisk"/>: the node's
/// record of rejections, short picks of this SKU and late dispatch, priced; zero for a node no worse than the prior).
/// </summary>
[GenerateSerializer, Immutable, Alias("oo.SkuTerms")]
public sealed record SkuTerms(
    [property: Id(0)] string Sku,
    [property: Id(1)] ChannelReserve? Reserve,
    [property: Id(2)] IReadOnlyList<ExpectedReceipt> Inbound,
    [property: Id(3)] decimal OpportunityCost,
    [property: Id(4)] decimal RejectRisk = 0m);

/// <summary>
/// A node's answer: per line what it can ship now, the parcel's cost (fixed plus per unit) and its
/// promised delivery date, and how much of today's capacity is left. A node that cannot take the
/// order answers with <see cref="Accepts"/> false and a reason.
/// </summary>
[GenerateSerializer, Immutable, Alias("oo.NodeBid")]
public sealed record NodeBid(
    [property: Id(0)] string NodeId,
    [property: Id(1)] bool Accepts,
    [property: Id(2)] string? DeclineReason,
    [property: Id(3)] IReadOnlyList<OrderLine> Offered,
    [property: Id(4)] decimal ShipmentCost,
    [property: Id(5)] decimal UnitCost,
    [property: Id(6)] DateOnly PromisedBy,
    [property: Id(7)] int RemainingCapacity,
    [property: Id(8)] double DistanceKm)
{
    /// <summary>What the node is: decides the fulfilment type (ship from DC, from store, drop-ship).</summary>
    [Id(9)] public NodeKind Kind { get; init; }

    /// <summary>Days in transit from dispatch to the customer (the promise is dispatch day plus these).</summary>
    [Id(10)] public int TransitDays { get; init; }

    [Id(11)] public int Priority { get; init; }

    [Id(12)] public double? ServiceRadiusKm { get; init; }

    [Id(13)] public TimeOnly? CutoffUtc { get; init; }

    /// <summary>Orders the node dispatches per day.</summary>
    [Id(14)] public int DailyCapacity { get; init; }

    /// <summary>Orders already promised per day from the bid's order day on (index 0: that day).</summary>
    [Id(15)] public IReadOnlyList<int> PromisedByDay { get; init; } = [];

    /// <summary>Per SKU: channel reserve, expected receipts and opportunity cost (only SKUs with any of them).</summary>
    [Id(16)] public IReadOnlyList<SkuTerms> Terms { get; init; } = [];

    /// <summary>Parcels the node rejected since it last shipped one: a router's breaker opens on a long run of them.</summary>
    [Id(17)] public int RejectedInARow { get; init; }

    /// <summary>The node's reliability score when it bid (see <see cref="NodeReliabilityView.Score"/>); null from a node that keeps none.</summary>
    [Id(18)] public double? ReliabilityScore { get; init; }

    /// <summary>
    /// The node's reject probability above the prior (0 for a node no worse than it): the router prices it
    /// against the order's own alternatives (what a rejection would cost this order), added to the objective.
    /// </summary>
    [Id(19)] public double RejectExcess { get; init; }

    public static NodeBid Decline(string nodeId, string reason) =>
        new(nodeId, false, reason, [], 0, 0, default, 0, 0);
}
