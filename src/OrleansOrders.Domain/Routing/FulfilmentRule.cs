namespace OrleansOrders.Routing;

/// <summary>
/// Fulfilment types: a distribution centre ships to home, a store ships from store, a supplier
/// drop-ships; the customer's store serves pickup (<see cref="PickupRule"/>). An order may restrict
/// the types it ships by (<see cref="SolverOptions.AllowedFulfilment"/>).
/// </summary>
public static class FulfilmentRule
{
    public static FulfilmentType ShippingTypeOf(NodeOffer offer) => ShippingTypeOf(offer.Shipper);

    /// <summary>How a node of this type ships (null: a distribution centre).</summary>
    public static FulfilmentType ShippingTypeOf(ShipperType? shipper) => shipper switch
    {
        ShipperType.Store => FulfilmentType.ShipFromStore,
        ShipperType.DropShipSupplier => FulfilmentType.DropShip,
        _ => FulfilmentType.ShipToHome,
    };

    /// <summary>Why the offer may not ship this order, or null when it may.</summary>
    public static string? Violation(NodeOffer offer, IReadOnlySet<FulfilmentType>? allowed)
    {
        var type = ShippingTypeOf(offer);
        return allowed is null || allowed.Contains(type) ? null : $"the order does not allow {type}";
    }
}
