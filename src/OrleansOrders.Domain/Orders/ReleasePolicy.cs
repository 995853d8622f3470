namespace OrleansOrders.Orders;

/// <summary>When a node may start on a parcel allocated to it.</summary>
public enum ReleaseMode
{
    /// <summary>The moment it is allocated (the parcel is never soft).</summary>
    Immediate = 0,
    /// <summary>At the next pick wave: given UTC times of day, or every fixed interval from midnight UTC.</summary>
    Waves = 1,
    /// <summary>A lead time before the node's cutoff on the parcel's dispatch day (at once when that has passed or the node has no cutoff).</summary>
    BeforeCutoff = 2,
}

/// <summary>
/// A release policy: until its release time a parcel is soft (its stock is committed, but no node
/// has seen it), so the re-optimiser may still move it. Pure: the time of allocation in, the
/// release time out.
/// </summary>
/// <param name="WaveTimesUtc">Waves at these UTC times of day (used when <paramref name="WaveEvery"/> is null).</param>
/// <param name="WaveEvery">Waves at every multiple of this interval since midnight UTC.</param>
/// <param name="LeadTime">For <see cref="ReleaseMode.BeforeCutoff"/>: how long before the cutoff the parcel is released.</param>
public sealed record ReleasePolicy(ReleaseMode Mode, IReadOnlyList<TimeOnly> WaveTimesUtc, TimeSpan? WaveEvery, TimeSpan LeadTime)
{
    public static ReleasePolicy Immediate { get; } = new(ReleaseMode.Immediate, [], null, TimeSpan.Zero);

    public static ReleasePolicy Waves(params TimeOnly[] timesUtc) => new(ReleaseMode.Waves, timesUtc, null, TimeSpan.Zero);

    public static ReleasePolicy WavesEvery(TimeSpan interval) => new(ReleaseMode.Waves, [], interval, TimeSpan.Zero);

    public static ReleasePolicy BeforeCutoff(TimeSpan leadTime) => new(ReleaseMode.BeforeCutoff, [], null, leadTime);

    /// <summary>What is wrong with the policy (empty when usable).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!Enum.IsDefined(Mode))
        {
            problems.Add("Mode must be Immediate, Waves or BeforeCutoff.");
        }
        if (Mode == ReleaseMode.Waves && WaveEvery is null && WaveTimesUtc.Count == 0)
        {
            problems.Add("Waves need Times (UTC times of day) or Every (an interval).");
        }
        if (WaveEvery is { } every && (every < TimeSpan.FromSeconds(1) || every > TimeSpan.FromDays(1)))
        {
            problems.Add("Every must be between 1 second and 1 day.");
        }
        if (Mode == ReleaseMode.BeforeCutoff && (LeadTime < TimeSpan.Zero || LeadTime > TimeSpan.FromHours(23)))
        {
            problems.Add("LeadTime must be between 0 and 23 hours.");
        }
        return problems;
    }

    /// <summary>
    /// When a parcel allocated at <paramref name="allocatedAt"/> for dispatch on <paramref name="dispatchOn"/>
    /// (null: today) is released to its node; null when at once. A parcel that dispatches on a later day
    /// waits for a wave of that day; a wave or lead time already past releases it at once.
    /// </summary>
    public DateTimeOffset? ReleaseAt(DateTimeOffset allocatedAt, DateOnly? dispatchOn, TimeOnly? cutoffUtc)
    {
        var now = allocatedAt.ToUniversalTime();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var day = dispatchOn is { } d && d > today ? d : today;
        var from = day > today ? At(day, TimeOnly.MinValue) : now;
        DateTimeOffset? at = Mode switch
        {
            ReleaseMode.Waves when WaveEvery is { } every => NextMultiple(from, every),
            ReleaseMode.Waves => NextWaveTime(from),
            ReleaseMode.BeforeCutoff when cutoffUtc is { } cutoff => At(day, cutoff) - LeadTime,
            _ => null,
        };
        return at is { } release && release > now ? release : null;
    }

    private static DateTimeOffset At(DateOnly day, TimeOnly time) => new(day.ToDateTime(time), TimeSpan.Zero);

    /// <summary>The first multiple of <paramref name="every"/> since midnight UTC strictly after <paramref name="from"/> (a wave runs at its instant, so a parcel made at it waits for the next).</summary>
    private static DateTimeOffset NextMultiple(DateTimeOffset from, TimeSpan every)
    {
        var midnight = At(DateOnly.FromDateTime(from.UtcDateTime), TimeOnly.MinValue);
        var waves = (from - midnight).Ticks / every.Ticks + 1;
        return midnight + TimeSpan.FromTicks(waves * every.Ticks);
    }

    private DateTimeOffset NextWaveTime(DateTimeOffset from)
    {
        var day = DateOnly.FromDateTime(from.UtcDateTime);
        var sorted = WaveTimesUtc.Order().ToList();
        foreach (var time in sorted)
        {
            if (At(day, time) > from)
            {
                return At(day, time);
            }
        }
        return At(day.AddDays(1), sorted[0]);
    }
}
