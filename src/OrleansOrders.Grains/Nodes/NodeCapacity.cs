using OrleansOrders.Nodes;

namespace OrleansOrders.Grains.Nodes;

/// <summary>
/// The stored part of a node's dispatch capacity: units in use per dispatch day and the claims released
/// on days not yet passed (see <see cref="CapacityLedger"/> for the rules and why this is enough).
/// Its size depends on the open days and their releases, not on how many parcels the node was promised.
/// </summary>
[GenerateSerializer, Alias("oo.NodeCapacity")]
public sealed class NodeCapacity
{
    /// <summary>Parcels (one per claim) promised per dispatch day, today and later.</summary>
    [Id(0)] public SortedDictionary<DateOnly, int> UsedByDay { get; set; } = [];

    /// <summary>
    /// Schema 3 stored every open claim here (claim id -> day), already counted in <see cref="UsedByDay"/>;
    /// read once, remembered by the node's memory and no longer written.
    /// </summary>
    [Id(1)] public Dictionary<string, DateOnly> Claims { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Claims released on a day not yet passed: claim id -> that day. A replayed release finds its mark and frees nothing.</summary>
    [Id(2)] public Dictionary<string, DateOnly> Released { get; set; } = new(StringComparer.Ordinal);

    public int UsedOn(DateOnly day) => UsedByDay.GetValueOrDefault(day);

    /// <summary>Counts a claim of an older schema (which kept claims, not numbers) on its day.</summary>
    public void CountLegacy(string claimId, DateOnly day)
    {
        if (Claims.TryAdd(claimId, day))
        {
            UsedByDay[day] = UsedOn(day) + 1;
        }
    }
}
