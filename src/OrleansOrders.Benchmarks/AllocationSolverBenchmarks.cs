using BenchmarkDotNet.Attributes;
using OrleansOrders.Routing;

namespace OrleansOrders.Benchmarks;

/// <summary>One order routed by <see cref="AllocationSolver.Solve"/> under the default (lowest cost) options.</summary>
[MemoryDiagnoser]
public class AllocationSolverBenchmarks
{
    private const int Seed = 1;

    private OrderCase _oneLine = null!;
    private OrderCase _threeLines = null!;
    private OrderCase _sixLines = null!;

    [GlobalSetup]
    public void Setup()
    {
        _oneLine = SyntheticOrders.Make(Seed, lines: 1, nodes: 4);
        _threeLines = SyntheticOrders.Make(Seed, lines: 3, nodes: 8);
        _sixLines = SyntheticOrders.Make(Seed, lines: 6, nodes: 8);
        // The log says what plan each case makes, so a reader knows which search was measured.
        Describe("1 line, 4 offers", _oneLine);
        Describe("3 lines, 8 offers", _threeLines);
        Describe("6 lines, 8 offers", _sixLines);
    }

    [Benchmark]
    public AllocationPlan Solve_1Line_4Offers() => AllocationSolver.Solve(_oneLine.Demand, _oneLine.Offers);

    [Benchmark]
    public AllocationPlan Solve_3Lines_8Offers() => AllocationSolver.Solve(_threeLines.Demand, _threeLines.Offers);

    [Benchmark]
    public AllocationPlan Solve_6Lines_8Offers() => AllocationSolver.Solve(_sixLines.Demand, _sixLines.Offers);

    private static void Describe(string name, OrderCase order)
    {
        var plan = AllocationSolver.Solve(order.Demand, order.Offers);
        Console.WriteLine($"// {name}: {plan.Shipments.Count} parcel(s), {(plan.IsComplete ? "complete" : $"{plan.Unallocated.Count} line(s) backordered")}");
    }
}
