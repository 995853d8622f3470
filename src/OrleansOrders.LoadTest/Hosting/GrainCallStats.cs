using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrleansOrders.LoadTest.Hosting;

/// <summary>One grain method's calls while the statistics were on.</summary>
public sealed record GrainMethodStats(string Method, long Calls, double PerOrder, double MeanMs, double MaxMs);

/// <summary>
/// An outgoing grain call filter on the in-process silo: counts every grain call made while it is
/// on (the harness's own, grain to grain, and grain to storage grain) with its round trip, which
/// includes any wait in the callee's queue. Diagnoses where an order's time goes (<c>run --call-stats</c>).
/// Off by default: the filter itself costs a little on every call.
/// </summary>
public sealed class GrainCallStats
{
    private readonly ConcurrentDictionary<string, Counter> _methods = new(StringComparer.Ordinal);
    private volatile bool _on;

    public void Start()
    {
        _methods.Clear();
        _on = true;
    }

    public void Stop() => _on = false;

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (!_on)
        {
            await context.Invoke();
            return;
        }
        var started = Stopwatch.GetTimestamp();
        try
        {
            await context.Invoke();
        }
        finally
        {
            var elapsed = Stopwatch.GetTimestamp() - started;
            var counter = _methods.GetOrAdd($"{ShortName(context.InterfaceName)}.{context.MethodName}", _ => new Counter());
            Interlocked.Increment(ref counter.Calls);
            Interlocked.Add(ref counter.Ticks, elapsed);
            var max = Volatile.Read(ref counter.MaxTicks);
            while (elapsed > max && Interlocked.CompareExchange(ref counter.MaxTicks, elapsed, max) != max)
            {
                max = Volatile.Read(ref counter.MaxTicks);
            }
        }
    }

    /// <summary>Every method called, most calls first, per order of <paramref name="orders"/>.</summary>
    public IReadOnlyList<GrainMethodStats> Snapshot(long orders) => _methods
        .Select(m => new GrainMethodStats(
            m.Key,
            m.Value.Calls,
            orders > 0 ? Math.Round((double)m.Value.Calls / orders, 2) : 0,
            m.Value.Calls > 0 ? Math.Round(m.Value.Ticks * 1000.0 / Stopwatch.Frequency / m.Value.Calls, 3) : 0,
            Math.Round(m.Value.MaxTicks * 1000.0 / Stopwatch.Frequency, 1)))
        .OrderByDescending(m => m.Calls)
        .ToList();

    private static string ShortName(string interfaceName)
    {
        var generic = interfaceName.IndexOf('<');
        var name = generic > 0 ? interfaceName[..generic] : interfaceName;
        var dot = name.LastIndexOf('.');
        return dot >= 0 ? interfaceName[(dot + 1)..] : interfaceName;
    }

    private sealed class Counter
    {
        public long Calls;
        public long Ticks;
        public long MaxTicks;
    }
}
