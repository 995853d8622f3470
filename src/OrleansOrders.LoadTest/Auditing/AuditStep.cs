using OrleansOrders.Client.Auditing;
using OrleansOrders.Contracts;

namespace OrleansOrders.LoadTest.Auditing;

/// <summary>
/// What the audit read and found. <see cref="RunOrderIds"/>: the run's own orders that the grid has
/// (accepted, or found after an unknown outcome); <see cref="RunOrders"/>: those the audit read, as it read them
/// (kept only up to <see cref="AuditStep.MaxKeptOrders"/>: a million-order run keeps <see cref="Routing"/>, its sums).
/// </summary>
public sealed record AuditOutcome(
    IReadOnlyList<string> Violations,
    int StockKeys,
    int OrdersAudited,
    int OrdersOfEarlierRuns,
    int UnknownOrdersFound,
    long CommittedUnits,
    long HeldUnits,
    IReadOnlyList<string> RunOrderIds,
    IReadOnlyList<OrderView> RunOrders,
    Reporting.RoutingSummary Routing)
{
    public bool Clean => Violations.Count == 0;
}

/// <summary>
/// The audit after a load: <see cref="GridAuditor"/> over every stock key of the network and every
/// order the run knows was accepted, plus the holds check of <see cref="ExpiredHolds"/>.
/// Two additions keep it exact without false alarms:
/// orders whose submission failed with an unknown outcome are read back, and audited if the grid
/// has them; and a reservation committed at an audited stock grain that is not one of this run's
/// orders is audited as an order too when the grid has an order under that id (an earlier run
/// against the same cluster). A reservation with no order behind it stays an orphan, which the
/// auditor reports. (A reservation id is its order's id, with a suffix for a later allocation.)
/// With <c>settleWithin</c>, the audit is repeated until two passes in a row read the same grid
/// (<see cref="GridAuditor.AuditWhenSettled"/>): after churn (receipts, cancellations), backordered
/// orders woken by the new or freed stock may still be allocating while one pass reads.
/// </summary>
public static class AuditStep
{
    private const int ReadParallelism = 512;

    /// <summary>Run orders whose views the outcome keeps for tests and reports; beyond it only sums are kept.</summary>
    public const int MaxKeptOrders = 50_000;

    public static async Task<AuditOutcome> RunAsync(
        IGrainFactory grains,
        IReadOnlyCollection<(string NodeId, string Sku)> stockKeys,
        IReadOnlyCollection<string> acceptedOrderIds,
        IReadOnlyCollection<string>? unknownOrderIds = null,
        TimeProvider? realTime = null,
        CancellationToken cancellationToken = default,
        TimeSpan? settleWithin = null)
    {
        var clock = realTime ?? TimeProvider.System;
        var orders = new HashSet<string>(acceptedOrderIds, StringComparer.Ordinal);

        var unknownFound = 0;
        foreach (var id in await ExistingOrders(grains, (unknownOrderIds ?? []).Where(id => !orders.Contains(id)), cancellationToken))
        {
            orders.Add(id);
            unknownFound++;
        }
        var runOrders = orders.ToList();

        var foreign = new HashSet<string>(StringComparer.Ordinal);
        foreach (var batch in stockKeys.Chunk(ReadParallelism))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var snapshots = await Task.WhenAll(batch.Select(k => grains.Reference<IStockGrain>(Identifiers.StockKey(k.NodeId, k.Sku)).GetSnapshot()));
            foreach (var reservation in snapshots.SelectMany(s => s.CommittedByReservation.Keys))
            {
                // A reservation is its order's id, or the order's id and an allocation suffix.
                var orderId = ShipmentAllocation.OrderOfReservation(reservation);
                if (!orders.Contains(orderId))
                {
                    foreign.Add(orderId);
                }
            }
        }
        var earlier = await ExistingOrders(grains, foreign, cancellationToken);
        orders.UnionWith(earlier);

        var runOrderSet = new HashSet<string>(runOrders, StringComparer.Ordinal);
        var keep = runOrders.Count <= MaxKeptOrders;
        var kept = new Dictionary<string, OrderView>(StringComparer.Ordinal);
        var routing = new Reporting.RoutingSummary.Accumulator();
        var auditStartedAt = clock.GetUtcNow();
        Task<GridAuditor.Result> AuditOnce()
        {
            // Holds that expired before this instant must be gone from every snapshot read after it.
            auditStartedAt = clock.GetUtcNow();
            // Each pass keeps and sums afresh: the outcome is the last pass's.
            var (passKept, passRouting) = (kept = new Dictionary<string, OrderView>(StringComparer.Ordinal), routing = new Reporting.RoutingSummary.Accumulator());
            return GridAuditor.Audit(grains, stockKeys, orders, new GridAuditor.Options(KeepOrders: false, OnOrder: view =>
            {
                if (runOrderSet.Contains(view.OrderId))
                {
                    passRouting.Add(view);
                    if (keep)
                    {
                        passKept[view.OrderId] = view;
                    }
                }
            }));
        }
        var result = settleWithin is { } within ? await GridAuditor.AuditWhenSettled(AuditOnce, within) : await AuditOnce();
        var violations = result.Violations.Concat(ExpiredHolds.Find(result.Stock.Values, auditStartedAt)).ToList();
        var runOrderViews = runOrders.Where(kept.ContainsKey).Select(id => kept[id]).ToList();
        return new AuditOutcome(violations, result.Stock.Count, result.OrdersAudited, earlier.Count, unknownFound,
            result.CommittedUnits, result.HeldUnits, runOrders, runOrderViews, routing.Build());
    }

    /// <summary>The ids among <paramref name="orderIds"/> that the grid has an order for.</summary>
    private static async Task<List<string>> ExistingOrders(IGrainFactory grains, IEnumerable<string> orderIds, CancellationToken cancellationToken)
    {
        var found = new List<string>();
        foreach (var batch in orderIds.Chunk(ReadParallelism))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var views = await Task.WhenAll(batch.Select(id => grains.Reference<IOrderGrain>(id).Get()));
            found.AddRange(batch.Zip(views).Where(x => x.Second is not null).Select(x => x.First));
        }
        return found;
    }
}
