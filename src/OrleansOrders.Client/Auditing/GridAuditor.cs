using OrleansOrders.Contracts;

namespace OrleansOrders.Client.Auditing;

/// <summary>
/// Reads back stock grains and orders and checks the grid's invariants exactly: holds + committed
/// within on hand less safety stock, conservation, every committed unit belonging to exactly one
/// live order that plans it there (no unit promised twice, no leaked commitment), every accepted
/// order present with a status. Returns every violation found, as sentences naming the grain.
/// <para>
/// Orders are read in batches (<see cref="Options.BatchSize"/>, at most <see cref="Options.Parallelism"/>
/// calls in flight), checked and let go before the next batch is read, so a million-order audit holds
/// one batch of orders, the stock snapshots (bounded by the network, not by history) and the open
/// commitments not yet matched to an order. Pass <see cref="Options.KeepOrders"/> false and read what
/// you need of each order in <see cref="Options.OnOrder"/>.
/// </para>
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

        /// <summary>Orders read and found with a status (all of them, whether kept in <see cref="Orders"/> or not).</summary>
        public int OrdersAudited { get; init; }
    }

    /// <param name="BatchSize">Orders read, checked and let go at a time.</param>
    /// <param name="Parallelism">Most grain calls in flight at once (stock snapshots and orders).</param>
    /// <param name="KeepOrders">Whether <see cref="Result.Orders"/> keeps every order read (false: it stays empty).</param>
    /// <param name="OnOrder">Called with each order found, once its batch is checked.</param>
    public sealed record Options(int BatchSize = 1_000, int Parallelism = 64, bool KeepOrders = true, Action<OrderView>? OnOrder = null)
    {
        public static readonly Options Default = new();
    }

    public static Task<Result> Audit(IGrainFactory grains, IEnumerable<(string NodeId, string Sku)> stockKeys, IEnumerable<string> acceptedOrderIds,
        Options? options = null) =>
        Audit(
            key => grains.Reference<IStockGrain>(Identifiers.StockKey(key.NodeId, key.Sku)).GetSnapshot(),
            id => grains.Reference<IOrderGrain>(id).Get(),
            stockKeys, acceptedOrderIds, options);

    /// <summary>The audit over any reader of stock snapshots and orders (the grid's grains, or a test's).</summary>
    public static async Task<Result> Audit(
        Func<(string NodeId, string Sku), Task<StockSnapshot>> readStock,
        Func<string, Task<OrderView?>> readOrder,
        IEnumerable<(string NodeId, string Sku)> stockKeys,
        IEnumerable<string> acceptedOrderIds,
        Options? options = null)
    {
        options ??= Options.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Parallelism, 1);
        var violations = new List<string>();

        var keys = stockKeys.Distinct().ToList();
        var snapshots = await ReadAll(keys, readStock, options.Parallelism);
        var stock = keys.Zip(snapshots).ToDictionary(x => x.First, x => x.Second);

        // Every open commitment, by the order it names: each order read claims its own, and those
        // left at the end belong to no accepted order.
        var unclaimed = new Dictionary<string, List<(string NodeId, string Sku, string Reservation, int Quantity)>>(StringComparer.Ordinal);
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
                var orderId = ShipmentAllocation.OrderOfReservation(reservation);
                if (!unclaimed.TryGetValue(orderId, out var list))
                {
                    unclaimed[orderId] = list = [];
                }
                list.Add((nodeId, sku, reservation, quantity));
            }
        }

        var kept = new Dictionary<string, OrderView>(StringComparer.Ordinal);
        var audited = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var batch in acceptedOrderIds.Where(seen.Add).Chunk(options.BatchSize))
        {
            var views = await ReadAll(batch, readOrder, options.Parallelism);
            foreach (var (id, view) in batch.Zip(views))
            {
                if (view is null || view.Status == OrderStatus.None)
                {
                    violations.Add($"order {id} was accepted but is not found with a status (lost order).");
                    continue;
                }
                audited++;
                // Every committed unit belongs to exactly one live order that says it ships it from there.
                if (unclaimed.Remove(id, out var commitments))
                {
                    foreach (var (nodeId, sku, reservation, quantity) in commitments)
                    {
                        var planned = PlannedAt(view, nodeId, sku, reservation);
                        if (planned != quantity)
                        {
                            violations.Add($"{nodeId}/{sku}: {quantity} units committed to order {reservation}, whose plan ships {planned} from here (status {view.Status}).");
                        }
                    }
                }
                CheckOrder(view, stock, violations);
                if (options.KeepOrders)
                {
                    kept[id] = view;
                }
                options.OnOrder?.Invoke(view);
            }
        }

        foreach (var (nodeId, sku, reservation, quantity) in unclaimed.Values.SelectMany(c => c))
        {
            violations.Add($"{nodeId}/{sku}: {quantity} units committed to '{reservation}', which is not an accepted order (leaked or double promise).");
        }
        return new Result(violations, stock, kept) { OrdersAudited = audited };
    }

    /// <summary>
    /// Each (node, SKU) the order still has to ship from must be committed to it exactly (shipped and
    /// cancelled parcels hold nothing), and it never has more allocated plus backordered than was ordered.
    /// </summary>
    private static void CheckOrder(OrderView order, IReadOnlyDictionary<(string NodeId, string Sku), StockSnapshot> stock, List<string> violations)
    {
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

    /// <summary>Reads every item, at most <paramref name="parallelism"/> at a time; answers in the items' order.</summary>
    private static async Task<TResult[]> ReadAll<TItem, TResult>(IReadOnlyList<TItem> items, Func<TItem, Task<TResult>> read, int parallelism)
    {
        var results = new TResult[items.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count), new ParallelOptions { MaxDegreeOfParallelism = parallelism },
            async (i, _) => results[i] = await read(items[i]));
        return results;
    }

    /// <summary>Units the order still has to ship from a node: lines of its live parcels that have not shipped.</summary>
    private static int PlannedAt(OrderView order, string nodeId, string sku, string reservation) =>
        order.Status == OrderStatus.Cancelled ? 0 : order.Shipments
            .Where(s => s.NodeId == nodeId && Reservation(order, s) == reservation && s.Status.IsOpen())
            .SelectMany(s => s.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);

    private static string Reservation(OrderView order, ShipmentAllocation shipment) =>
        shipment.ReservationId is { Length: > 0 } id ? id : order.OrderId;

    /// <summary>
    /// Audits until two audits in a row read the same grid (same stock figures and commitments, same
    /// order statuses and parcels, same violations), at least <paramref name="pause"/> apart, and answers
    /// the second. One audit reads stock before orders, so work still in flight (a backordered order woken
    /// by freed stock, a commit under way) can show as a mismatch that no invariant broke; a real violation
    /// stays and is read twice alike. If the grid has not settled within <paramref name="within"/>, the last
    /// audit is answered with one more violation that says so: never a clean result by default.
    /// </summary>
    public static async Task<Result> AuditWhenSettled(Func<Task<Result>> audit, TimeSpan within, TimeSpan? pause = null)
    {
        ArgumentNullException.ThrowIfNull(audit);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var gap = pause ?? TimeSpan.FromMilliseconds(250);
        var previous = await audit();
        while (true)
        {
            await Task.Delay(gap);
            var next = await audit();
            if (Fingerprint(next) == Fingerprint(previous))
            {
                return next;
            }
            if (clock.Elapsed > within)
            {
                return next with { Violations = [.. next.Violations, $"the grid did not settle within {within.TotalSeconds:F0} s: two audits in a row read different figures."] };
            }
            previous = next;
        }
    }

    /// <summary>What an audit read, as one string: equal strings mean the two audits saw the same grid.</summary>
    private static string Fingerprint(Result result)
    {
        var text = new System.Text.StringBuilder();
        foreach (var (key, s) in result.Stock.OrderBy(k => k.Key.NodeId, StringComparer.Ordinal).ThenBy(k => k.Key.Sku, StringComparer.Ordinal))
        {
            text.Append(key.NodeId).Append('/').Append(key.Sku).Append(':').Append(s.OnHand).Append(',').Append(s.Committed).Append(',').Append(s.Held);
            foreach (var (reservation, quantity) in s.CommittedByReservation.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                text.Append(';').Append(reservation).Append('=').Append(quantity);
            }
            text.Append('\n');
        }
        foreach (var (id, view) in result.Orders.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            text.Append(id).Append(':').Append(view.Status);
            foreach (var shipment in view.Shipments)
            {
                text.Append(';').Append(shipment.ShipmentId).Append(shipment.Status).Append(shipment.Lines.Sum(l => l.Quantity));
            }
            text.Append('\n');
        }
        text.Append(result.OrdersAudited).Append('\n').AppendJoin('\n', result.Violations);
        return text.ToString();
    }
}
