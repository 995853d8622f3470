namespace OrleansOrders.Routing;

/// <summary>
/// Distance limits for shipping: a node ships only within its own service radius, and only within
/// the order's maximum distance. An offer that does not say how far it is passes both (it cannot be
/// checked). Store pickup ignores distance: the customer chose the store.
/// </summary>
public static class RadiusRule
{
    /// <summary>Why the offer is too far, or null when it is within reach.</summary>
    public static string? Violation(NodeOffer offer, double? orderMaxDistanceKm)
    {
        if (offer.DistanceKm is not { } km)
        {
            return null;
        }
        if (offer.ServiceRadiusKm is { } radius && km > radius)
        {
            return $"customer is {km:0} km away, outside the node's {radius:0} km radius";
        }
        if (orderMaxDistanceKm is { } max && km > max)
        {
            return $"node is {km:0} km away, farther than the order's {max:0} km";
        }
        return null;
    }
}
