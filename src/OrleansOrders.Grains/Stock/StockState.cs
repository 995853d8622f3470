using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Stock;

/// <summary>
/// The stock grain's state before the ledger (one record rewritten whole on every write); kept only so
/// a grain that finds one carries it over into its ledger (see StockGrain.MigrateLegacyState). Holds were absent: they live in memory only,
/// because losing one can only free stock (commit re-checks availability), never oversell, and
/// keeping them out of storage saves a write per hold.
/// </summary>
[GenerateSerializer, Alias("oo.StockState")]
public sealed class StockState
{
    public const int CurrentSchemaVersion = 1;

    [Id(0)] public int SchemaVersion { get; set; } = CurrentSchemaVersion;
    [Id(1)] public int OnHand { get; set; }
    [Id(2)] public int SafetyStock { get; set; }

    /// <summary>Committed quantity per reservation (order) id.</summary>
    [Id(3)] public Dictionary<string, int> Committed { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Reservations released after commit, so a late or replayed commit cannot revive them.</summary>
    [Id(4)] public Dictionary<string, DateTimeOffset> Released { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Receive and set-level operation ids already applied (idempotency), with when.</summary>
    [Id(5)] public Dictionary<string, DateTimeOffset> AppliedOperations { get; set; } = new(StringComparer.Ordinal);

    [Id(6)] public long Received { get; set; }
    [Id(7)] public long Adjusted { get; set; }
    [Id(8)] public long Shipped { get; set; }
    [Id(9)] public long Restocked { get; set; }

    /// <summary>Reservations shipped, with their units, so a replayed ship answers the same and a late commit cannot revive them.</summary>
    [Id(10)] public Dictionary<string, int> ShippedReservations { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Units only some channels may take; null: none.</summary>
    [Id(11)] public ChannelReserve? Reserve { get; set; }

    /// <summary>Expected receipts, earliest first (ties by id).</summary>
    [Id(12)] public List<ExpectedReceipt> Receipts { get; set; } = [];

    /// <summary>Backordered units promised from <see cref="Receipts"/>, in the order promised: earlier promises take earlier receipts.</summary>
    [Id(13)] public List<InboundPromise> InboundPromises { get; set; } = [];

    /// <summary>Ids deliveries were received under (declared receipts or not), with when: declaring one as expected again would count its units twice.</summary>
    [Id(14)] public Dictionary<string, DateTimeOffset> ReceivedReceipts { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Units of expected receipts promised to a backordered order.</summary>
[GenerateSerializer, Immutable, Alias("oo.InboundPromise")]
public sealed record InboundPromise(
    [property: Id(0)] string OrderId,
    [property: Id(1)] int Quantity);
