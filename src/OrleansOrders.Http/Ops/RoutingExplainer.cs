using System.Globalization;
using OrleansOrders.Contracts;

namespace OrleansOrders.Http.Ops;

/// <summary>A node's bid as the operator page shows it.</summary>
/// <param name="LeftOut">The order's rules left the node out (radius, channel, dispatch delay): not a plan the solver could choose.</param>
/// <param name="Cost">Shipping the order's units the node offered (not any surplus it offered on top): fixed plus per unit.</param>
/// <param name="OpportunityCost">
/// What those units would cost the network in demand the node could then not serve (the node's quoted
/// value per unit); the lowest-cost goal minimises shipping plus this, so it is part of the comparison.
/// </param>
public sealed record BidExplained(
    string NodeId,
    bool Accepts,
    string? DeclineReason,
    IReadOnlyList<OrderLine> Offered,
    int OfferedUnits,
    bool CoversWholeOrder,
    decimal? Cost,
    DateOnly? PromisedBy,
    double DistanceKm,
    int RemainingCapacity,
    bool Chosen,
    decimal? OpportunityCost = null,
    bool LeftOut = false);

/// <summary>An order with its routing decision explained: the bids, the plan's cost and promise, and why the chosen nodes won.</summary>
public sealed record OrderExplained(
    string OrderId,
    string CustomerId,
    OrderStatus Status,
    DateTimeOffset AcceptedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<OrderLine> Lines,
    IReadOnlyList<ShipmentAllocation> Shipments,
    IReadOnlyList<OrderLine> Backordered,
    decimal TotalCost,
    DateOnly? PromisedBy,
    int Rounds,
    IReadOnlyList<BidExplained> Bids,
    string Decision,
    IReadOnlyList<string> Reasons,
    decimal OpportunityCost = 0m);

/// <summary>
/// Explains an order's routing from what the order kept: the rules it was routed by, the last
/// round's bids, the nodes left out and why, and the chosen parcels. It restates the solver's rule
/// for the order's goal (lowest cost: the fewest parcels, then the cheapest; fastest: the earliest
/// delivery; stock balance: the fewest parcels, sparing nodes with little cover; weighted: the
/// lowest weighted score) in terms of this order's numbers. Pure, so it is tested without a grid.
/// The lowest-cost goal weighs shipping plus opportunity cost (the nodes' quoted values, at the
/// default weight of 1), so a plan can win with dearer shipping than a bid that would use up stock
/// the network needs elsewhere: the explanation compares what the solver compared, and says so.
/// </summary>
public static class RoutingExplainer
{
    public static OrderExplained Explain(OrderView order)
    {
        var wanted = order.Request.Lines
            .GroupBy(l => l.Sku, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(l => l.Quantity), StringComparer.Ordinal);
        var live = order.Shipments.Where(s => s.Status != ShipmentStatus.Cancelled).ToList();
        var chosen = live.Select(s => s.NodeId).ToHashSet(StringComparer.Ordinal);
        var leftOut = (order.Excluded ?? []).Select(e => e.NodeId).Where(n => !chosen.Contains(n)).ToHashSet(StringComparer.Ordinal);
        var bids = (order.Bids ?? [])
            .Select(b =>
            {
                var covered = Covered(b.Offered, wanted);
                var units = b.Offered.Sum(l => l.Quantity);
                var covers = b.Accepts && wanted.All(w => covered.GetValueOrDefault(w.Key) >= w.Value);
                return new BidExplained(
                    b.NodeId, b.Accepts, b.DeclineReason, b.Offered, units, covers,
                    b.Accepts ? b.ShipmentCost + b.UnitCost * covered.Values.Sum() : null,
                    b.Accepts ? b.PromisedBy : null,
                    Math.Round(b.DistanceKm, 1), b.RemainingCapacity, chosen.Contains(b.NodeId),
                    b.Accepts ? covered.Sum(c => c.Value * OpportunityCostOf(b, c.Key)) : null,
                    leftOut.Contains(b.NodeId));
            })
            .OrderByDescending(b => b.Chosen).ThenByDescending(b => b.Accepts).ThenBy(b => b.Cost + b.OpportunityCost ?? decimal.MaxValue)
            .ThenBy(b => b.NodeId, StringComparer.Ordinal)
            .ToList();
        var bidsByNode = (order.Bids ?? []).Where(b => b.Accepts).GroupBy(b => b.NodeId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var planOpportunity = live.Sum(s => s.Lines.Sum(l => l.Quantity * (bidsByNode.TryGetValue(s.NodeId, out var bid) ? OpportunityCostOf(bid, l.Sku) : 0m)));
        var counted = planOpportunity > 0 || bids.Any(b => b.OpportunityCost > 0 && !b.LeftOut);
        DateOnly? promise = live.Count > 0 ? live.Max(s => s.PromisedBy) : null;
        var totalUnits = wanted.Values.Sum();

        var rules = order.RoutedBy;
        var goal = rules?.Goal ?? RoutingGoal.LowestCost;
        var reasons = new List<string>();
        if (rules is not null)
        {
            reasons.Add($"Rules: goal {goal}, {(rules.ShipComplete == true ? "ship complete (one parcel or wait)" : "may split")}, " +
                        $"at most {Count(rules.MaxShipments ?? 1, "parcel")}; channel '{order.Request.Channel}'.");
        }
        string decision;
        if (live.Count == 0)
        {
            decision = order.Status == OrderStatus.Cancelled
                ? "Cancelled: nothing is allocated any more."
                : "Nothing could be allocated: every line is backordered.";
        }
        else if (live.Any(s => s.Pickup))
        {
            var store = live.First(s => s.Pickup).NodeId;
            decision = $"Pickup in store at {store}: a pickup order is fulfilled by the customer's store and no other.";
        }
        else if (live.Count == 1)
        {
            var winner = live[0];
            var wholeBids = bids.Where(b => b.CoversWholeOrder && !b.LeftOut).ToList(); // a node the rules left out was never a choice
            var runnerUp = wholeBids.Where(b => b.NodeId != winner.NodeId).OrderBy(b => b.Cost + b.OpportunityCost).FirstOrDefault();
            decision = !wholeBids.Any(b => b.NodeId == winner.NodeId)
                ? $"{winner.NodeId} ships what it could ({Units(winner.Lines)}) for {Money(winner.Cost)} by {Date(winner.PromisedBy)}; no other plan covered more."
                : $"{winner.NodeId} won: it ships the whole order in one parcel for {Money(winner.Cost)} by {Date(winner.PromisedBy)}, " + goal switch
                {
                    RoutingGoal.Fastest => $"the earliest delivery of the {Count(wholeBids.Count, "node")} that could ship it whole.",
                    RoutingGoal.StockBalance => $"of the {Count(wholeBids.Count, "node")} that could ship it whole, the best mix of cost and the stock cover it leaves.",
                    RoutingGoal.Weighted => $"the lowest weighted score (cost, days, stock depletion, parcels) of the {Count(wholeBids.Count, "node")} that could ship it whole.",
                    _ when counted => $"the lowest cost of the {Count(wholeBids.Count, "node")} that could ship it whole, counting opportunity cost " +
                                      $"({Money(winner.Cost)} shipping + {Money(planOpportunity)} opportunity = {Money(winner.Cost + planOpportunity)}).",
                    _ => $"the cheapest of the {Count(wholeBids.Count, "node")} that could ship it whole.",
                };
            if (order.FastPath is { } fast && wholeBids.Any(b => b.NodeId == winner.NodeId))
            {
                reasons.Add($"Fast path: {winner.NodeId} was asked alone. None of the other {Count(fast.OtherCandidates, "candidate")} could ship this order " +
                            $"for less than {Money(fast.LeastOtherCost)} (the cheapest quote from any of their locations), so their bids could not have won.");
            }
            if (runnerUp is not null && goal == RoutingGoal.LowestCost)
            {
                reasons.Add(counted
                    ? $"Runner-up: {runnerUp.NodeId} could also ship it whole for {Money(runnerUp.Cost!.Value)} + {Money(runnerUp.OpportunityCost!.Value)} opportunity " +
                      $"({Money(runnerUp.Cost.Value + runnerUp.OpportunityCost.Value - winner.Cost - planOpportunity)} more) by {Date(runnerUp.PromisedBy!.Value)}."
                    : $"Runner-up: {runnerUp.NodeId} could also ship it whole for {Money(runnerUp.Cost!.Value)} " +
                      $"({Money(runnerUp.Cost.Value - winner.Cost)} more) by {Date(runnerUp.PromisedBy!.Value)}.");
            }
        }
        else
        {
            var best = bids.Where(b => b.Accepts).OrderByDescending(b => CoveredUnits(b, wanted)).FirstOrDefault();
            var bestText = best is null ? "" : $" (the most any one node offered was {CoveredUnits(best, wanted)} of {totalUnits} units, by {best.NodeId})";
            var parcels = string.Join(" + ", live.Select(s => $"{s.NodeId} ({Units(s.Lines)}) {Money(s.Cost)}")) + $" = {Money(live.Sum(s => s.Cost))}";
            decision = goal switch
            {
                RoutingGoal.Fastest => $"Split over {Count(live.Count, "node")} for the earliest delivery (by {Date(promise!.Value)}): {parcels}.",
                RoutingGoal.Weighted => $"Split over {Count(live.Count, "node")}, the lowest weighted score (cost, days, stock depletion, parcels): {parcels}.",
                _ => $"No single node could ship the whole order{bestText}, so it was split over {Count(live.Count, "node")}, " +
                     $"the fewest that cover it, choosing the {(goal == RoutingGoal.StockBalance ? "split that best spares thin stock" : "cheapest such split")}: {parcels}.",
            };
        }

        if (live.Count > 0)
        {
            reasons.Add($"Plan: {Count(live.Count, "parcel")}, shipping cost {Money(order.TotalCost)}" +
                        (counted ? $", opportunity cost {Money(planOpportunity)}" : "") + $", everything delivered by {Date(promise!.Value)}.");
        }
        // Nodes the rules left out are explained once, below, with the rule's reason.
        foreach (var bid in bids.Where(b => b.Accepts && !b.Chosen && !b.LeftOut && !reasons.Any(r => r.StartsWith($"Runner-up: {b.NodeId} ", StringComparison.Ordinal))))
        {
            var why = goal == RoutingGoal.LowestCost
                ? (bid.CoversWholeOrder
                    ? (counted ? $"not the lowest cost with its {Money(bid.OpportunityCost!.Value)} opportunity cost" : "not the cheapest")
                    : "not needed by the cheapest plan")
                : $"another plan scored better under goal {goal}";
            reasons.Add(bid.CoversWholeOrder
                ? $"{bid.NodeId} offered the whole order for {Money(bid.Cost!.Value)} by {Date(bid.PromisedBy!.Value)}: {why}."
                : $"{bid.NodeId} offered {bid.OfferedUnits} of {totalUnits} units for {Money(bid.Cost!.Value)}: {why}.");
        }
        foreach (var bid in bids.Where(b => !b.Accepts))
        {
            reasons.Add($"{bid.NodeId} declined: {bid.DeclineReason ?? "no reason given"}.");
        }
        foreach (var exclusion in order.Excluded ?? [])
        {
            reasons.Add($"{exclusion.NodeId} left out: {exclusion.Reason}.");
        }
        foreach (var kit in order.Request.Lines.Where(l => l.KitId is not null).GroupBy(l => l.KitId!, StringComparer.Ordinal))
        {
            var skus = kit.Select(l => l.Sku).ToHashSet(StringComparer.Ordinal);
            var at = live.Where(s => s.Lines.Any(l => skus.Contains(l.Sku))).Select(s => s.NodeId).Distinct().ToList();
            reasons.Add(at.Count == 1 ? $"Kit '{kit.Key}' ships whole from {at[0]}." : $"Kit '{kit.Key}' waits whole: no node could ship all of it.");
        }
        var dated = order.BackorderDates ?? [];
        foreach (var date in dated)
        {
            reasons.Add($"Promised: {date.Sku} x{date.Quantity} by {Date(date.PromisedBy)} from {date.NodeId}'s expected receipt.");
        }
        if (order.Backordered.Count > 0)
        {
            reasons.Add(rules?.ShipComplete == true && live.Count == 0
                ? $"Backordered: {Units(order.Backordered)}: the order ships complete and no single node could ship all of it."
                : $"Backordered: {Units(order.Backordered)}: no open node had the stock when the order was routed" +
                  (dated.Count > 0 ? "; what expected receipts cover is promised above." : "."));
        }
        if (order.AllocationRounds > 1)
        {
            reasons.Add($"Routing took {order.AllocationRounds} bid rounds: a hold was lost to a concurrent order and what was left " +
                        "was bid out again. The bids shown are the last round's.");
        }
        if (bids.Count == 0 && live.Count > 0)
        {
            reasons.Add("No bids were kept for this order.");
        }

        return new OrderExplained(
            order.OrderId, order.Request.CustomerId, order.Status, order.AcceptedAt, order.UpdatedAt,
            order.Request.Lines, order.Shipments, order.Backordered, order.TotalCost, promise, order.AllocationRounds,
            bids, decision, reasons, planOpportunity);
    }

    /// <summary>Per SKU the order wants, the units a bid offers of it, at most the wanted quantity.</summary>
    private static Dictionary<string, int> Covered(IReadOnlyList<OrderLine> offered, Dictionary<string, int> wanted) =>
        wanted.ToDictionary(w => w.Key, w => Math.Min(w.Value, offered.Where(l => l.Sku == w.Key).Sum(l => l.Quantity)), StringComparer.Ordinal);

    private static decimal OpportunityCostOf(NodeBid bid, string sku) =>
        bid.Terms.FirstOrDefault(t => string.Equals(t.Sku, sku, StringComparison.Ordinal))?.OpportunityCost ?? 0m;

    private static int CoveredUnits(BidExplained bid, Dictionary<string, int> wanted) =>
        wanted.Sum(w => Math.Min(w.Value, bid.Offered.Where(l => l.Sku == w.Key).Sum(l => l.Quantity)));

    private static string Units(IEnumerable<OrderLine> lines) => string.Join(", ", lines.Select(l => $"{l.Sku} x{l.Quantity}"));

    private static string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}
