using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Events;

/// <summary>
/// The last orders that changed, newest first: a cache the event projection keeps warm (nothing
/// is lost with it; orders are the truth). Summaries are read from the orders when asked.
/// </summary>
public sealed class RecentOrdersGrain : Grain, IRecentOrdersGrain, IRecentOrdersFeed
{
    private const int Capacity = 500;
    private readonly LinkedList<string> _order = new();
    private readonly Dictionary<string, LinkedListNode<string>> _index = new(StringComparer.Ordinal);

    Task IRecentOrdersFeed.Touch(string orderId, DateTimeOffset at)
    {
        Touch(orderId);
        return Task.CompletedTask;
    }

    Task IRecentOrdersFeed.TouchMany(IReadOnlyList<string> orderIds)
    {
        foreach (var orderId in orderIds)
        {
            Touch(orderId);
        }
        return Task.CompletedTask;
    }

    private void Touch(string orderId)
    {
        if (_index.Remove(orderId, out var node))
        {
            _order.Remove(node);
        }
        _index[orderId] = _order.AddFirst(orderId);
        if (_order.Count > Capacity)
        {
            _index.Remove(_order.Last!.Value);
            _order.RemoveLast();
        }
    }

    async Task<IReadOnlyList<OrderSummary>> IRecentOrdersGrain.GetRecent(int max)
    {
        var ids = _order.Take(Math.Clamp(max, 1, Capacity)).ToList();
        var views = await Task.WhenAll(ids.Select(id => GrainFactory.Reference<IOrderGrain>(id).Get()));
        return views.Where(v => v is not null).Select(v => new OrderSummary(
            v!.OrderId, v.Request.CustomerId, v.Status, v.Request.Lines.Count,
            v.Shipments.Count(s => s.Status != ShipmentStatus.Cancelled), v.TotalCost, v.UpdatedAt)).ToList();
    }
}
