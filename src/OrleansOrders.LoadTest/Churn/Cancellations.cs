using OrleansOrders.Client;
using OrleansOrders.LoadTest.Cli;
using OrleansOrders.LoadTest.Load;
using OrleansOrders.LoadTest.Scenarios;

namespace OrleansOrders.LoadTest.Churn;

/// <summary>
/// Cancels a share of the accepted orders a short delay after their acceptance, through the client
/// the harness submits with (<see cref="IOrderGridClient.CancelOrderAsync"/>, idempotent, so it retries
/// an unknown outcome), off the submit path: <see cref="Accepted"/> only schedules the cancel, so the
/// worker submits its next order at once and the freed stock returns while the load still runs.
/// Which orders: <see cref="Picks"/>, a hash of the order's number within its run (its id less the
/// run id) seeded by the order seed, so the same seed cancels the same orders of every run.
/// </summary>
public sealed class Cancellations(IOrderGridClient client, int seed, string runId, double share, TimeSpan after, CancellationToken cancellationToken = default)
{
    public const string Reason = "load test churn";

    private readonly double _share = share is >= 0 and <= ChurnPlan.MaxCancelShare
        ? share
        : throw new ArgumentOutOfRangeException(nameof(share), share, $"a share from 0 to {ChurnPlan.MaxCancelShare}");
    private readonly TimeSpan _after = after >= TimeSpan.Zero ? after : throw new ArgumentOutOfRangeException(nameof(after), after, "not negative");
    private readonly InFlight _pending = new();
    private long _picked;
    private long _cancelled;
    private long _refused;
    private long _failed;

    /// <summary>Whether the order is one the seed cancels: its number's seeded hash, as a fraction of 1, falls below the share.</summary>
    public static bool Picks(int seed, string runId, string orderId, double share)
    {
        var key = orderId.StartsWith(runId + "-", StringComparison.Ordinal) ? orderId[(runId.Length + 1)..] : orderId;
        // FNV-1a over the key's characters (stable across processes, unlike string.GetHashCode), mixed with the seed.
        var hash = 14695981039346656037UL;
        foreach (var c in key)
        {
            hash = unchecked((hash ^ c) * 1099511628211UL);
        }
        var mixed = (uint)OrderScenario.MixSeed(seed, (int)(hash ^ (hash >> 32)));
        return mixed / 4294967296.0 < share;
    }

    /// <summary>An order was accepted: if it is picked, its cancel is scheduled and this answers at once.</summary>
    public void Accepted(string orderId)
    {
        if (!Picks(seed, runId, orderId, _share) || cancellationToken.IsCancellationRequested)
        {
            return;
        }
        Interlocked.Increment(ref _picked);
        _pending.Enter();
        _ = Task.Run(() => CancelAsync(orderId), CancellationToken.None);
    }

    /// <summary>Waits for every scheduled cancel to answer (none is scheduled after this is called), then answers what they did.</summary>
    public async Task<CancellationsSummary> DrainedAsync()
    {
        await _pending.DrainedAsync();
        return Summary();
    }

    public CancellationsSummary Summary() => new(_share, Durations.Format(_after), Interlocked.Read(ref _picked),
        Interlocked.Read(ref _cancelled), Interlocked.Read(ref _refused), Interlocked.Read(ref _failed));

    private async Task CancelAsync(string orderId)
    {
        try
        {
            await Task.Delay(_after, cancellationToken);
            await client.CancelOrderAsync(orderId, Reason, cancellationToken);
            Interlocked.Increment(ref _cancelled);
        }
        catch (Exception ex) when (ex is OrderGridStateException or OrderGridNotFoundException)
        {
            Interlocked.Increment(ref _refused);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref _failed);
        }
        finally
        {
            _pending.Leave();
        }
    }
}
