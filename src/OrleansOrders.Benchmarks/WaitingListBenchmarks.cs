using BenchmarkDotNet.Attributes;
using OrleansOrders.Stock;

namespace OrleansOrders.Benchmarks;

/// <summary>
/// A SKU's waiting list of <see cref="Waiting"/> orders: one order joins at the back, the first in line
/// leaves (served), and TakeChanges hands both rows to the write. The list keeps its length.
/// </summary>
[MemoryDiagnoser]
public class WaitingListBenchmarks
{
    private static readonly TimeSpan ClockStep = TimeSpan.FromMilliseconds(1);

    private WaitingList _list = null!;
    private string[] _orderIds = null!;
    private int _next;
    private DateTimeOffset _now;

    [Params(1_000, 100_000)]
    public int Waiting { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Twice as many ids as waiting orders: an id joins again only long after it left.
        _orderIds = Enumerable.Range(0, 2 * Waiting).Select(i => $"order-{i:D7}").ToArray();
        _now = new DateTimeOffset(SyntheticOrders.Day, new TimeOnly(9, 0), TimeSpan.Zero);
        var rows = new List<LedgerRow>(Waiting);
        for (var i = 0; i < Waiting; i++)
        {
            _now += ClockStep;
            rows.Add(new LedgerRow(LedgerRowKind.WaitingOrder, _orderIds[i], 0, _now));
        }
        _list = WaitingList.Restore(rows);
        _next = Waiting;
    }

    [Benchmark]
    public LedgerChanges? JoinLeaveTakeChanges()
    {
        _now += ClockStep;
        var joining = _orderIds[_next];
        var firstInLine = _orderIds[(_next + Waiting) % _orderIds.Length];
        _next = (_next + 1) % _orderIds.Length;

        _list.Join(joining, _now);
        _list.Leave(firstInLine);
        return _list.TakeChanges();
    }
}
