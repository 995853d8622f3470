namespace OrleansOrders.LoadTest.RoutingQuality;

/// <summary>Where nodes and customers are.</summary>
public enum Geography
{
    /// <summary>Nodes and customers in and around real US metro areas, customers weighted by population.</summary>
    Cities,

    /// <summary>Nodes and demand regions at random points in the continental US box, regions with random weights.</summary>
    Random,
}

/// <summary>Everything that decides a routing-quality run; the same settings give the same numbers.</summary>
/// <param name="Seed">Seed of the network, the order stream and every random choice.</param>
/// <param name="Orders">Orders in the stream.</param>
/// <param name="Nodes">Fulfilment nodes (about 30% distribution centres, 12% drop-ship suppliers, the rest stores).</param>
/// <param name="Skus">SKUs, with Zipf popularity.</param>
/// <param name="Geography">Real cities or random coordinates.</param>
/// <param name="Days">Days the stream spans (orders arrive uniformly over them, at any time of day).</param>
public sealed record QualitySettings(int Seed = 1, int Orders = QualitySettings.DefaultOrders, int Nodes = 16, int Skus = 200, Geography Geography = Geography.Cities, int Days = 5)
{
    public const int DefaultOrders = 4000;

    /// <summary>What a unit ordered and not shipped costs (lost margin or backorder handling); in every strategy's cost, the exact optimum and the hindsight bound.</summary>
    public decimal UnfilledPenalty { get; init; } = 25m;

    /// <summary>Parcel limit of the router strategies (the myopic baseline has none).</summary>
    public int MaxShipments { get; init; } = 4;

    /// <summary>How many days a node may push a parcel when its daily capacity is used up.</summary>
    public int MaxDispatchDelayDays { get; init; } = 2;

    /// <summary>Nodes asked for a bid per order (the router's candidates): the grid's <c>Grid:MaxBidCandidates</c> unless set.</summary>
    public int MaxBidCandidates { get; init; } = new OrleansOrders.Grains.GridOptions().MaxBidCandidates;

    /// <summary>Orders between two refreshes of the opportunity costs (the grid refreshes them in the background).</summary>
    public int OpportunityRefreshEvery { get; init; } = 100;

    /// <summary>Total stock of a SKU as a share of its expected demand over the stream: drawn per SKU between these.</summary>
    public (double Min, double Max) StockCoverage { get; init; } = (0.8, 1.3);

    /// <summary>Solve the hindsight LP (OR-Tools GLOP); tests may skip it.</summary>
    public bool Hindsight { get; init; } = true;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Orders is < 1 or > 200_000)
        {
            errors.Add($"--orders must be between 1 and 200000, not {Orders}.");
        }
        if (Nodes is < 3 or > 200)
        {
            errors.Add($"--nodes must be between 3 and 200, not {Nodes}.");
        }
        if (Skus is < 1 or > 100_000)
        {
            errors.Add($"--skus must be between 1 and 100000, not {Skus}.");
        }
        if (MaxBidCandidates is < 1 or > 200)
        {
            errors.Add($"--candidates must be between 1 and 200, not {MaxBidCandidates}.");
        }
        if (Days is < 1 or > 60)
        {
            errors.Add($"--days must be between 1 and 60, not {Days}.");
        }
        return errors;
    }
}
