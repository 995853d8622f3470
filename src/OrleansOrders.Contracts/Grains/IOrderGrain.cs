namespace OrleansOrders.Contracts;

/// <summary>One order's life as a persisted state machine, keyed by order id.</summary>
[Alias("oo.IOrderGrain")]
public interface IOrderGrain : IGrainWithStringKey
{
    /// <summary>Validates, routes and commits the order. Idempotent on the order id.</summary>
    [Alias("Submit")]
    Task<SubmitOrderResult> Submit(OrderRequest request);

    /// <summary>The order, or null when it was never accepted.</summary>
    [Alias("Get")]
    Task<OrderView?> Get();

    /// <summary>Finishes a step that a crash interrupted (the recovery sweep calls this); true when settled.</summary>
    [Alias("Resume")]
    Task<bool> Resume();

    /// <summary>Cancels the order and releases exactly what it holds or committed.</summary>
    [Alias("Cancel")]
    Task<CancelOrderResult> Cancel(string reason);
}
