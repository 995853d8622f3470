namespace OrleansOrders.Contracts;

/// <summary>Order events as published on the stream: one batch per order write.</summary>
[GenerateSerializer, Immutable, Alias("oo.OrderEventBatch")]
public sealed record OrderEventBatch([property: Id(0)] IReadOnlyList<OrderEvent> Events);

/// <summary>Where order events are published: namespace "order-events", one stream per shard.</summary>
public static class OrderEventStreams
{
    public const string Namespace = "order-events";
    public const int Shards = 8;

    public static string ShardOf(string orderId) => OrderRecoveryShards.For(orderId, Shards).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
