using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;
using OrleansOrders.Contracts;

namespace OrleansOrders.LoadTest.Load;

/// <summary>
/// Thread-safe recording of a load run: the measured window's latency histogram (HdrHistogram,
/// microseconds), outcome counters, a per-second timeline, and live figures for the progress
/// display. Timestamps are <see cref="Stopwatch"/> ticks.
/// </summary>
internal sealed class LoadStats
{
    private const long MaxLatencyMicros = 300_000_000; // 5 minutes: anything longer is clamped

    private readonly LongConcurrentHistogram _latency = new(1, MaxLatencyMicros, 3);
    private readonly ConcurrentDictionary<int, SecondBucket> _seconds = new();
    private readonly Recorder _live = HistogramFactory.With64BitBucketSize()
        .WithValuesFrom(1).WithValuesUpTo(MaxLatencyMicros).WithPrecisionOf(2).WithThreadSafeWrites().WithThreadSafeReads().Create();
    private readonly RecordedOrderIds _accepted;
    private readonly ConcurrentQueue<string> _unknown = new();
    private readonly ConcurrentQueue<string> _errorSamples = new();
    private long _allocated, _partial, _backordered, _rejected, _errors, _shipments, _ordersWithShipments;
    private long _completedAll, _errorsAll, _submitted, _warmupCompleted, _lastMeasuredEnd;
    private long _sampledAt, _sampledCompleted;

    public LoadStats(long loadStart, long measureStart, long measureEnd, string runId)
    {
        _accepted = new RecordedOrderIds(runId);
        LoadStart = loadStart;
        MeasureStart = measureStart;
        MeasureEnd = measureEnd;
        _sampledAt = loadStart;
    }

    public long LoadStart { get; }

    public long MeasureStart { get; }

    /// <summary>End of the measured window; long.MaxValue when the run counts orders rather than time.</summary>
    public long MeasureEnd { get; }

    public long InFlight => Volatile.Read(ref _submitted) - Volatile.Read(ref _completedAll);

    public void Submitted() => Interlocked.Increment(ref _submitted);

    /// <summary>The scenario's follow-up on an answered order failed (the order is audited all the same).</summary>
    public void FollowUpFailed(string orderId, Exception error)
    {
        if (_errorSamples.Count < 10)
        {
            _errorSamples.Enqueue($"{orderId} follow-up: {error.GetType().Name}: {error.Message}");
        }
    }

    /// <param name="measured">Whether this order belongs to the measured window (the driver decides).</param>
    public void Record(string orderId, long start, long end, OrderOutcome outcome, OrderView? view, Exception? error, bool measured)
    {
        var micros = Math.Clamp((end - start) * 1_000_000 / Stopwatch.Frequency, 1, MaxLatencyMicros);
        Interlocked.Increment(ref _completedAll);
        switch (outcome)
        {
            case OrderOutcome.Error:
                Interlocked.Increment(ref _errorsAll);
                _unknown.Enqueue(orderId);
                if (_errorSamples.Count < 10 && error is not null)
                {
                    _errorSamples.Enqueue($"{orderId}: {error.GetType().Name}: {error.Message}");
                }
                break;
            case OrderOutcome.Rejected:
                if (_errorSamples.Count < 10 && error is not null)
                {
                    _errorSamples.Enqueue($"{orderId} rejected: {error.Message}");
                }
                break;
            default:
                _accepted.Add(orderId);
                break;
        }
        if (outcome != OrderOutcome.Error)
        {
            _live.RecordValue(micros);
        }
        if (!measured)
        {
            if (end < MeasureStart)
            {
                Interlocked.Increment(ref _warmupCompleted);
            }
            return;
        }

        var bucket = _seconds.GetOrAdd((int)Math.Max(0, (end - MeasureStart) / Stopwatch.Frequency), _ => new SecondBucket());
        InterlockedMax(ref _lastMeasuredEnd, end);
        switch (outcome)
        {
            case OrderOutcome.Allocated: Interlocked.Increment(ref _allocated); break;
            case OrderOutcome.Partial: Interlocked.Increment(ref _partial); break;
            case OrderOutcome.Backordered: Interlocked.Increment(ref _backordered); break;
            case OrderOutcome.Rejected: Interlocked.Increment(ref _rejected); break;
            case OrderOutcome.Error:
                Interlocked.Increment(ref _errors);
                Interlocked.Increment(ref bucket.Errors);
                return;
        }
        _latency.RecordValue(micros);
        bucket.Latency.RecordValue(micros);
        if (outcome != OrderOutcome.Rejected)
        {
            Interlocked.Increment(ref bucket.Accepted);
        }
        if (view is { Shipments.Count: > 0 })
        {
            Interlocked.Add(ref _shipments, view.Shipments.Count);
            Interlocked.Increment(ref _ordersWithShipments);
        }
    }

    /// <summary>Figures since the previous sample, for the live display. Call from one thread.</summary>
    public ProgressSample Sample(long now)
    {
        var completed = Volatile.Read(ref _completedAll);
        var seconds = Math.Max(1e-3, (double)(now - _sampledAt) / Stopwatch.Frequency);
        var rate = (completed - _sampledCompleted) / seconds;
        (_sampledAt, _sampledCompleted) = (now, completed);
        var interval = _live.GetIntervalHistogram();
        var p99 = interval.TotalCount > 0 ? interval.GetValueAtPercentile(99) / 1000.0 : 0;
        var phase = now < MeasureStart ? "warming up" : now < MeasureEnd ? "measuring" : "finishing";
        return new ProgressSample(phase, Elapsed(now), rate, p99, Volatile.Read(ref _errorsAll), completed, InFlight);
    }

    public LoadResult Result()
    {
        var end = MeasureEnd != long.MaxValue ? MeasureEnd : Math.Max(MeasureStart, Volatile.Read(ref _lastMeasuredEnd));
        var window = Ticks(end - MeasureStart);
        var timeline = new List<TimelinePoint>();
        var lastSecond = (int)Math.Ceiling(window.TotalSeconds);
        for (var second = 0; second < lastSecond; second++)
        {
            var covered = Math.Min(1.0, window.TotalSeconds - second);
            if (!_seconds.TryGetValue(second, out var bucket))
            {
                timeline.Add(new TimelinePoint(second + 1, 0, 0, 0, 0));
                continue;
            }
            timeline.Add(new TimelinePoint(second + 1,
                Math.Round(bucket.Accepted / covered, 1),
                Millis(bucket.Latency, 50), Millis(bucket.Latency, 99), bucket.Errors));
        }
        return new LoadResult
        {
            Measured = window,
            Allocated = _allocated,
            Partial = _partial,
            Backordered = _backordered,
            Rejected = _rejected,
            Errors = _errors,
            Latency = new LatencySummary(Millis(_latency, 50), Millis(_latency, 90), Millis(_latency, 99),
                _latency.TotalCount > 0 ? Math.Round(_latency.GetMaxValue() / 1000.0, 2) : 0),
            ShipmentsPerOrder = _ordersWithShipments > 0 ? Math.Round((double)_shipments / _ordersWithShipments, 3) : 0,
            Timeline = timeline,
            AcceptedOrderIds = _accepted,
            UnknownOrderIds = _unknown.ToList(),
            ErrorSamples = _errorSamples.ToList(),
            Submitted = _submitted,
            WarmupCompleted = _warmupCompleted,
        };
    }

    public TimeSpan Elapsed(long now) => Ticks(now - LoadStart);

    private static TimeSpan Ticks(long stopwatchTicks) => TimeSpan.FromSeconds((double)stopwatchTicks / Stopwatch.Frequency);

    private static double Millis(HistogramBase histogram, double percentile) =>
        histogram.TotalCount > 0 ? Math.Round(histogram.GetValueAtPercentile(percentile) / 1000.0, 2) : 0;

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    private sealed class SecondBucket
    {
        public long Accepted;
        public long Errors;
        public readonly LongConcurrentHistogram Latency = new(1, MaxLatencyMicros, 2);
    }
}

/// <summary>What the live display shows: figures since the previous sample.</summary>
public sealed record ProgressSample(string Phase, TimeSpan Elapsed, double OrdersPerSecond, double P99Ms, long Errors, long Completed, long InFlight);
