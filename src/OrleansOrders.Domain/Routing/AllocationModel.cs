namespace OrleansOrders.Routing;

/// <summary>A quantity of one SKU wanted (or planned, or left over).</summary>
public sealed record DemandLine(string Sku, int Quantity)
{
    /// <summary>
    /// Lines that share a kit id form a kit: they ship together from one node, whole, or not at all
    /// (see <see cref="KitRule"/>). Null for a loose line, which may be split across nodes.
    /// </summary>
    public string? KitId { get; init; }
}

/// <summary>
/// One node's answer to a bid request, in solver terms: how much of each SKU it can ship and
/// what a parcel from it costs and when it arrives. Optional terms (status, capacity, cutoff,
/// reserves, opportunity cost, inbound supply...) are in <c>NodeOffer.Terms.cs</c>; their
/// defaults change nothing.
/// </summary>
public sealed partial record NodeOffer(
    string NodeId,
    IReadOnlyDictionary<string, int> Available,
    ShippingQuote Quote,
    DateOnly PromisedBy);

/// <summary>One parcel in a plan: which node ships which quantities.</summary>
public sealed record PlannedShipment(string NodeId, IReadOnlyList<DemandLine> Lines, decimal Cost, DateOnly PromisedBy)
{
    public int Units => Lines.Sum(l => l.Quantity);

    /// <summary>How the parcel reaches the customer (from the offer's shipper type, or store pickup).</summary>
    public FulfilmentType Fulfilment { get; init; } = FulfilmentType.ShipToHome;

    /// <summary>
    /// The day the node dispatches (or readies) the parcel, when the solver knew the order time and
    /// the node declared a cutoff or a capacity: the day whose capacity the parcel takes. Null otherwise.
    /// </summary>
    public DateOnly? DispatchOn { get; init; }

    /// <summary>What the units taken are worth to the rest of the network (sum of the offer's opportunity cost); not part of <see cref="Cost"/>.</summary>
    public decimal OpportunityCost { get; init; }
}

/// <summary>What the solver proposes: parcels, and what no offer could cover (backordered).</summary>
public sealed record AllocationPlan(IReadOnlyList<PlannedShipment> Shipments, IReadOnlyList<DemandLine> Unallocated)
{
    public static AllocationPlan Nothing(IReadOnlyList<DemandLine> demand) => new([], demand);

    public decimal TotalCost => Shipments.Sum(s => s.Cost);

    public bool IsComplete => Unallocated.Count == 0;

    /// <summary>
    /// The unallocated units again, each with a promise date from declared inbound supply when one
    /// exists (<see cref="BackorderRule"/>), or without a date: they stay backordered.
    /// </summary>
    public IReadOnlyList<BackorderPromise> Backorders { get; init; } = [];

    /// <summary>Offers the solver did not use at all, and why (paused, out of radius, capacity used up...).</summary>
    public IReadOnlyList<OfferExclusion> Excluded { get; init; } = [];
}
