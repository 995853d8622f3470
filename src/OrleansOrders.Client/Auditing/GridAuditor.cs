using OrleansOrders.Contracts;

namespace OrleansOrders.Client.Auditing;

/// <summary>
/// Reads back stock grains and orders and checks the grid's invariants exactly: holds + committed
/// within on hand less safety stock, conservation, every committed unit belonging to exactly one
/// live order that plans it there (no unit promised twice, no leaked commitment), every accepted
/// order present with a status. Returns every violation found, as sentences naming the grain.
/// </summary>
public static class GridAuditor
{
    public sealed record Result(
        IReadOnlyList<string> Violations,
        IReadOnlyDictionary<(string NodeId, string Sku), StockSnapshot> Stock,
        IReadOnlyDictionary<string, OrderView> Orders)
    {
        public int CommittedUnits => Stock.Values.Sum(s => s.Committed);
        public int HeldUnits => Stock.Values.Sum(s => s.Held);
    }

    public static async Task<Result> Audit(IGrainFactory grains, IEnumerable<(string NodeId, string Sku)> stockKeys, IEnumerable<string> acceptedOrderIds)
    {
        var violations = new List<string>();
        var keys = stockKeys.Distinct().ToList();
        var snapshots = await Task.WhenAll(keys.Select(k => grains.GetGrain<IStockGrain>(Identifiers.StockKey(k.NodeId, k.Sku)).GetSnapshot()));
        var stock = keys.Zip(snapshots).ToDictionary(x => x.First, x => x.Second);

        var ids = acceptedOrderIds.Distinct().ToList();
        var views = await Task.WhenAll(ids.Select(id => grains.GetGrain<IOrderGrain>(id).Get()));
        var orders = new Dictionary<string, OrderView>();
        foreach (var (id, view) in ids.Zip(views))
        {
            if (view is null || view.Status == OrderStatus.None)
            {
                violations.Add($"order {id} was accepted but is not found with a status (lost order).");
                continue;
            }
            orders[id] = view;
        }

        foreach (var ((nodeId, sku), s) in stock)
        {
            // holds + committed <= onHand - safetyStock
            if (s.Held + s.Committed > s.OnHand - s.SafetyStock)
            {
                violations.Add($"{nodeId}/{sku}: held {s.Held} + committed {s.Committed} exceeds on hand {s.OnHand} - safety {s.SafetyStock} (oversold).");
            }
            // conservation from an empty start: onHand = adjusted + received + restocked - shipped
            if (s.OnHand != s.Adjusted + s.Received + s.Restocked - s.Shipped)
            {
                violations.Add($"{nodeId}/{sku}: on hand {s.OnHand} != adjusted {s.Adjusted} + received {s.Received} + restocked {s.Restocked} - shipped {s.Shipped}.");
            }
            if (s.Committed != s.CommittedByReservation.Values.Sum())
            {
                violations.Add($"{nodeId}/{sku}: committed {s.Committed} differs from the sum of its reservations.");
            }
            foreach (var (reservation, quantity) in s.CommittedByReservation)
            {
                // every committed unit belongs to exactly one live order that says it ships it from here
                if (!orders.TryGetValue(ShipmentAllocation.OrderOfReservation(reservation), out var order))
                {
                    violations.Add($"{nodeId}/{sku}: {quantity} units committed to '{reservation}', which is not an accepted order (leaked or double promise).");
                    continue;
                }
                var planned = PlannedAt(order, nodeId, sku, reservation);
                if (planned != quantity)
                {
                    violations.Add($"{nodeId}/{sku}: {quantity} units committed to order {reservation}, whose plan ships {planned} from here (status {order.Status}).");
                }
            }
        }

        foreach (var order in orders.Values)
        {
            // Each (node, SKU) the order still has to ship from must be committed to it exactly;
            // shipped and cancelled parcels hold nothing.
            foreach (var (nodeId, sku, reservation) in order.Shipments.SelectMany(sh => sh.Lines.Select(l => (sh.NodeId, l.Sku, Reservation(order, sh)))).Distinct())
            {
                if (!stock.TryGetValue((nodeId, sku), out var s))
                {
                    violations.Add($"order {order.OrderId} ships {sku} from {nodeId}, a stock grain the audit was not told about.");
                    continue;
                }
                var committed = s.CommittedByReservation.GetValueOrDefault(reservation);
                var expected = PlannedAt(order, nodeId, sku, reservation);
                if (committed != expected)
                {
                    violations.Add($"order {order.OrderId} ({order.Status}) still has {expected} of {sku} to ship from {nodeId}, stock has {committed} committed to it.");
                }
            }
            // Never more allocated (in live parcels, shipped or not) plus backordered than was ordered, per SKU.
            foreach (var line in order.Request.Lines)
            {
                var allocated = order.Shipments.Where(s => s.Status != ShipmentStatus.Cancelled)
                    .SelectMany(s => s.Lines).Where(l => l.Sku == line.Sku).Sum(l => l.Quantity);
                var backordered = order.Backordered.Where(l => l.Sku == line.Sku).Sum(l => l.Quantity);
                if (allocated + backordered > line.Quantity)
                {
                    violations.Add($"order {order.OrderId}: {line.Sku} ordered {line.Quantity}, but allocated {allocated} + backordered {backordered}.");
                }
            }
        }
        return new Result(violations, stock, orders);
    }

    /// <summary>Units the order still has to ship from a node: lines of its live parcels that have not shipped.</summary>
    private static int PlannedAt(OrderView order, string nodeId, string sku, string reservation) =>
        order.Status == OrderStatus.Cancelled ? 0 : order.Shipments
            .Where(s => s.NodeId == nodeId && Reservation(order, s) == reservation && s.Status.IsOpen())
            .SelectMany(s => s.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);

    private static string Reservation(OrderView order, ShipmentAllocation shipment) =>
        shipment.ReservationId is { Length: > 0 } id ? id : order.OrderId;

}
