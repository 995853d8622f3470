using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Routing;

/// <summary>
/// The demand sample the opportunity-cost forecast reads: recent ship orders as the order-event
/// projections pass them on, at most <paramref name="capacity"/> (the oldest arrivals go first), and
/// the span the sample really covers. Orders before the grain started observing, or dropped for
/// room, are missing, so the rate is taken only over the span since then.
/// </summary>
internal sealed class DemandSampleWindow(int capacity, DateTimeOffset observingSince)
{
    private readonly List<DemandSample> _samples = [];
    private DateTimeOffset _completeFrom = observingSince;

    public int Count => _samples.Count;

    public IReadOnlyList<DemandSample> Samples => _samples;

    public void Add(IEnumerable<DemandSample> samples)
    {
        _samples.AddRange(samples);
        var excess = _samples.Count - Math.Max(1, capacity);
        if (excess > 0)
        {
            // Projections deliver in about time order: the first arrivals are the oldest orders.
            var newestDropped = _samples.Take(excess).Max(s => s.At);
            _samples.RemoveRange(0, excess);
            if (newestDropped > _completeFrom)
            {
                _completeFrom = newestDropped;
            }
        }
    }

    /// <summary>Forgets orders accepted at or before <paramref name="windowStart"/>: they no longer count.</summary>
    public void DropBefore(DateTimeOffset windowStart) => _samples.RemoveAll(s => s.At <= windowStart);

    /// <summary>Where the sample really starts: the window's start, unless orders after it may be missing.</summary>
    public DateTimeOffset ObservedFrom(DateTimeOffset windowStart) => _completeFrom > windowStart ? _completeFrom : windowStart;
}
