namespace OrleansOrders.Routing;

/// <summary>
/// Routing defaults per sales channel: each channel's options template (objective, weights,
/// ship complete, parcel limit, allowed fulfilment types...), a fallback for other channels, and
/// what a single order may override. The result carries the channel, so channel reserves apply.
/// </summary>
public sealed class ChannelRoutingDefaults(SolverOptions fallback, IReadOnlyDictionary<string, SolverOptions> byChannel)
{
    /// <summary>Options for one order: its channel's template (or the fallback) with the order's own choices on top.</summary>
    public SolverOptions For(string? channel, RoutingObjective? objective = null, bool? shipComplete = null, int? maxShipments = null)
    {
        var template = channel is not null && byChannel.TryGetValue(channel, out var options) ? options : fallback;
        return template with
        {
            Channel = channel,
            Objective = objective ?? template.Objective,
            ShipComplete = shipComplete ?? template.ShipComplete,
            MaxShipments = maxShipments ?? template.MaxShipments,
        };
    }
}
