namespace OrleansOrders.Routing;

/// <summary>How a parcel reaches the customer.</summary>
public enum FulfilmentType
{
    /// <summary>Shipped to the customer from a distribution centre (also offers that do not say what they are).</summary>
    ShipToHome = 0,

    /// <summary>Shipped to the customer from a store's shelves.</summary>
    ShipFromStore = 1,

    /// <summary>Shipped to the customer by a supplier.</summary>
    DropShip = 2,

    /// <summary>Collected by the customer at their store (buy online, pick up in store).</summary>
    StorePickup = 3,
}

/// <summary>Whether a node takes orders now.</summary>
public enum OfferStatus
{
    Open = 0,
    Paused = 1,
    Closed = 2,
}
