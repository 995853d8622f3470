namespace OrleansOrders.Contracts;

/// <summary>
/// The most recent orders and their latest state, for operators and customer service; fed by the
/// order event stream (eventually consistent). Key 0.
/// </summary>
[Alias("oo.IRecentOrdersGrain")]
public interface IRecentOrdersGrain : IGrainWithIntegerKey
{
    /// <summary>Newest first, at most <paramref name="max"/>.</summary>
    [Alias("GetRecent"), ReadOnly]
    Task<IReadOnlyList<OrderSummary>> GetRecent(int max);
}

/// <summary>An order as the recent-orders list shows it.</summary>
[GenerateSerializer, Immutable, Alias("oo.OrderSummary")]
public sealed record OrderSummary(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string CustomerId,
    [property: Id(2)] OrderStatus Status,
    [property: Id(3)] int Lines,
    [property: Id(4)] int Shipments,
    [property: Id(5)] decimal ShippingCost,
    [property: Id(6)] DateTimeOffset UpdatedAt);
