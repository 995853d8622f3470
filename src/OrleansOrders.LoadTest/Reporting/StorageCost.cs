using System.Globalization;
using OrleansOrders.Grains;

namespace OrleansOrders.LoadTest.Reporting;

/// <summary>One state's storage operations during the load, and per submitted order.</summary>
public sealed record StorageStateCost(string Store, string State, long Reads, long Writes, long Clears, double ReadsPerOrder, double WritesPerOrder);

/// <summary>
/// Storage operations the silo issued during the load (warm-up included, background flushes too), per
/// submitted order: what an order costs in storage round trips. Counted by the grid's storage wrapper
/// (<see cref="StorageOperationCounter"/>), so only where the silo runs in this process.
/// </summary>
public sealed record StorageCost(long Orders, long Reads, long Writes, long Clears, double ReadsPerOrder, double WritesPerOrder,
    IReadOnlyList<StorageStateCost> ByState)
{
    public static StorageCost Of(StorageOperationSnapshot operations, long orders)
    {
        double PerOrder(long count) => orders > 0 ? Math.Round((double)count / orders, 3) : 0;
        return new StorageCost(orders, operations.Reads, operations.Writes, operations.Clears,
            PerOrder(operations.Reads), PerOrder(operations.Writes),
            operations.ByState
                .Select(s => new StorageStateCost(s.Store, s.State, s.Reads, s.Writes, s.Clears, PerOrder(s.Reads), PerOrder(s.Writes)))
                .OrderByDescending(s => s.Writes + s.Reads)
                .ThenBy(s => s.Store, StringComparer.Ordinal)
                .ThenBy(s => s.State, StringComparer.Ordinal)
                .ToList());
    }

    /// <summary>"2.05 (stock 1.02, order 1.01, ...)": the figure, then the states (or stores that name none) that make most of it.</summary>
    public string Describe(bool writes)
    {
        var total = writes ? WritesPerOrder : ReadsPerOrder;
        var parts = ByState
            .Select(s => (State: s.State.Length > 0 ? s.State : s.Store, PerOrder: writes ? s.WritesPerOrder : s.ReadsPerOrder))
            .Where(s => s.PerOrder >= 0.005) // what prints as 0 says nothing
            .OrderByDescending(s => s.PerOrder)
            .Take(4)
            .Select(s => $"{s.State} {Number(s.PerOrder)}")
            .ToList();
        return parts.Count == 0 ? Number(total) : $"{Number(total)} ({string.Join(", ", parts)})";
    }

    private static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
