using OrleansOrders.Contracts;

namespace OrleansOrders.LoadTest.Auditing;

/// <summary>
/// "No expired hold still counted": a stock grain drops a hold at its expiry (lazily, at the next
/// call, and by a sweep timer), so a snapshot read after <c>now</c> must show no hold that expired
/// before <c>now</c>, and its held total must be exactly the sum of the holds it lists.
/// <c>now</c> is real time: the in-process grid and a local cluster run on this machine's clock.
/// </summary>
public static class ExpiredHolds
{
    public static IReadOnlyList<string> Find(IEnumerable<StockSnapshot> snapshots, DateTimeOffset now)
    {
        var violations = new List<string>();
        foreach (var s in snapshots)
        {
            foreach (var hold in s.Holds.Where(h => h.ExpiresAt < now).OrderBy(h => h.ExpiresAt))
            {
                violations.Add($"{s.NodeId}/{s.Sku}: hold '{hold.ReservationId}' of {hold.Quantity} units expired at " +
                               $"{hold.ExpiresAt:O} ({(now - hold.ExpiresAt).TotalSeconds:0.###} s before the audit) and is still counted (leaked hold).");
            }
            var listed = s.Holds.Sum(h => h.Quantity);
            if (listed != s.Held)
            {
                violations.Add($"{s.NodeId}/{s.Sku}: held {s.Held} differs from the {listed} units of the holds it lists.");
            }
        }
        return violations;
    }
}
