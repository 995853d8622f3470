namespace OrleansOrders.Grains.Nodes;

/// <summary>
/// A node's dispatch capacity in use: a number per dispatch day, plus one record per open claim so
/// that claims and releases are idempotent.
/// </summary>
/// <remarks>
/// <para>What can replay against a node, and why the records are bounded:</para>
/// <list type="bullet">
/// <item>A claim is made by the router once per node and allocation, under the allocation's reservation
/// id (the order id for an order's first allocation, <c>{orderId}~{n}</c> for later ones), because each
/// allocation makes a parcel of its own at the node: an order with two live parcels at one node (a
/// backorder filled later there, a re-route) holds two claims, and cancelling one parcel frees only its
/// own. A claim whose answer was lost (timeout) is made again by the next bid round or by the order's
/// retried submit (same reservation id); a later round of the same allocation (lost race) claims
/// again, possibly on another day. So a claim must be a no-op when the id already holds that day, and
/// a move (not a second unit) when it holds another.</item>
/// <item>A release comes from the order's outbox (pending operations), which replays it after a crash,
/// on its next activation, and up to <c>MaxCallAttempts</c> times on failure, at any later time. A
/// replayed release must not free a unit twice, so the node has to know whether that claim is still
/// open here: that needs a record per open claim. Keyed by reservation id, a replayed release can only
/// free the claim it was written for, never one a later allocation of the same order made. A time-window of recent operation ids would not
/// do: a legitimate release (a cancel hours later) would find its record gone and leak the unit, and a
/// late replay would free someone else's unit.</item>
/// <item>A record is needed only while its day can still be dispatched: a claim on a past day frees
/// nothing and counts for nothing, so the day's counter and its records go together when the day
/// passes. The records are therefore at most the open days' capacity (today up to the longest dispatch
/// delay plus a day, times the daily capacity), whatever the node's history; released claims leave no
/// record (a release of an unknown claim is a no-op).</item>
/// </list>
/// <para>Bids read only the counters. The records are a flat map (claim id -> day), not a set per day,
/// so a release finds its claim in one lookup and a day's counter is not recomputed from a set.</para>
/// </remarks>
[GenerateSerializer, Alias("oo.NodeCapacity")]
public sealed class NodeCapacity
{
    /// <summary>Parcels (one per claim) promised per dispatch day, today and later.</summary>
    [Id(0)] public SortedDictionary<DateOnly, int> UsedByDay { get; set; } = [];

    /// <summary>Open claims: claim id (a reservation id; the order id for claims made before they were per reservation) -> the day it holds.</summary>
    [Id(1)] public Dictionary<string, DateOnly> Claims { get; set; } = new(StringComparer.Ordinal);

    public int UsedOn(DateOnly day) => UsedByDay.GetValueOrDefault(day);

    /// <summary>The day the claim holds here, if any.</summary>
    public DateOnly? ClaimOf(string claimId) => Claims.TryGetValue(claimId, out var day) ? day : null;

    /// <summary>
    /// Takes a unit of <paramref name="day"/> for the claim unless that day is full; a claim held on
    /// the same day is a replay (true, nothing changes), one held on another day moves.
    /// </summary>
    /// <returns>Whether the claim now holds <paramref name="day"/>, and whether anything changed.</returns>
    public (bool Granted, bool Changed) Claim(string claimId, DateOnly day, int dailyCapacity)
    {
        if (Claims.TryGetValue(claimId, out var held) && held == day)
        {
            return (true, false);
        }
        if (UsedOn(day) >= dailyCapacity)
        {
            return (false, false);
        }
        Apply(claimId, day);
        return (true, true);
    }

    /// <summary>Records a claim already granted (re-applied after a reload): no capacity check, idempotent.</summary>
    public void Apply(string claimId, DateOnly day)
    {
        if (Claims.TryGetValue(claimId, out var held))
        {
            if (held == day)
            {
                return;
            }
            Decrement(held);
        }
        Claims[claimId] = day;
        UsedByDay[day] = UsedOn(day) + 1;
    }

    /// <summary>Gives back the claim, whatever its day; false (and nothing changes) when it is not open.</summary>
    public bool Release(string claimId)
    {
        if (!Claims.Remove(claimId, out var day))
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
        foreach (var claim in Claims.Where(c => c.Value < today).Select(c => c.Key).ToList())
        {
            Claims.Remove(claim);
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
