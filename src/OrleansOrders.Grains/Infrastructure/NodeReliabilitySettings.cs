using OrleansOrders.Nodes;

namespace OrleansOrders.Grains;

/// <summary>
/// Node reliability in routing ("Grid:NodeReliability"): each node keeps a record of its rejections,
/// short picks, late shipments and bid timeouts (<see cref="NodeReliability"/>), its bids price the
/// risk, and each silo's routers stop asking a node that keeps timing out or rejecting (a circuit
/// breaker per node, <see cref="CircuitBreaker"/>).
/// </summary>
public sealed class NodeReliabilitySettings
{
    /// <summary>
    /// Off: bids carry no risk and routers ask every candidate, as before. Nodes keep their record
    /// either way (operators still see it), since it costs next to nothing.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>What one rejected parcel costs the network (a new route, a later delivery, handling wasted).</summary>
    public decimal RerouteCost { get; set; } = 10.00m;

    /// <summary>What one parcel dispatched after its promised day costs; also what each day costs that a re-route promises later than the rejected parcel did.</summary>
    public decimal LateShipmentCost { get; set; } = 2.00m;

    /// <summary>After this long a fact counts half.</summary>
    public TimeSpan HalfLife { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Bid timeouts (or new rejections past this many in a row) that open a node's breaker.</summary>
    public int BreakerFailures { get; set; } = 5;

    /// <summary>How long an open breaker keeps a node from being asked before one bid probes it.</summary>
    public TimeSpan BreakerCoolDown { get; set; } = TimeSpan.FromSeconds(30);

    public ReliabilitySettings Record() => new(RerouteCost, LateShipmentCost, HalfLife);

    public BreakerSettings Breaker() => new(BreakerFailures, BreakerCoolDown);

    public IReadOnlyList<string> Validate() => [.. Record().Validate(), .. Breaker().Validate()];
}
