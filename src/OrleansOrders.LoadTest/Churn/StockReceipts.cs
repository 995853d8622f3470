using System.Diagnostics;
using OrleansOrders.Contracts;
using OrleansOrders.LoadTest.Cli;
using OrleansOrders.LoadTest.Network;
using OrleansOrders.LoadTest.Scenarios;

namespace OrleansOrders.LoadTest.Churn;

/// <summary>
/// Stock receipts during the measured load, as a warehouse feed sends them: every interval a round
/// of deliveries, each received at its stock grain with <see cref="IStockGrain.Receive"/> (goods in
/// from a supplier: on hand and the received count go up, so the audit's conservation still holds,
/// and the grain reports the new availability, which wakes backordered orders). Each receipt is
/// idempotent on its operation id (<c>lt-rcv:{run}:{round}:{node}:{sku}</c>), so a retry after an
/// unknown outcome never receives twice.
/// <para>
/// Which SKU-node pairs get a delivery: round r draws a sample of <see cref="CandidatesPerRound"/>
/// pairs of the network from a generator seeded by the order seed and r (the same seed draws the same
/// samples), reads what each has available, and delivers to the <see cref="ReceiptsPerRound"/> of them
/// that ran lowest against their seeded level (ties in sample order), as a replenishment planner
/// orders what ran low.
/// </para>
/// </summary>
public sealed class StockReceipts
{
    private const int Attempts = 3;
    private readonly IGrainFactory _grains;
    private readonly SyntheticNetwork _network;
    private readonly string _runId;
    private readonly TimeSpan _every;
    private readonly int _units;
    private readonly int _seed;
    private int _rounds;
    private long _receipts;
    private long _received;
    private long _failed;

    public StockReceipts(IGrainFactory grains, SyntheticNetwork network, int seed, string runId, TimeSpan every, int units)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(every, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(units, 1);
        _grains = grains;
        _network = network;
        _runId = runId;
        _every = every;
        _units = units;
        // Apart from the order streams' seeds (MixSeed(seed, worker)).
        _seed = OrderScenario.MixSeed(seed, -1);
        ReceiptsPerRound = Math.Clamp(network.Stock.Count / 50, 1, 200);
        CandidatesPerRound = Math.Min(network.Stock.Count, 4 * ReceiptsPerRound);
    }

    /// <summary>Deliveries a round: 2% of the network's SKU-node pairs, at least 1 and at most 200.</summary>
    public int ReceiptsPerRound { get; }

    /// <summary>Pairs a round samples to find the ones that ran low.</summary>
    public int CandidatesPerRound { get; }

    /// <summary>
    /// Round r at <paramref name="warmup"/> + r x the interval after now, while <paramref name="load"/>
    /// runs; answers what the rounds did once the load has ended (a round under way finishes first).
    /// </summary>
    public Task<StockReceiptsSummary> RunAsync(TimeSpan warmup, Task load, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        var started = Stopwatch.GetTimestamp();
        for (var round = 1; ; round++)
        {
            var wait = warmup + _every * round - Stopwatch.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                await Task.WhenAny(Task.Delay(wait, cancellationToken), load);
            }
            if (load.IsCompleted || cancellationToken.IsCancellationRequested)
            {
                break;
            }
            await RoundAsync(round, cancellationToken);
        }
        return Summary();
    }, CancellationToken.None);

    public StockReceiptsSummary Summary() => new(Durations.Format(_every), _units, Volatile.Read(ref _rounds),
        Interlocked.Read(ref _receipts), Interlocked.Read(ref _received), Interlocked.Read(ref _failed));

    /// <summary>One round: sample, read what the sample has left, deliver to the lowest.</summary>
    public async Task RoundAsync(int round, CancellationToken cancellationToken = default)
    {
        var candidates = Candidates(round);
        var available = await Task.WhenAll(candidates.Select(async i =>
        {
            try
            {
                return await Stock(_network.Stock[i]).GetAvailable();
            }
            catch (Exception)
            {
                return int.MaxValue; // not read: least in need
            }
        }));
        var chosen = Lowest(candidates.Select(i => _network.Stock[i]).ToList(), available, ReceiptsPerRound);
        await Task.WhenAll(chosen.Select(entry => ReceiveAsync(round, entry, cancellationToken)));
        Interlocked.Increment(ref _rounds);
    }

    /// <summary>The indexes into the network's stock that round <paramref name="round"/> samples: a function of the seed and the round alone.</summary>
    public IReadOnlyList<int> Candidates(int round)
    {
        var random = new Random(OrderScenario.MixSeed(_seed, round));
        var count = _network.Stock.Count;
        if (CandidatesPerRound == count)
        {
            var all = Enumerable.Range(0, count).ToArray();
            random.Shuffle(all);
            return all;
        }
        var picked = new HashSet<int>();
        var order = new List<int>(CandidatesPerRound);
        while (order.Count < CandidatesPerRound)
        {
            var i = random.Next(count);
            if (picked.Add(i))
            {
                order.Add(i);
            }
        }
        return order;
    }

    /// <summary>
    /// The <paramref name="take"/> candidates with the least left against their seeded level
    /// (available over seeded on hand less safety stock), in sample order among equals.
    /// </summary>
    public static IReadOnlyList<StockEntry> Lowest(IReadOnlyList<StockEntry> candidates, IReadOnlyList<int> available, int take) =>
        candidates.Select((entry, i) => (Entry: entry, Left: available[i] / (double)Math.Max(1, entry.Level.OnHand - entry.Level.SafetyStock)))
            .OrderBy(c => c.Left)
            .Take(take)
            .Select(c => c.Entry)
            .ToList();

    private async Task ReceiveAsync(int round, StockEntry entry, CancellationToken cancellationToken)
    {
        var operationId = $"lt-rcv:{_runId}:{round}:{entry.NodeId}:{entry.Sku}";
        for (var attempt = 1; attempt <= Attempts && !cancellationToken.IsCancellationRequested; attempt++)
        {
            try
            {
                // Idempotent on the operation id: a retry of a receipt that did arrive changes nothing.
                await Stock(entry).Receive(operationId, _units);
                Interlocked.Increment(ref _receipts);
                Interlocked.Add(ref _received, _units);
                return;
            }
            catch (Exception) when (attempt < Attempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), CancellationToken.None);
            }
            catch (Exception)
            {
                break;
            }
        }
        if (!cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref _failed);
        }
    }

    private IStockGrain Stock(StockEntry entry) => _grains.Reference<IStockGrain>(Identifiers.StockKey(entry.NodeId, entry.Sku));
}
