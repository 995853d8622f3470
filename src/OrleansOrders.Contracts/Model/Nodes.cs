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
/// <param name="DailyCapacity">Orders the node can take per (UTC) day.</param>
[GenerateSerializer, Immutable, Alias("oo.NodeProfile")]
public sealed record NodeProfile(
    [property: Id(0)] string NodeId,
    [property: Id(1)] string Name,
    [property: Id(2)] NodeKind Kind,
    [property: Id(3)] string City,
    [property: Id(4)] Location Location,
    [property: Id(5)] NodeCapabilities Capabilities,
    [property: Id(6)] int DailyCapacity,
    [property: Id(7)] NodeStatus Status = NodeStatus.Open)
{
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
}

/// <summary>An operator's change to a node; null fields stay as they are.</summary>
[GenerateSerializer, Immutable, Alias("oo.NodeUpdate")]
public sealed record NodeUpdate(
    [property: Id(0)] NodeStatus? Status,
    [property: Id(1)] int? DailyCapacity);

/// <summary>What the router asks each candidate node.</summary>
[GenerateSerializer, Immutable, Alias("oo.BidRequest")]
public sealed record BidRequest(
    [property: Id(0)] string OrderId,
    [property: Id(1)] Location ShipTo,
    [property: Id(2)] IReadOnlyList<OrderLine> Lines,
    [property: Id(3)] DateTimeOffset OrderedAt);

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
    public static NodeBid Decline(string nodeId, string reason) =>
        new(nodeId, false, reason, [], 0, 0, default, 0, 0);
}
