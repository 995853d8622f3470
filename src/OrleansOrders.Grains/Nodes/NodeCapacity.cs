namespace OrleansOrders.Grains.Nodes;

/// <summary>
/// A node's dispatch capacity in use: a number per dispatch day, plus one record per open claim so
/// that claims and releases are idempotent.
/// </summary>
/// <remarks>
/// <para>What can replay against a node, and why the records are bounded:</para>
/// <list type="bullet">
/// <item>A claim is made by the router once per node and allocation, under the order id. A claim whose
/// answer was lost (timeout) is made again by the next bid round or by the order's retried submit;
/// a re-plan (backorder retry, lost race) claims again, possibly on another day. So a claim must be
/// a no-op when the order already holds that day, and a move (not a second unit) when it holds another.</item>
/// <item>A release comes from the order's outbox (pending operations), which replays it after a crash,
/// on its next activation, and up to <c>MaxCallAttempts</c> times on failure, at any later time. A
/// replayed release must not free a unit twice, so the node has to know whether the order still holds
/// a claim here: that needs a record per open claim. A time-window of recent operation ids would not
/// do: a legitimate release (a cancel hours later) would find its record gone and leak the unit, and a
/// late replay would free someone else's unit.</item>
/// <item>A record is needed only while its day can still be dispatched: a claim on a past day frees
/// nothing and counts for nothing, so the day's counter and its records go together when the day
/// passes. The records are therefore at most the open days' capacity (today up to the longest dispatch
/// delay plus a day, times the daily capacity), whatever the node's history; released claims leave no
/// record (a release of an unknown order is a no-op).</item>
/// </list>
/// <para>Bids read only the counters. The records are a flat map (order id -> day), not a set per day,
/// so a release finds its claim in one lookup and a day's counter is not recomputed from a set.</para>
/// </remarks>
[GenerateSerializer, Alias("oo.NodeCapacity")]
public sealed class NodeCapacity
{
    /// <summary>Parcels (one per order) promised per dispatch day, today and later.</summary>
    [Id(0)] public SortedDictionary<DateOnly, int> UsedByDay { get; set; } = [];

    /// <summary>Open claims: order id -> the day it holds.</summary>
    [Id(1)] public Dictionary<string, DateOnly> Claims { get; set; } = new(StringComparer.Ordinal);

    public int UsedOn(DateOnly day) => UsedByDay.GetValueOrDefault(day);

    /// <summary>The day the order holds here, if any.</summary>
    public DateOnly? ClaimOf(string orderId) => Claims.TryGetValue(orderId, out var day) ? day : null;

    /// <summary>
    /// Takes a unit of <paramref name="day"/> for the order unless that day is full; a claim held on
    /// the same day is a replay (true, nothing changes), one held on another day moves.
    /// </summary>
    /// <returns>Whether the order now holds <paramref name="day"/>, and whether anything changed.</returns>
    public (bool Granted, bool Changed) Claim(string orderId, DateOnly day, int dailyCapacity)
    {
        if (Claims.TryGetValue(orderId, out var held) && held == day)
        {
            return (true, false);
        }
        if (UsedOn(day) >= dailyCapacity)
        {
            return (false, false);
        }
        Apply(orderId, day);
        return (true, true);
    }

    /// <summary>Records a claim already granted (re-applied after a reload): no capacity check, idempotent.</summary>
    public void Apply(string orderId, DateOnly day)
    {
        if (Claims.TryGetValue(orderId, out var held))
        {
            if (held == day)
            {
                return;
            }
            Decrement(held);
        }
        Claims[orderId] = day;
        UsedByDay[day] = UsedOn(day) + 1;
    }

    /// <summary>Gives back the order's claim, whatever its day; false (and nothing changes) when it holds none.</summary>
    public bool Release(string orderId)
    {
        if (!Claims.Remove(orderId, out var day))
        {
            return false;
        }
        Decrement(day);
        return true;
    }

    /// <summary>Forgets the days before <paramref name="today"/>, their counters and their claims; true when any went.</summary>
    public bool DropBefore(DateOnly today)
    {
        if (UsedByDay.Count == 0 || UsedByDay.Keys.First() >= today)
        {
            return false;
        }
        foreach (var day in UsedByDay.Keys.Where(d => d < today).ToList())
        {
            UsedByDay.Remove(day);
        }
        foreach (var order in Claims.Where(c => c.Value < today).Select(c => c.Key).ToList())
        {
            Claims.Remove(order);
        }
        return true;
    }

    private void Decrement(DateOnly day)
    {
        var left = UsedOn(day) - 1;
        if (left > 0)
        {
            UsedByDay[day] = left;
        }
        else
        {
            UsedByDay.Remove(day);
        }
    }
}
