using BenchmarkDotNet.Attributes;
using OrleansOrders.Routing;

namespace OrleansOrders.Benchmarks;

/// <summary>
/// The router's fast-path check (<see cref="SingleNodeShortcut"/>) for 8 candidates: the least parcel
/// cost of every other candidate, then whether the first candidate's plan alone settles the order.
/// </summary>
[MemoryDiagnoser]
public class SingleNodeShortcutBenchmarks
{
    private const int Seed = 1;
    private const int Candidates = 8;
    private const int Units = 3;

    private readonly SolverOptions _options = SolverOptions.Default;
    private GeoPoint[] _candidateLocations = null!;
    private AllocationPlan _firstCandidatePlan = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(Seed);
        _candidateLocations = Enumerable.Range(0, Candidates).Select(_ => SyntheticOrders.RandomLocation(random)).ToArray();
        // The first candidate covers the order alone, so Settles compares its parcel's cost (its full work).
        var quote = ShippingModel.Default.Quote(_candidateLocations[0], SyntheticOrders.Customer, ShipperType.DistributionCentre);
        var stock = new Dictionary<string, int>(StringComparer.Ordinal) { ["sku-000"] = Units };
        var firstOffer = new NodeOffer("node-00", stock, quote, SyntheticOrders.Day.AddDays(quote.TransitDays));
        _firstCandidatePlan = AllocationSolver.Solve([new DemandLine("sku-000", Units)], [firstOffer], _options);
    }

    [Benchmark]
    public decimal LeastParcelCost_1Node() =>
        SingleNodeShortcut.LeastParcelCost(_candidateLocations[1], SyntheticOrders.Customer, Units);

    [Benchmark]
    public bool FastPathCheck_8Candidates()
    {
        if (!SingleNodeShortcut.Applies(_options, Candidates))
        {
            return false;
        }
        var othersLeast = decimal.MaxValue;
        for (var i = 1; i < _candidateLocations.Length; i++)
        {
            othersLeast = Math.Min(othersLeast, SingleNodeShortcut.LeastParcelCost(_candidateLocations[i], SyntheticOrders.Customer, Units));
        }
        return SingleNodeShortcut.Settles(_firstCandidatePlan, _options, othersLeast);
    }
}
