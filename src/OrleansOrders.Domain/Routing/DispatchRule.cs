namespace OrleansOrders.Routing;

/// <summary>A node's daily parcel capacity and what it has already promised.</summary>
/// <param name="PerDay">Parcels the node dispatches per day; 0 or less: it ships nothing.</param>
/// <param name="PromisedByDay">Parcels already promised per day: index 0 is the order's day, 1 the next... Missing days count as 0.</param>
public sealed record DispatchCapacity(int PerDay, IReadOnlyList<int> PromisedByDay)
{
    public DispatchCapacity(int perDay, int promisedToday)
        : this(perDay, [promisedToday])
    {
    }

    public int PromisedOn(int day) => day < PromisedByDay.Count ? PromisedByDay[day] : 0;

    public bool HasRoomOn(int day) => PromisedOn(day) < PerDay;
}

/// <summary>When a node can dispatch, and so what it can promise.</summary>
/// <param name="PromisedBy">The delivery promise.</param>
/// <param name="DispatchOn">The dispatch day, when the order time is known.</param>
/// <param name="DayOffset">Days after the order's day (0: same day).</param>
public readonly record struct Dispatch(DateOnly PromisedBy, DateOnly? DispatchOn, int DayOffset);

/// <summary>
/// Cutoff and capacity. An order placed at or after the node's cutoff (UTC) dispatches the next day.
/// From that first day, the parcel takes the first day with capacity left, at most
/// <see cref="SolverOptions.MaxDispatchDelayDays"/> later; past that the node cannot take the order.
/// The promise is the dispatch day plus the quote's transit days when the cutoff and order time are
/// known; otherwise the offer's own promise moved by the days the parcel waits for capacity.
/// An offer with neither cutoff nor capacity keeps its promise untouched.
/// </summary>
public static class DispatchRule
{
    /// <summary>
    /// The cutoff rule, the one place it is written: an order placed before the node's cutoff (UTC)
    /// can leave on its own (UTC) day, one placed at or after it the next day. Days after the order's day.
    /// </summary>
    public static int FirstDispatchOffset(DateTimeOffset orderedAt, TimeOnly cutoffUtc) =>
        TimeOnly.FromDateTime(orderedAt.UtcDateTime) >= cutoffUtc ? 1 : 0;

    /// <summary>The first day a parcel of an order placed at <paramref name="orderedAt"/> can be dispatched, by <see cref="FirstDispatchOffset"/>.</summary>
    public static DateOnly FirstDispatchDay(DateTimeOffset orderedAt, TimeOnly cutoffUtc) =>
        DateOnly.FromDateTime(orderedAt.UtcDateTime).AddDays(FirstDispatchOffset(orderedAt, cutoffUtc));

    /// <summary>The delivery promise of a parcel dispatched on the first day it can be: that day plus the transit days.</summary>
    public static DateOnly PromiseDate(DateTimeOffset orderedAt, TimeOnly cutoffUtc, int transitDays) =>
        FirstDispatchDay(orderedAt, cutoffUtc).AddDays(transitDays);

    public static Dispatch? Plan(NodeOffer offer, DateTimeOffset? orderedAt, int maxDelayDays)
    {
        if (offer.Capacity is null && offer.CutoffUtc is null)
        {
            return new Dispatch(offer.PromisedBy, null, 0);
        }

        var first = offer.CutoffUtc is { } cutoff && orderedAt is { } at ? FirstDispatchOffset(at, cutoff) : 0;
        var day = first;
        if (offer.Capacity is { } capacity)
        {
            if (capacity.PerDay <= 0)
            {
                return null;
            }
            var last = first + Math.Max(0, maxDelayDays);
            while (day <= last && !capacity.HasRoomOn(day))
            {
                day++;
            }
            if (day > last)
            {
                return null;
            }
        }

        if (orderedAt is not { } ordered)
        {
            return new Dispatch(offer.PromisedBy.AddDays(day - first), null, day);
        }
        var dispatchOn = DateOnly.FromDateTime(ordered.UtcDateTime).AddDays(day);
        var promise = offer.CutoffUtc is null
            ? offer.PromisedBy.AddDays(day - first)
            : dispatchOn.AddDays(offer.Quote.TransitDays);
        return new Dispatch(promise, dispatchOn, day);
    }
}
