using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Orders;

/// <summary>The step an order is in the middle of; anything but Settled is resumed on activation.</summary>
[GenerateSerializer, Alias("oo.OrderStep")]
public enum OrderStep
{
    Settled = 0,
    /// <summary>The plan is durable; its holds are being committed at the stock grains.</summary>
    Committing = 1,
    /// <summary>Cancellation is durable; what the order holds is being released.</summary>
    Releasing = 2,
}

[GenerateSerializer, Alias("oo.OrderState")]
public sealed class OrderState
{
    public const int CurrentSchemaVersion = 1;

    [Id(0)] public int SchemaVersion { get; set; } = CurrentSchemaVersion;
    [Id(1)] public OrderRequest? Request { get; set; }
    [Id(2)] public OrderStatus Status { get; set; }
    [Id(3)] public OrderStep Step { get; set; }
    [Id(4)] public List<ShipmentAllocation> Shipments { get; set; } = [];
    [Id(5)] public List<OrderLine> Backordered { get; set; } = [];
    [Id(6)] public int AllocationRounds { get; set; }
    [Id(7)] public DateTimeOffset AcceptedAt { get; set; }
    [Id(8)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(9)] public string? CancelReason { get; set; }
    /// <summary>The bids of the last routing round: the routing decision, explained.</summary>
    [Id(10)] public List<NodeBid> Bids { get; set; } = [];
}
