using Microsoft.Extensions.Options;
using Orleans.Runtime.Messaging;
using OrleansOrders.Contracts;

namespace OrleansOrders.Client;

/// <summary>The grid as storefront gateways and tools use it.</summary>
public interface IOrderGridClient
{
    /// <summary>Submits an order. Safe to retry with the same order id: a replay answers the first result.</summary>
    Task<OrderView> SubmitOrderAsync(OrderRequest order, CancellationToken cancellationToken = default);

    Task<OrderView> GetOrderAsync(string orderId, CancellationToken cancellationToken = default);

    Task<OrderView> CancelOrderAsync(string orderId, string reason, CancellationToken cancellationToken = default);

    Task<NetworkAvailability> GetAvailabilityAsync(string sku, CancellationToken cancellationToken = default);

    Task<NodeView> RegisterNodeAsync(NodeProfile profile, CancellationToken cancellationToken = default);

    Task<NodeView> GetNodeAsync(string nodeId, CancellationToken cancellationToken = default);

    Task<NodeView> UpdateNodeAsync(string nodeId, NodeUpdate update, CancellationToken cancellationToken = default);

    /// <summary>Sets a stock level; idempotent on <paramref name="operationId"/>.</summary>
    Task<StockSnapshot> SetStockAsync(string nodeId, string sku, StockLevel level, string operationId, CancellationToken cancellationToken = default);

    Task<StockSnapshot> GetStockAsync(string nodeId, string sku, CancellationToken cancellationToken = default);
}

/// <summary>
/// Typed calls over any <see cref="IGrainFactory"/> (an external IClusterClient or a co-hosted
/// silo). Refusals become typed exceptions and are never retried; a call whose outcome is unknown
/// (timeout, silo lost) is retried only where that is safe: submits (idempotent by order id) and reads.
/// </summary>
public sealed class OrderGridClient(IGrainFactory grains, IOptions<OrderGridClientOptions>? options = null) : IOrderGridClient
{
    private readonly int _maxAttempts = Math.Max(1, options?.Value.MaxAttempts ?? 3);

    public async Task<OrderView> SubmitOrderAsync(OrderRequest order, CancellationToken cancellationToken = default)
    {
        var errors = OrderRequestValidator.Validate(order);
        if (errors.Count > 0)
        {
            throw new OrderGridValidationException(errors);
        }
        var result = await Retrying(() => grains.Reference<IOrderGrain>(order.OrderId).Submit(order), cancellationToken);
        return result.Outcome switch
        {
            SubmitOutcome.Accepted or SubmitOutcome.Replayed => result.Order!,
            SubmitOutcome.Conflict => throw new OrderGridConflictException(string.Join(" ", result.Errors)),
            _ => throw new OrderGridValidationException(result.Errors),
        };
    }

    public async Task<OrderView> GetOrderAsync(string orderId, CancellationToken cancellationToken = default)
    {
        RequireId(orderId, "orderId");
        return await Retrying(() => grains.Reference<IOrderGrain>(orderId).Get(), cancellationToken)
               ?? throw new OrderGridNotFoundException($"Order '{orderId}' does not exist.");
    }

    public async Task<OrderView> CancelOrderAsync(string orderId, string reason, CancellationToken cancellationToken = default)
    {
        RequireId(orderId, "orderId");
        // Cancel is idempotent too (a second cancel answers AlreadyCancelled), so it may be retried.
        var result = await Retrying(() => grains.Reference<IOrderGrain>(orderId).Cancel(reason), cancellationToken);
        return result.Outcome switch
        {
            CancelOutcome.Cancelled or CancelOutcome.AlreadyCancelled => result.Order!,
            CancelOutcome.NotFound => throw new OrderGridNotFoundException(result.Reason ?? $"Order '{orderId}' does not exist."),
            _ => throw new OrderGridStateException(result.Reason ?? $"Order '{orderId}' can no longer be cancelled."),
        };
    }

    public async Task<NetworkAvailability> GetAvailabilityAsync(string sku, CancellationToken cancellationToken = default)
    {
        RequireId(sku, "sku");
        var availability = await Retrying(() => grains.Reference<ISkuAvailabilityGrain>(sku).Get(), cancellationToken);
        return availability.Known ? availability : throw new OrderGridNotFoundException($"SKU '{sku}' is not stocked at any node.");
    }

    public async Task<NodeView> RegisterNodeAsync(NodeProfile profile, CancellationToken cancellationToken = default)
    {
        if (profile.Validate() is { Count: > 0 } errors)
        {
            throw new OrderGridValidationException(errors);
        }
        return await Retrying(() => grains.Reference<IFulfilmentNodeGrain>(profile.NodeId).Register(profile), cancellationToken);
    }

    public async Task<NodeView> GetNodeAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        RequireId(nodeId, "nodeId");
        return await Retrying(() => grains.Reference<IFulfilmentNodeGrain>(nodeId).Get(), cancellationToken)
               ?? throw new OrderGridNotFoundException($"Node '{nodeId}' does not exist.");
    }

    public async Task<NodeView> UpdateNodeAsync(string nodeId, NodeUpdate update, CancellationToken cancellationToken = default)
    {
        RequireId(nodeId, "nodeId");
        if (update.DailyCapacity is < 0 || update.Status is { } s && !Enum.IsDefined(s))
        {
            throw new OrderGridValidationException(["dailyCapacity must not be negative and status must be Open, Paused or Closed."]);
        }
        // Setting a status or capacity twice lands in the same place: safe to retry.
        return await Retrying(() => grains.Reference<IFulfilmentNodeGrain>(nodeId).Update(update), cancellationToken)
               ?? throw new OrderGridNotFoundException($"Node '{nodeId}' does not exist.");
    }

    public async Task<StockSnapshot> SetStockAsync(string nodeId, string sku, StockLevel level, string operationId, CancellationToken cancellationToken = default)
    {
        RequireId(nodeId, "nodeId");
        RequireId(sku, "sku");
        RequireId(operationId, "operationId");
        if (level.Validate() is { Count: > 0 } errors)
        {
            throw new OrderGridValidationException(errors);
        }
        return await Retrying(() => grains.Reference<IFulfilmentNodeGrain>(nodeId).SetStock(sku, level, operationId), cancellationToken)
               ?? throw new OrderGridNotFoundException($"Node '{nodeId}' does not exist.");
    }

    public async Task<StockSnapshot> GetStockAsync(string nodeId, string sku, CancellationToken cancellationToken = default)
    {
        RequireId(nodeId, "nodeId");
        RequireId(sku, "sku");
        return await Retrying(() => grains.Reference<IStockGrain>(Identifiers.StockKey(nodeId, sku)).GetSnapshot(), cancellationToken);
    }

    private static void RequireId(string? id, string name)
    {
        if (!Identifiers.IsValid(id))
        {
            throw new OrderGridValidationException([$"{name} must be 1-64 letters, digits or . _ : - and start with a letter or digit."]);
        }
    }

    /// <summary>Retries a call whose outcome is unknown. Only used for calls that are idempotent.</summary>
    private async Task<T> Retrying<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return await call().WaitAsync(cancellationToken);
            }
            catch (Exception ex) when (attempt < _maxAttempts && IsOutcomeUnknown(ex))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken);
            }
        }
    }

    private static bool IsOutcomeUnknown(Exception ex) =>
        ex is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException;
}
