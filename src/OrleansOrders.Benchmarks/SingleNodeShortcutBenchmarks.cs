using BenchmarkDotNet.Attributes;
using OrleansOrders.Routing;

namespace OrleansOrders.Benchmarks;

/// <summary>
/// The router's fast-path check (<see cref="SingleNodeShortcut"/>) for 8 candidates of known kinds: the
/// bound (every candidate's least parcel cost, the split floor), then whether the first candidate's plan
/// alone settles the order.
/// </summary>
[MemoryDiagnoser]
public class SingleNodeShortcutBenchmarks
{
    private const int Seed = 1;
    private const int Candidates = 8;
    private const int Units = 3;

    private readonly SolverOptions _options = SolverOptions.Default;
    private GeoPoint[] _candidateLocations = null!;
    private CandidateSite[] _candidates = null!;
    private AllocationPlan _firstCandidatePlan = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(Seed);
        _candidateLocations = Enumerable.Range(0, Candidates).Select(_ => SyntheticOrders.RandomLocation(random)).ToArray();
        _candidates = _candidateLocations.Select((at, i) => new CandidateSite(at, (ShipperType)(i % 3))).ToArray();
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
    public bool FastPathCheck_8Candidates() =>
        SingleNodeShortcut.Applies(_options, Candidates)
        && SingleNodeShortcut.Bound(_candidates, SyntheticOrders.Customer, Units, _options) is { } bound
        && SingleNodeShortcut.Settles(_firstCandidatePlan, _options, bound);
}
