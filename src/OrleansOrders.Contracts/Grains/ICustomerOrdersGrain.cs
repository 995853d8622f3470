namespace OrleansOrders.Contracts;

/// <summary>A customer's orders, for customer service; fed by the order event stream. Keyed by customer id.</summary>
[Alias("oo.ICustomerOrdersGrain")]
public interface ICustomerOrdersGrain : IGrainWithStringKey
{
    [Alias("Add")]
    Task Add(string orderId, DateTimeOffset at);

    /// <summary>Order ids, newest first.</summary>
    [Alias("GetOrderIds"), ReadOnly]
    Task<IReadOnlyList<string>> GetOrderIds();
}

/// <summary>Internal: what the event projection tells the recent-orders list.</summary>
[Alias("oo.IRecentOrdersFeed")]
public interface IRecentOrdersFeed : IGrainWithIntegerKey
{
    [Alias("Touch")]
    Task Touch(string orderId, DateTimeOffset at);

    /// <summary>Orders that changed, oldest first (the projections send what they saw in one call).</summary>
    [Alias("TouchMany")]
    Task TouchMany(IReadOnlyList<string> orderIds);
}
