namespace OrleansOrders.Nodes;

/// <summary>What a step changed in the durable part of a node's capacity, to be applied in order on top of a reload.</summary>
public enum CapacityDeltaKind
{
    /// <summary>A unit of <see cref="CapacityDelta.Day"/> taken.</summary>
    Take = 0,
    /// <summary>A unit of <see cref="CapacityDelta.Day"/> given back (never below zero).</summary>
    Give = 1,
    /// <summary><see cref="CapacityDelta.ClaimId"/> was released from <see cref="CapacityDelta.Day"/>: its replays free nothing.</summary>
    MarkReleased = 2,
    /// <summary><see cref="CapacityDelta.ClaimId"/> was claimed again after a release: its next release frees a unit.</summary>
    UnmarkReleased = 3,
    /// <summary>The days before <see cref="CapacityDelta.Day"/> passed: their counters and release marks go.</summary>
    ForgetBefore = 4,
}

public readonly record struct CapacityDelta(CapacityDeltaKind Kind, DateOnly Day, string? ClaimId = null);

/// <summary>
/// A node's dispatch capacity in use: a number per dispatch day. The durable part is those numbers and
/// a mark per claim released on a day not yet passed; its size depends on the open days and the
/// releases made on them, never on how many parcels the node was promised.
/// </summary>
/// <remarks>
/// <para>What replays against a node, and what keeps each replay from counting twice:</para>
/// <list type="bullet">
/// <item>A claim is made by the router, once per node and allocation, under the allocation's
/// reservation id. It is made again when its answer was lost (a timeout; the next bid round claims
/// again) or when the order's submit is retried before its plan became durable; a later round of the
/// same allocation may claim another day (a move). These replays come within the allocation's few
/// seconds, so the claims this copy granted are remembered in memory (<see cref="OpenClaims"/>), not
/// stored: a replay to the same copy changes nothing. One that reaches a new copy of the node (after a
/// deactivation or a crash in between) counts a second unit: the node then looks fuller than it is,
/// and only until the day passes. Capacity is a planning figure (a crash already loses the claims not
/// yet flushed), so this costs a parcel of headroom, never stock.</item>
/// <item>A release comes from the order's outbox, which replays it until it is known to be done, at
/// any later time, and names the day its parcel was claimed for. The first release of a claim gives
/// its unit back and leaves a durable mark until the day passes; a replay finds the mark and frees
/// nothing. So releases count once whatever happens to the node in between.</item>
/// <item>A release of a claim this copy does not remember, without a day (outbox entries written
/// before releases named their day), frees nothing: no unit is given back that may not have been taken.</item>
/// </list>
/// Not thread-safe: its owner (a grain) runs one call at a time between awaits.
/// </remarks>
public sealed class CapacityLedger
{
    private readonly Dictionary<string, DateOnly> _open = new(StringComparer.Ordinal);
    private readonly List<CapacityDelta> _step = [];
    private SortedDictionary<DateOnly, int> _usedByDay;
    private Dictionary<string, DateOnly> _released;
    /// <summary>
    /// The day whose past days were last dropped: until the day changes (or a reload brings back stored
    /// days) there is nothing before it to drop, so a claim does not scan every claim of the day (it
    /// did: a node promised 40,000 parcels today walked 40,000 entries per claim, and the steady load
    /// slowed as it ran).
    /// </summary>
    private DateOnly? _droppedBefore;

    /// <summary>Claims granted with a time, oldest first, and when each was last granted: what <see cref="ReplayWindow"/> forgets.</summary>
    private readonly Queue<(string ClaimId, DateTimeOffset GrantedAt)> _grants = new();
    private readonly Dictionary<string, DateTimeOffset> _grantedAt = new(StringComparer.Ordinal);

    /// <summary>Works on the durable maps given (the grain's stored state), changing them in place.</summary>
    public CapacityLedger(SortedDictionary<DateOnly, int> usedByDay, Dictionary<string, DateOnly> released)
    {
        _usedByDay = usedByDay;
        _released = released;
    }

    /// <summary>
    /// How long a claim granted with a time is remembered for its replays (null: until its day passes).
    /// Replays come within their allocation's seconds; remembering every claim until its day passes kept
    /// an entry per parcel promised today (hundreds of thousands at a busy distribution centre). A claim
    /// replayed after the window counts a second unit, the error a replay to a new copy already makes;
    /// its release names its day and gives back one unit whatever this copy remembers.
    /// </summary>
    public TimeSpan? ReplayWindow { get; init; }

    /// <summary>Claims granted by this copy and still open: claim id -> day (memory only).</summary>
    public IReadOnlyDictionary<string, DateOnly> OpenClaims => _open;

    public IReadOnlyDictionary<DateOnly, int> UsedByDay => _usedByDay;

    public IReadOnlyDictionary<string, DateOnly> Released => _released;

    public int UsedOn(DateOnly day) => _usedByDay.GetValueOrDefault(day);

    /// <summary>After a reload: works on the stored maps from now on, keeping what this copy remembers of its claims.</summary>
    public void Rebase(SortedDictionary<DateOnly, int> usedByDay, Dictionary<string, DateOnly> released)
    {
        _usedByDay = usedByDay;
        _released = released;
        _droppedBefore = null; // the stored maps may hold days already passed
    }

    /// <summary>Remembers a claim whose unit the durable counters already hold (read from an older schema that stored every claim).</summary>
    public void Remember(string claimId, DateOnly day)
    {
        _open[claimId] = day;
        Touch(day);
    }

    /// <summary>Something now refers to <paramref name="day"/>: if that day is already past, the next drop must look again.</summary>
    private void Touch(DateOnly day)
    {
        if (day < _droppedBefore)
        {
            _droppedBefore = null;
        }
    }

    /// <summary>
    /// Takes a unit of <paramref name="day"/> for the claim unless that day is full. A claim this copy
    /// holds on that day is a replay (granted, nothing changes); one it holds on another day moves.
    /// </summary>
    /// <returns>Whether the claim now holds the day, and what changed in the durable part (empty: nothing).</returns>
    public (bool Granted, IReadOnlyList<CapacityDelta> Changes) Claim(string claimId, DateOnly day, int dailyCapacity, DateTimeOffset? now = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(claimId);
        if (now is { } at && ReplayWindow is { } window)
        {
            ForgetClaimsGrantedBefore(at - window);
        }
        if (_open.TryGetValue(claimId, out var held) && held == day)
        {
            return (true, []);
        }
        if (UsedOn(day) >= dailyCapacity)
        {
            return (false, []);
        }
        _step.Clear();
        if (_open.Remove(claimId, out held))
        {
            Do(new CapacityDelta(CapacityDeltaKind.Give, held));
        }
        if (_released.ContainsKey(claimId))
        {
            Do(new CapacityDelta(CapacityDeltaKind.UnmarkReleased, day, claimId));
        }
        Do(new CapacityDelta(CapacityDeltaKind.Take, day));
        _open[claimId] = day;
        if (now is { } grantedAt && ReplayWindow is not null)
        {
            _grants.Enqueue((claimId, grantedAt));
            _grantedAt[claimId] = grantedAt;
        }
        return (true, _step.ToArray());
    }

    /// <summary>Forgets the claims last granted before <paramref name="cutoff"/> (their units stay counted).</summary>
    private void ForgetClaimsGrantedBefore(DateTimeOffset cutoff)
    {
        while (_grants.TryPeek(out var oldest) && oldest.GrantedAt < cutoff)
        {
            _grants.Dequeue();
            if (_grantedAt.TryGetValue(oldest.ClaimId, out var last) && last == oldest.GrantedAt)
            {
                _grantedAt.Remove(oldest.ClaimId);
                _open.Remove(oldest.ClaimId);
            }
        }
    }

    /// <summary>
    /// Gives back the claim's unit once: on the day this copy remembers for it, else on <paramref name="day"/>
    /// (the day its parcel was claimed for). A replay, a day already passed, or an unknown claim without a day free nothing.
    /// </summary>
    public IReadOnlyList<CapacityDelta> Release(string claimId, DateOnly? day, DateOnly today)
    {
        ArgumentException.ThrowIfNullOrEmpty(claimId);
        DateOnly on;
        if (_open.Remove(claimId, out var held))
        {
            on = held;
        }
        else if (day is { } given && !_released.ContainsKey(claimId))
        {
            on = given;
        }
        else
        {
            return [];
        }
        if (on < today)
        {
            return []; // a past day counts for nothing any more
        }
        _step.Clear();
        Do(new CapacityDelta(CapacityDeltaKind.Give, on));
        Do(new CapacityDelta(CapacityDeltaKind.MarkReleased, on, claimId));
        return _step.ToArray();
    }

    /// <summary>Forgets the days before <paramref name="today"/>: their counters, marks and remembered claims.</summary>
    public IReadOnlyList<CapacityDelta> DropBefore(DateOnly today)
    {
        if (_droppedBefore == today)
        {
            return [];
        }
        _droppedBefore = today;
        var anyCounter = _usedByDay.Count > 0 && _usedByDay.Keys.First() < today;
        var anyMark = _released.Values.Any(d => d < today);
        foreach (var claim in _open.Where(c => c.Value < today).Select(c => c.Key).ToList())
        {
            _open.Remove(claim);
        }
        if (!anyCounter && !anyMark)
        {
            return [];
        }
        _step.Clear();
        Do(new CapacityDelta(CapacityDeltaKind.ForgetBefore, today));
        return _step.ToArray();
    }

    private void Do(CapacityDelta delta)
    {
        Touch(delta.Day);
        Apply(delta, _usedByDay, _released);
        _step.Add(delta);
    }

    /// <summary>Applies a delta to durable maps: how a step is carried onto a state read again after a failed write.</summary>
    public static void Apply(CapacityDelta delta, SortedDictionary<DateOnly, int> usedByDay, Dictionary<string, DateOnly> released)
    {
        switch (delta.Kind)
        {
            case CapacityDeltaKind.Take:
                usedByDay[delta.Day] = usedByDay.GetValueOrDefault(delta.Day) + 1;
                break;
            case CapacityDeltaKind.Give:
                var left = usedByDay.GetValueOrDefault(delta.Day) - 1;
                if (left > 0)
                {
                    usedByDay[delta.Day] = left;
                }
                else
                {
                    usedByDay.Remove(delta.Day);
                }
                break;
            case CapacityDeltaKind.MarkReleased:
                released[delta.ClaimId!] = delta.Day;
                break;
            case CapacityDeltaKind.UnmarkReleased:
                released.Remove(delta.ClaimId!);
                break;
            case CapacityDeltaKind.ForgetBefore:
                foreach (var day in usedByDay.Keys.Where(d => d < delta.Day).ToList())
                {
                    usedByDay.Remove(day);
                }
                foreach (var claim in released.Where(r => r.Value < delta.Day).Select(r => r.Key).ToList())
                {
                    released.Remove(claim);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(delta), delta.Kind, "Unknown capacity delta.");
        }
    }
}
