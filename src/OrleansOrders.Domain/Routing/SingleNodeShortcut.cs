namespace OrleansOrders.Routing;

/// <summary>
/// The router's fast path: ask the first candidate alone, and stop there when the plan the solver
/// makes over its offer is provably the plan it would make over every candidate's. The plan over the
/// first candidate alone is one parcel of cost C. Every other candidate's one-parcel plan costs at
/// least its shipping quote (<see cref="LeastParcelCost(CandidateSite, GeoPoint, int)"/>: the quote for
/// its kind of node from its place, or the cheapest kind's when the router does not know its kind; no
/// opportunity cost), so under <see cref="RoutingObjective.FewestParcels"/> (the fewest parcels that
/// cover, then the lowest cost) C below that bound for every other candidate settles the order. Under
/// <see cref="RoutingObjective.LowestCost"/> a split may win too, so C must also be below the least
/// any plan of two or more parcels among the candidates can cost (<see cref="FastPathBound.SplitFloor"/>):
/// the two cheapest parcel fees of the candidates and every unit at the cheapest unit rate among them;
/// no split at all for a single unit or an order allowed one parcel.
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

    /// <summary>The least a one-parcel bid of <paramref name="units"/> units from <paramref name="site"/> can cost: its kind's quote, or the cheapest kind's when its kind is not known.</summary>
    public static decimal LeastParcelCost(CandidateSite site, GeoPoint destination, int units) =>
        site.Kind is { } kind ? ShippingModel.Default.Quote(site.Location, destination, kind).CostFor(units) : LeastParcelCost(site.Location, destination, units);

    /// <summary>
    /// What the first of <paramref name="candidates"/> must beat alone to settle an order of
    /// <paramref name="units"/> units; null when its own least cost does not beat the others' (its
    /// bid alone could not settle the order, so the router asks everyone at once).
    /// </summary>
    public static FastPathBound? Bound(IReadOnlyList<CandidateSite> candidates, GeoPoint customer, int units, SolverOptions options)
    {
        var othersLeast = decimal.MaxValue;
        decimal firstLeast = 0, leastFee = decimal.MaxValue, nextFee = decimal.MaxValue, leastUnit = decimal.MaxValue;
        for (var i = 0; i < candidates.Count; i++)
        {
            var (parcel, fee, unit) = Least(candidates[i], customer, units);
            if (fee < leastFee)
            {
                (leastFee, nextFee) = (fee, leastFee);
            }
            else if (fee < nextFee)
            {
                nextFee = fee;
            }
            leastUnit = Math.Min(leastUnit, unit);
            if (i == 0)
            {
                firstLeast = parcel;
            }
            else
            {
                othersLeast = Math.Min(othersLeast, parcel);
            }
        }
        if (firstLeast >= othersLeast)
        {
            return null;
        }
        // A split is two parcels or more, each of a unit at least, each from its own candidate.
        var splitFloor = units < 2 || options.MaxShipments < 2 ? decimal.MaxValue : leastFee + nextFee + units * leastUnit;
        return new FastPathBound(othersLeast, splitFloor);
    }

    /// <summary>
    /// Whether <paramref name="alone"/>, the solver's plan over the first candidate's offer alone, is the
    /// plan it would make over every candidate's, given <paramref name="bound"/> for the others.
    /// </summary>
    public static bool Settles(AllocationPlan alone, SolverOptions options, FastPathBound bound)
    {
        if (alone.Shipments.Count != 1 || !alone.IsComplete)
        {
            return false;
        }
        var parcel = alone.Shipments[0];
        var value = parcel.Cost + options.OpportunityCostWeight * parcel.OpportunityCost;
        return value < bound.OthersLeast
            && (options.Objective != RoutingObjective.LowestCost || value < bound.SplitFloor);
    }

    // A candidate's one-parcel cost, parcel fee and unit rate at least, from one quote per kind it may be:
    // its kind's, or each the least of any kind's (the least parcel is then the cheapest kind's, as in LeastParcelCost).
    private static (decimal Parcel, decimal Fee, decimal Unit) Least(CandidateSite site, GeoPoint customer, int units)
    {
        if (site.Kind is { } kind)
        {
            var quote = ShippingModel.Default.Quote(site.Location, customer, kind);
            return (quote.CostFor(units), quote.ShipmentCost, quote.UnitCost);
        }
        var (parcel, fee, unit) = (decimal.MaxValue, decimal.MaxValue, decimal.MaxValue);
        foreach (var shipper in Shippers)
        {
            var quote = ShippingModel.Default.Quote(site.Location, customer, shipper);
            (parcel, fee, unit) = (Math.Min(parcel, quote.CostFor(units)), Math.Min(fee, quote.ShipmentCost), Math.Min(unit, quote.UnitCost));
        }
        return (parcel, fee, unit);
    }
}

/// <param name="OthersLeast">The least any other candidate's one-parcel plan can cost.</param>
/// <param name="SplitFloor">The least any plan of two parcels or more can cost (<see cref="decimal.MaxValue"/> when none is possible).</param>
public readonly record struct FastPathBound(decimal OthersLeast, decimal SplitFloor);
