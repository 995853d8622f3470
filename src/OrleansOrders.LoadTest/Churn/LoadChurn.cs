using System.Globalization;
using OrleansOrders.Client;
using OrleansOrders.Contracts;
using OrleansOrders.LoadTest.Cli;
using OrleansOrders.LoadTest.Network;

namespace OrleansOrders.LoadTest.Churn;

/// <summary>
/// The churn of one run (<see cref="ChurnPlan"/>): stock receipts while the measured load runs, and
/// cancellations of accepted orders. Start the load, then <see cref="Start"/>; pass
/// <see cref="AfterAnswer"/> to the load driver; when the load has ended, <see cref="FinishAsync"/>
/// waits for the last round and the last cancel, so the audit reads a grid the churn has stopped changing.
/// </summary>
public sealed class LoadChurn
{
    private readonly StockReceipts? _receipts;
    private readonly Cancellations? _cancellations;
    private Task<StockReceiptsSummary>? _receiving;

    public LoadChurn(IGrainFactory grains, IOrderGridClient client, SyntheticNetwork network, ChurnPlan plan, int seed, string runId,
        CancellationToken cancellationToken = default)
    {
        Plan = plan;
        _receipts = plan.ReplenishEvery is { } every ? new StockReceipts(grains, network, seed, runId, every, plan.ReplenishUnits) : null;
        _cancellations = plan.CancelShare > 0 ? new Cancellations(client, seed, runId, plan.CancelShare, plan.CancelAfter, cancellationToken) : null;
    }

    public ChurnPlan Plan { get; }

    /// <summary>The plan in words for the console, or null when there is no churn.</summary>
    public static string? Describe(ChurnPlan plan)
    {
        var parts = new List<string>();
        if (plan.ReplenishEvery is { } every)
        {
            parts.Add($"stock receipts of {plan.ReplenishUnits} units every {Durations.Format(every)} during the measured load, at the pairs that ran lowest");
        }
        if (plan.CancelShare > 0)
        {
            parts.Add($"{plan.CancelShare.ToString("0.##%", CultureInfo.InvariantCulture)} of accepted orders cancelled {Durations.Format(plan.CancelAfter)} after acceptance");
        }
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    /// <summary>
    /// What the driver does with an answered order: schedules its cancel when it is picked (without
    /// waiting for it), then whatever <paramref name="next"/> does. Null when there is nothing to do.
    /// </summary>
    public Func<OrderView, Task>? AfterAnswer(Func<OrderView, Task>? next)
    {
        if (_cancellations is not { } cancellations)
        {
            return next;
        }
        return view =>
        {
            cancellations.Accepted(view.OrderId);
            return next?.Invoke(view) ?? Task.CompletedTask;
        };
    }

    /// <summary>Starts the receipt rounds for <paramref name="load"/>, the first one interval after the warm-up.</summary>
    public void Start(TimeSpan warmup, Task load, CancellationToken cancellationToken) =>
        _receiving = _receipts?.RunAsync(warmup, load, cancellationToken);

    /// <summary>After the load: waits for the receipt rounds and the scheduled cancels to end, and answers what they did.</summary>
    public async Task<(StockReceiptsSummary? Receipts, CancellationsSummary? Cancellations)> FinishAsync()
    {
        var receipts = _receiving is null ? _receipts?.Summary() : await _receiving;
        var cancellations = _cancellations is null ? null : await _cancellations.DrainedAsync();
        return (receipts, cancellations);
    }
}
