namespace OrleansOrders.Routing;

/// <summary>An offer the solver left out, and why.</summary>
public sealed record OfferExclusion(string NodeId, string Reason);

/// <summary>An offer as the solver uses it for one order: stock this order may take, the promise and dispatch day it gets.</summary>
/// <param name="Offer">The offer with <see cref="NodeOffer.Available"/> cut to what this order may take and <see cref="NodeOffer.PromisedBy"/> set by <see cref="DispatchRule"/>.</param>
/// <param name="Original">The offer as the node made it.</param>
public sealed record EligibleOffer(NodeOffer Offer, NodeOffer Original, DateOnly? DispatchOn);

/// <summary>
/// The node rules an offer passes before the search sees it, in this order: status (open only),
/// for shipping the radius (<see cref="RadiusRule"/>) and fulfilment type (<see cref="FulfilmentRule"/>),
/// cutoff and capacity (<see cref="DispatchRule"/>), then safety stock and channel reserves
/// (<see cref="ReserveRule"/>). The first rule an offer fails is its exclusion reason.
/// </summary>
public static class OfferEligibility
{
    /// <summary>Offers that may ship this order, and the exclusions of the others. An offer left with no stock is kept (it may declare inbound supply).</summary>
    public static (IReadOnlyList<EligibleOffer> Eligible, IReadOnlyList<OfferExclusion> Excluded) ForShipping(
        IEnumerable<NodeOffer> offers, SolverOptions options)
    {
        var eligible = new List<EligibleOffer>();
        var excluded = new List<OfferExclusion>();
        foreach (var offer in offers)
        {
            var reason = StatusViolation(offer)
                ?? RadiusRule.Violation(offer, options.MaxDistanceKm)
                ?? FulfilmentRule.Violation(offer, options.AllowedFulfilment);
            var prepared = reason is null ? Prepare(offer, options, out reason) : null;
            if (prepared is null)
            {
                excluded.Add(new OfferExclusion(offer.NodeId, reason!));
            }
            else
            {
                eligible.Add(prepared);
            }
        }
        return (eligible, excluded);
    }

    /// <summary>The customer's store for pickup: status, cutoff and capacity, reserves; never distance or fulfilment type.</summary>
    public static EligibleOffer? ForPickup(NodeOffer offer, SolverOptions options, out string? reason)
    {
        reason = StatusViolation(offer);
        return reason is null ? Prepare(offer, options, out reason) : null;
    }

    /// <summary>True when the offer may declare supply for this order at all (open, in reach), whatever its stock or capacity today.</summary>
    public static bool MayPromiseInbound(NodeOffer offer, SolverOptions options, bool pickup) =>
        StatusViolation(offer) is null &&
        (pickup || (RadiusRule.Violation(offer, options.MaxDistanceKm) is null && FulfilmentRule.Violation(offer, options.AllowedFulfilment) is null));

    private static string? StatusViolation(NodeOffer offer) =>
        offer.Status == OfferStatus.Open ? null : $"node is {offer.Status.ToString().ToLowerInvariant()}";

    private static EligibleOffer? Prepare(NodeOffer offer, SolverOptions options, out string? reason)
    {
        var dispatch = DispatchRule.Plan(offer, options.OrderedAt, options.MaxDispatchDelayDays);
        if (dispatch is not { } d)
        {
            reason = offer.Capacity is { PerDay: <= 0 } ? "node has no daily capacity" : "daily capacity is used up";
            return null;
        }
        reason = null;
        var sellable = ReserveRule.Sellable(offer, options.Channel);
        return new EligibleOffer(offer with { Available = sellable, PromisedBy = d.PromisedBy }, offer, d.DispatchOn);
    }
}
