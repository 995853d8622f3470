namespace OrleansOrders.Routing;

/// <summary>
/// The router's fast path: ask the first candidate alone, and stop there when the plan the solver
/// makes over its offer is provably the plan it would make over every candidate's. The plan over the
/// first candidate alone is one parcel of cost C. Every other candidate's one-parcel plan costs at
/// least <see cref="LeastParcelCost"/> (the shipping model's cheapest quote from its location, any
/// kind of node, no opportunity cost), so under <see cref="RoutingObjective.FewestParcels"/> (the
/// fewest parcels that cover, then the lowest cost) C below that bound for every other candidate
/// settles the order. Under <see cref="RoutingObjective.LowestCost"/> a split may win too, so C must
/// also be below the least any plan of two or more parcels can cost: two of the model's cheapest
/// parcels and every unit at its cheapest unit rate (<see cref="SplitFloor"/>).
/// <para>
/// This holds while bids are priced by <see cref="ShippingModel"/>, as the grid's nodes price them,
/// and for plain cost routing only: no priority tiers (a better tier wins whatever it costs), no store
/// pickup, and no more candidates than the search considers. Anything else takes the full path.
/// </para>
/// </summary>
public static class SingleNodeShortcut
{
    private static readonly ShipperType[] Shippers = Enum.GetValues<ShipperType>(); // once, not per candidate of every order

    /// <summary>Whether orders routed under <paramref name="options"/> over <paramref name="candidates"/> nodes may take the fast path at all.</summary>
    public static bool Applies(SolverOptions options, int candidates) =>
        options.Objective is RoutingObjective.LowestCost or RoutingObjective.FewestParcels
        && !options.PriorityTiers
        && options.PickupNodeId is null
        && options.OpportunityCostWeight >= 0
        && candidates > 1
        && candidates <= options.MaxSearchCandidates;

    /// <summary>The least a one-parcel bid of <paramref name="units"/> units from a node at <paramref name="origin"/> can cost under the shipping model, whatever kind of node it is.</summary>
    public static decimal LeastParcelCost(GeoPoint origin, GeoPoint destination, int units)
    {
        var least = decimal.MaxValue;
        foreach (var shipper in Shippers)
        {
            least = Math.Min(least, ShippingModel.Default.Quote(origin, destination, shipper).CostFor(units));
        }
        return least;
    }

    /// <summary>
    /// Whether <paramref name="alone"/>, the solver's plan over the first candidate's offer alone, is the
    /// plan it would make over every candidate's, given that no other candidate's one-parcel plan can
    /// cost less than <paramref name="othersLeastCost"/>.
    /// </summary>
    public static bool Settles(AllocationPlan alone, SolverOptions options, decimal othersLeastCost)
    {
        if (alone.Shipments.Count != 1 || !alone.IsComplete)
        {
            return false;
        }
        var parcel = alone.Shipments[0];
        var value = parcel.Cost + options.OpportunityCostWeight * parcel.OpportunityCost;
        return value < othersLeastCost
            && (options.Objective != RoutingObjective.LowestCost || value < SplitFloor(parcel.Units));
    }

    /// <summary>The least a plan of two or more parcels carrying <paramref name="units"/> units can cost under the shipping model.</summary>
    public static decimal SplitFloor(int units) => 2 * ShippingModel.LeastShipmentCost + units * ShippingModel.LeastUnitCost;
}
