namespace OrleansOrders.LoadTest.Churn;

/// <summary>
/// What changes under the load after orders are allocated, so that re-planning an order has something
/// to gain: stock receipts every <see cref="ReplenishEvery"/> (null: none), and a
/// <see cref="CancelShare"/> of accepted orders cancelled <see cref="CancelAfter"/> after acceptance.
/// Both are deterministic under the run's order seed. Validated by the run command.
/// </summary>
public sealed record ChurnPlan
{
    public const int DefaultReplenishUnits = 20;
    public const int MaxReplenishUnits = 1_000_000;
    public const double MaxCancelShare = 0.5;
    public static readonly TimeSpan DefaultCancelAfter = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan MaxCancelAfter = TimeSpan.FromMinutes(1);

    public static readonly ChurnPlan None = new();

    /// <summary>How often stock receipts arrive during the measured load; null: never.</summary>
    public TimeSpan? ReplenishEvery { get; init; }

    /// <summary>Units each receipt adds to its SKU at its node.</summary>
    public int ReplenishUnits { get; init; } = DefaultReplenishUnits;

    /// <summary>The share of accepted orders cancelled, 0 to <see cref="MaxCancelShare"/>.</summary>
    public double CancelShare { get; init; }

    /// <summary>How long after its acceptance a chosen order is cancelled.</summary>
    public TimeSpan CancelAfter { get; init; } = DefaultCancelAfter;

    public bool Any => ReplenishEvery is not null || CancelShare > 0;
}

/// <summary>What the stock receipts of a run did: rounds, receipts and units received, receipts that failed after retries.</summary>
public sealed record StockReceiptsSummary(string Every, int UnitsEach, int Rounds, long Receipts, long Units, long Failed);

/// <summary>
/// What the cancellations of a run did: orders chosen (of those accepted), cancelled (or found
/// already cancelled), refused by the grid (past cancelling, or not found), failed (outcome unknown after retries).
/// </summary>
public sealed record CancellationsSummary(double Share, string After, long Picked, long Cancelled, long Refused, long Failed);
