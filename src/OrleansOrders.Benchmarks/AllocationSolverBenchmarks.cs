using BenchmarkDotNet.Attributes;
using OrleansOrders.Routing;

namespace OrleansOrders.Benchmarks;

/// <summary>
/// One order routed by <see cref="AllocationSolver.Solve"/> under the v1 rule (<see cref="RoutingObjective.FewestParcels"/>,
/// the solver's default options) and under <see cref="RoutingObjective.LowestCost"/>, the grid's default, which
/// searches every node set within the parcel limit (<c>ExactCover</c>).
/// </summary>
[MemoryDiagnoser]
public class AllocationSolverBenchmarks
{
    private const int Seed = 1;

    [Params(RoutingObjective.FewestParcels, RoutingObjective.LowestCost)]
    public RoutingObjective Objective { get; set; }

    private SolverOptions _options = SolverOptions.Default;

    private OrderCase _oneLine = null!;
    private OrderCase _threeLines = null!;
    private OrderCase _sixLines = null!;
    private OrderCase _sixLinesSixteen = null!;

    [GlobalSetup]
    public void Setup()
    {
        _oneLine = SyntheticOrders.Make(Seed, lines: 1, nodes: 4);
        _threeLines = SyntheticOrders.Make(Seed, lines: 3, nodes: 8);
        _sixLines = SyntheticOrders.Make(Seed, lines: 6, nodes: 8);
        _sixLinesSixteen = SyntheticOrders.Make(Seed, lines: 6, nodes: 16);
        _options = new SolverOptions { Objective = Objective };
        // The log says what plan each case makes, so a reader knows which search was measured.
        Describe("1 line, 4 offers", _oneLine);
        Describe("3 lines, 8 offers", _threeLines);
        Describe("6 lines, 8 offers", _sixLines);
        Describe("6 lines, 16 offers", _sixLinesSixteen);
    }

    [Benchmark]
    public AllocationPlan Solve_1Line_4Offers() => AllocationSolver.Solve(_oneLine.Demand, _oneLine.Offers, _options);

    [Benchmark]
    public AllocationPlan Solve_3Lines_8Offers() => AllocationSolver.Solve(_threeLines.Demand, _threeLines.Offers, _options);

    [Benchmark]
    public AllocationPlan Solve_6Lines_8Offers() => AllocationSolver.Solve(_sixLines.Demand, _sixLines.Offers, _options);

    [Benchmark]
    public AllocationPlan Solve_6Lines_16Offers() => AllocationSolver.Solve(_sixLinesSixteen.Demand, _sixLinesSixteen.Offers, _options);

    private void Describe(string name, OrderCase order)
    {
        var plan = AllocationSolver.Solve(order.Demand, order.Offers, _options);
        Console.WriteLine($"// {Objective}, {name}: {plan.Shipments.Count} parcel(s), cost {plan.TotalCost}, {(plan.IsComplete ? "complete" : $"{plan.Unallocated.Count} line(s) backordered")}");
    }
}
