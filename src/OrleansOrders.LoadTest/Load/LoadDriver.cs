using System.Diagnostics;
using OrleansOrders.Client;
using OrleansOrders.Contracts;
using OrleansOrders.LoadTest.Scenarios;

namespace OrleansOrders.LoadTest.Load;

/// <summary>
/// Submits a scenario's orders through the client library, closed or open loop (see
/// <see cref="LoadPlan"/>), and records every answer in <see cref="LoadStats"/>.
/// Which orders are measured: with <see cref="LoadPlan.Duration"/>, those that complete inside
/// [warm-up end, warm-up end + duration] (completions per second, unbiased in a steady state);
/// with <see cref="LoadPlan.Orders"/>, the first N orders started after the warm-up, over the time
/// until the last of them answered.
/// </summary>
public sealed class LoadDriver
{
    private readonly IOrderGridClient _client;
    private readonly OrderScenario _scenario;
    private readonly LoadPlan _plan;
    private readonly OrderIds _ids;
    private readonly Func<OrderView, Task>? _afterAnswer;
    private long _tickets;
    private LoadStats? _stats;

    /// <param name="afterAnswer">What happens to an answered order next, outside its measured latency (a node's side of the scenario); null: nothing.</param>
    public LoadDriver(IOrderGridClient client, OrderScenario scenario, LoadPlan plan, OrderIds ids, Func<OrderView, Task>? afterAnswer = null)
    {
        plan.Validate();
        _client = client;
        _scenario = scenario;
        _plan = plan;
        _ids = ids;
        _afterAnswer = afterAnswer;
    }

    /// <summary>Live figures since the previous call; null before the run starts. Call from one thread.</summary>
    public ProgressSample? Sample() => _stats?.Sample(Stopwatch.GetTimestamp());

    /// <summary>The measured window's length, when it is known up front.</summary>
    public TimeSpan? Planned => _plan.Duration is { } d ? _plan.Warmup + d : null;

    public async Task<LoadResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var start = Stopwatch.GetTimestamp();
        var measureStart = start + Ticks(_plan.Warmup);
        var measureEnd = _plan.Duration is { } duration ? measureStart + Ticks(duration) : long.MaxValue;
        var stats = new LoadStats(start, measureStart, measureEnd, _ids.RunId);
        _stats = stats;
        if (_plan.OpenLoop)
        {
            await OpenLoopAsync(stats, cancellationToken);
        }
        else
        {
            await Task.WhenAll(Enumerable.Range(0, _plan.EffectiveConcurrency)
                .Select(worker => Task.Run(() => WorkerAsync(stats, worker, cancellationToken), CancellationToken.None)));
        }
        return stats.Result();
    }

    /// <summary>A closed-loop worker: the next order as soon as the previous one answered.</summary>
    private async Task WorkerAsync(LoadStats stats, int worker, CancellationToken cancellationToken)
    {
        var stream = _scenario.Stream(worker);
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            if (!TryAdmit(stats, now, out var ticketed))
            {
                return;
            }
            await SubmitAsync(stats, stream.Next(_ids.Next()), now, ticketed, cancellationToken);
        }
    }

    /// <summary>
    /// Open loop: order i is due at start + i/rate. Each tick starts every order that is due; an
    /// order's latency counts from when it was due, so falling behind shows as latency.
    /// </summary>
    private async Task OpenLoopAsync(LoadStats stats, CancellationToken cancellationToken)
    {
        var stream = _scenario.Stream(0);
        var rate = _plan.Rate!.Value;
        var inFlight = new InFlight();
        long issued = 0;
        var done = false;
        while (!done && !cancellationToken.IsCancellationRequested)
        {
            var due = (long)((Stopwatch.GetTimestamp() - stats.LoadStart) * rate / Stopwatch.Frequency) + 1;
            while (issued < due && inFlight.Count < _plan.MaxInFlight)
            {
                var scheduled = stats.LoadStart + (long)(issued * Stopwatch.Frequency / rate);
                if (!TryAdmit(stats, scheduled, out var ticketed))
                {
                    done = true;
                    break;
                }
                issued++;
                inFlight.Enter();
                _ = SubmitAndLeaveAsync(stats, stream.Next(_ids.Next()), scheduled, ticketed, inFlight, cancellationToken);
            }
            if (!done)
            {
                try
                {
                    await Task.Delay(1, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        await inFlight.DrainedAsync();
    }

    private async Task SubmitAndLeaveAsync(LoadStats stats, OrderRequest order, long scheduled, bool ticketed, InFlight inFlight, CancellationToken cancellationToken)
    {
        try
        {
            await SubmitAsync(stats, order, scheduled, ticketed, cancellationToken);
        }
        finally
        {
            inFlight.Leave();
        }
    }

    /// <summary>Whether an order starting at <paramref name="at"/> may go, and whether it is one of the counted N.</summary>
    private bool TryAdmit(LoadStats stats, long at, out bool ticketed)
    {
        ticketed = false;
        if (_plan.Orders is not { } orders)
        {
            return at < stats.MeasureEnd;
        }
        if (at < stats.MeasureStart)
        {
            return true;
        }
        if (Interlocked.Increment(ref _tickets) > orders)
        {
            return false;
        }
        ticketed = true;
        return true;
    }

    private async Task SubmitAsync(LoadStats stats, OrderRequest order, long start, bool ticketed, CancellationToken cancellationToken)
    {
        stats.Submitted();
        OrderOutcome outcome;
        OrderView? view = null;
        Exception? error = null;
        try
        {
            view = await _client.SubmitOrderAsync(order, cancellationToken);
            outcome = view.Status switch
            {
                OrderStatus.Allocated => OrderOutcome.Allocated,
                OrderStatus.PartiallyAllocated => OrderOutcome.Partial,
                _ => OrderOutcome.Backordered,
            };
        }
        catch (Exception ex) when (ex is OrderGridValidationException or OrderGridConflictException)
        {
            (outcome, error) = (OrderOutcome.Rejected, ex);
        }
        catch (Exception ex)
        {
            // Includes cancellation mid-call: the order may still have been accepted, so it is audited.
            (outcome, error) = (OrderOutcome.Error, ex);
        }
        var end = Stopwatch.GetTimestamp();
        var measured = _plan.Orders is null ? end >= stats.MeasureStart && end <= stats.MeasureEnd : ticketed;
        stats.Record(order.OrderId, start, end, outcome, view, error, measured && !cancellationToken.IsCancellationRequested);
        if (view is not null && _afterAnswer is not null && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _afterAnswer(view);
            }
            catch (Exception ex)
            {
                stats.FollowUpFailed(order.OrderId, ex);
            }
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
