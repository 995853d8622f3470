using BenchmarkDotNet.Attributes;
using OrleansOrders.Stock;

namespace OrleansOrders.Benchmarks;

/// <summary>
/// One reservation through a SKU's ledger: Hold, Commit, and the TakeChanges of the write that carries
/// it, on a ledger restored with <see cref="OpenCommitments"/> open commitments. Each call also releases
/// the oldest commitment, so the ledger holds the same number however many calls run (steady state:
/// as many orders leave as arrive), and each write also forgets a tombstone past its retention.
/// </summary>
[MemoryDiagnoser]
public class StockLedgerBenchmarks
{
    private const int UnitsPerReservation = 1;

    // Each call advances the clock by one step, so about Retention / ClockStep tombstones are kept.
    private static readonly TimeSpan ClockStep = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan TombstoneRetention = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan HoldFor = TimeSpan.FromMinutes(5);

    private StockLedger _ledger = null!;
    private string[] _reservationIds = null!;
    private int _next;
    private DateTimeOffset _now;

    [Params(1_000, 100_000)]
    public int OpenCommitments { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Twice as many ids as open commitments: an id comes round again only after its tombstone is forgotten.
        _reservationIds = Enumerable.Range(0, 2 * OpenCommitments).Select(i => $"order-{i:D7}-line-1").ToArray();
        var commitments = _reservationIds
            .Take(OpenCommitments)
            .Select(id => new LedgerRow(LedgerRowKind.Commitment, id, UnitsPerReservation, default));
        var header = LedgerHeader.Empty with { OnHand = OpenCommitments * UnitsPerReservation + 100 };
        _ledger = StockLedger.Restore(header, commitments);
        _next = OpenCommitments;
        _now = new DateTimeOffset(SyntheticOrders.Day, new TimeOnly(9, 0), TimeSpan.Zero);
    }

    [Benchmark]
    public LedgerChanges? HoldCommitTakeChanges()
    {
        _now += ClockStep;
        var reservation = _reservationIds[_next];
        var oldest = _reservationIds[(_next + OpenCommitments) % _reservationIds.Length];
        _next = (_next + 1) % _reservationIds.Length;

        _ledger.Hold(reservation, UnitsPerReservation, _now + HoldFor, channel: null);
        _ledger.Commit(reservation, UnitsPerReservation, channel: null);
        _ledger.Release(oldest, _now);
        return _ledger.TakeChanges(_now, TombstoneRetention);
    }
}
