namespace OrleansOrders.Routing;

/// <summary>
/// Ship complete versus split. Ship complete: one parcel from one node that has the whole order,
/// or nothing now (every line backordered, with inbound promise dates where known). Split: up to
/// <see cref="SolverOptions.MaxShipments"/> parcels, and when no such split covers the order the
/// most that can be covered ships and the rest is backordered.
/// </summary>
public static class ShipCompleteRule
{
    /// <summary>Parcels this order may still use.</summary>
    public static int MaxParcels(SolverOptions options, int parcelsLeft) =>
        options.ShipComplete ? Math.Min(1, parcelsLeft) : parcelsLeft;

    /// <summary>Whether a partial plan (some lines backordered) may ship now.</summary>
    public static bool AllowsPartial(SolverOptions options) => !options.ShipComplete;
}
