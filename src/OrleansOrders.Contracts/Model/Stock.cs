namespace OrleansOrders.Contracts;

[GenerateSerializer, Alias("oo.HoldOutcome")]
public enum HoldOutcome
{
    Granted = 0,
    /// <summary>Not enough available stock; nothing was held.</summary>
    Insufficient = 1,
    /// <summary>The reservation was already committed or released; a hold under its id is refused.</summary>
    Closed = 2,
}

[GenerateSerializer, Immutable, Alias("oo.HoldResult")]
public sealed record HoldResult(
    [property: Id(0)] HoldOutcome Outcome,
    [property: Id(1)] int Available);

[GenerateSerializer, Alias("oo.CommitOutcome")]
public enum CommitOutcome
{
    Committed = 0,
    /// <summary>The hold was gone and the stock it reserved is no longer available.</summary>
    Insufficient = 1,
    /// <summary>The reservation was released before; a late commit does not revive it.</summary>
    Released = 2,
}

[GenerateSerializer, Immutable, Alias("oo.CommitResult")]
public sealed record CommitResult(
    [property: Id(0)] CommitOutcome Outcome,
    [property: Id(1)] int Quantity);

[GenerateSerializer, Immutable, Alias("oo.HoldView")]
public sealed record HoldView(
    [property: Id(0)] string ReservationId,
    [property: Id(1)] int Quantity,
    [property: Id(2)] DateTimeOffset ExpiresAt);

/// <summary>
/// Everything a stock grain knows, for operators and auditors. The counters make conservation
/// checkable: OnHand = initial + Received + Restocked + Adjusted - Shipped.
/// </summary>
[GenerateSerializer, Immutable, Alias("oo.StockSnapshot")]
public sealed record StockSnapshot(
    [property: Id(0)] string NodeId,
    [property: Id(1)] string Sku,
    [property: Id(2)] int OnHand,
    [property: Id(3)] int SafetyStock,
    [property: Id(4)] int Held,
    [property: Id(5)] int Committed,
    [property: Id(6)] int Available,
    [property: Id(7)] long Received,
    [property: Id(8)] long Adjusted,
    [property: Id(9)] long Shipped,
    [property: Id(10)] long Restocked,
    [property: Id(11)] IReadOnlyDictionary<string, int> CommittedByReservation,
    [property: Id(12)] IReadOnlyList<HoldView> Holds)
{
    /// <summary>Units only some channels may take (null: none).</summary>
    [Id(13)] public ChannelReserve? Reserve { get; init; }

    /// <summary>Expected receipts, earliest first.</summary>
    [Id(14)] public IReadOnlyList<ExpectedReceipt> Inbound { get; init; } = [];

    /// <summary>Backordered units promised from <see cref="Inbound"/>, per order.</summary>
    [Id(15)] public IReadOnlyDictionary<string, int> InboundPromises { get; init; } = new Dictionary<string, int>();
}

[GenerateSerializer, Immutable, Alias("oo.NodeAvailability")]
public sealed record NodeAvailability(
    [property: Id(0)] string NodeId,
    [property: Id(1)] int Available,
    [property: Id(2)] DateTimeOffset AsOf,
    [property: Id(3)] int Inbound = 0);

/// <summary>Network available-to-promise for one SKU: eventually consistent, per node.</summary>
[GenerateSerializer, Immutable, Alias("oo.NetworkAvailability")]
public sealed record NetworkAvailability(
    [property: Id(0)] string Sku,
    [property: Id(1)] bool Known,
    [property: Id(2)] int TotalAvailable,
    [property: Id(3)] IReadOnlyList<NodeAvailability> Nodes)
{
    /// <summary>Orders backordered on this SKU and waiting for stock, woken first come first served when it arrives.</summary>
    [Id(4)] public int OrdersWaiting { get; init; }
}

/// <summary>An operator's setting of a stock level at one node.</summary>
[GenerateSerializer, Immutable, Alias("oo.StockLevel")]
public sealed record StockLevel(
    [property: Id(0)] int OnHand,
    [property: Id(1)] int SafetyStock)
{
    public const int MaxUnits = 10_000_000;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (OnHand is < 0 or > MaxUnits)
        {
            errors.Add($"onHand must be between 0 and {MaxUnits}.");
        }
        if (SafetyStock is < 0 or > MaxUnits)
        {
            errors.Add($"safetyStock must be between 0 and {MaxUnits}.");
        }
        return errors;
    }
}
