using System.Diagnostics;
using OrleansOrders.Routing;

namespace OrleansOrders.LoadTest.RoutingQuality;

/// <summary>One order's outcome under a strategy, beside the exact optimum on the same stock.</summary>
internal readonly record struct OrderOutcome(decimal Cost, decimal ExactCost, int Parcels, int UnitsShipped, bool OnTime);

/// <summary>A whole run of one strategy.</summary>
internal sealed class StrategyOutcome
{
    public required string Strategy { get; init; }
    public required IReadOnlyList<OrderOutcome> Orders { get; init; }
    public required decimal ShippingCost { get; init; }
    public required long UnitsOrdered { get; init; }
    public required TimeSpan Elapsed { get; init; }

    public long UnitsShipped => Orders.Sum(o => (long)o.UnitsShipped);

    public long UnitsUnfilled => UnitsOrdered - UnitsShipped;

    public decimal TotalCost => Orders.Sum(o => o.Cost);
}

/// <summary>
/// Orders arrive one by one; the strategy routes each over the bids the grid's nodes would make
/// (<see cref="GridBids"/>) from what the strategy's own earlier decisions left (stock and capacity),
/// and the plan is applied. Strategies with opportunity costs refresh them every
/// <see cref="QualitySettings.OpportunityRefreshEvery"/> orders with the grid's refresh (<see cref="GridOpportunity"/>).
/// Every order is also solved exactly on the same bids (<see cref="ExactOptimum"/>).
/// </summary>
internal static class Simulation
{
    public static StrategyOutcome Run(QualityStrategy strategy, BenchNetwork network, IReadOnlyList<BenchOrder> orders, QualitySettings settings, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var horizonDays = GridBids.HorizonDays(settings);
        var state = new NetworkState(network, settings.Days + horizonDays + settings.MaxDispatchDelayDays + 1);
        var streamStart = new DateTimeOffset(network.Start.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var streamEnd = streamStart.AddDays(settings.Days);
        var forecast = strategy.UsesOpportunityCost ? new GridOpportunity(network, streamStart) : null;
        OpportunityCostTable? opportunity = null;
        var nodeIndex = network.Nodes.Select((n, i) => (n.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        var skuIndex = network.Skus.Select((s, i) => (s.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        var outcomes = new List<OrderOutcome>(orders.Count);
        var shipping = 0m;
        var ordered = 0L;

        foreach (var order in orders)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (forecast is not null && order.Index % Math.Max(1, settings.OpportunityRefreshEvery) == 0)
            {
                opportunity = forecast.Compute(state, order.OrderedAt, streamEnd - order.OrderedAt);
            }
            var demand = order.Lines.Select(l => new DemandLine(network.Skus[l.Sku].Id, l.Quantity)).ToList();
            var offers = GridBids.Build(network, state, order, opportunity, horizonDays, settings.MaxBidCandidates);
            var options = new SolverOptions
            {
                MaxShipments = settings.MaxShipments,
                OrderedAt = order.OrderedAt,
                MaxDispatchDelayDays = settings.MaxDispatchDelayDays,
                Channel = order.Channel,
            };

            var plan = strategy.Route(demand, offers, options);
            var (eligible, _) = OfferEligibility.ForShipping(offers, options);
            var exact = ExactOptimum.Cost(demand, eligible.Select(e => e.Offer).ToList(), strategy.ParcelLimit(settings), settings.UnfilledPenalty);

            var limit = strategy.ParcelLimit(settings);
            if (limit is { } max && plan.Shipments.Count > max)
            {
                throw new InvalidOperationException($"{strategy.Name}: order {order.Id} got {plan.Shipments.Count} parcels, more than {max}.");
            }
            var shipped = 0;
            foreach (var shipment in plan.Shipments)
            {
                var n = nodeIndex[shipment.NodeId];
                foreach (var line in shipment.Lines)
                {
                    state.Take(n, skuIndex[line.Sku], line.Quantity);
                    shipped += line.Quantity;
                }
                var dispatch = shipment.DispatchOn ?? throw new InvalidOperationException($"{strategy.Name}: order {order.Id} parcel from {shipment.NodeId} has no dispatch day.");
                state.Promise(n, dispatch.DayNumber - network.Start.DayNumber);
            }
            if (shipped + plan.Unallocated.Sum(u => u.Quantity) != order.Units)
            {
                throw new InvalidOperationException($"{strategy.Name}: order {order.Id} plan does not account for every unit.");
            }

            var cost = plan.TotalCost + settings.UnfilledPenalty * (order.Units - shipped);
            var onTime = plan.IsComplete && plan.Shipments.Count > 0 && plan.Shipments.Max(s => s.PromisedBy) <= order.DueBy;
            outcomes.Add(new OrderOutcome(cost, exact, plan.Shipments.Count, shipped, onTime));
            forecast?.Record(order); // the order projections pass an accepted order's demand on
            shipping += plan.TotalCost;
            ordered += order.Units;
        }

        return new StrategyOutcome
        {
            Strategy = strategy.Name,
            Orders = outcomes,
            ShippingCost = shipping,
            UnitsOrdered = ordered,
            Elapsed = Stopwatch.GetElapsedTime(started),
        };
    }
}
