using OrleansOrders.Orders;

namespace OrleansOrders.Grains;

/// <summary>
/// When allocated parcels are released to their nodes ("Grid:Release"), and the re-optimiser that may
/// move an order while all its parcels still wait. A parcel takes its channel's policy if the channel
/// names one (a marketplace may need every order released at once), else its node's (a warehouse runs
/// waves), else <see cref="Default"/> (immediately, unless configured). Pickup parcels are always released at once.
/// </summary>
public sealed class ReleaseSettings
{
    public ReleasePolicySettings Default { get; set; } = new();

    /// <summary>Per node id.</summary>
    public Dictionary<string, ReleasePolicySettings> Nodes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Per sales channel (the order's <c>channel</c>); wins over the node's.</summary>
    public Dictionary<string, ReleasePolicySettings> Channels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Re-plan an order whose parcels all still wait, at its first wave, when a plan clearly better exists.</summary>
    public bool Reoptimise { get; set; } = true;

    /// <summary>Least shipping-cost saving that moves an order in as many parcels (fewer parcels at no higher cost always moves it).</summary>
    public decimal MinSaving { get; set; } = 0.5m;

    /// <summary>Most times one order is moved (each move is a strict gain, so this only bounds the work).</summary>
    public int MaxReoptimisations { get; set; } = 3;

    /// <summary>How often a node's wave grain looks for due parcels while it has any waiting.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Orders a wave asks at once.</summary>
    public int WaveParallelism { get; set; } = 32;

    /// <summary>The policy of a parcel of <paramref name="channel"/> at <paramref name="nodeId"/>.</summary>
    public ReleasePolicy For(string? channel, string nodeId) =>
        (channel is not null && Channels.TryGetValue(channel, out var byChannel) ? byChannel
            : Nodes.TryGetValue(nodeId, out var byNode) ? byNode : Default).ToPolicy();

    /// <summary>Whether any parcel can be soft at all (when not, orders skip the release machinery entirely).</summary>
    public bool AnyWaves => Default.Mode != ReleaseMode.Immediate || Nodes.Values.Any(p => p.Mode != ReleaseMode.Immediate) || Channels.Values.Any(p => p.Mode != ReleaseMode.Immediate);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        errors.AddRange(Default.ToPolicy().Problems().Select(p => "Default: " + p));
        foreach (var (node, policy) in Nodes)
        {
            errors.AddRange(policy.ToPolicy().Problems().Select(p => $"Nodes:{node}: {p}"));
        }
        foreach (var (channel, policy) in Channels)
        {
            errors.AddRange(policy.ToPolicy().Problems().Select(p => $"Channels:{channel}: {p}"));
        }
        if (MinSaving < 0 || MaxReoptimisations < 0 || CheckInterval <= TimeSpan.Zero || WaveParallelism < 1)
        {
            errors.Add("MinSaving and MaxReoptimisations must not be negative, CheckInterval must be positive, WaveParallelism at least 1.");
        }
        return errors;
    }
}

/// <summary>One release policy as configured (see <see cref="ReleasePolicy"/>).</summary>
public sealed class ReleasePolicySettings
{
    public ReleaseMode Mode { get; set; } = ReleaseMode.Immediate;

    /// <summary>For waves: UTC times of day (used when <see cref="Every"/> is not set).</summary>
    public List<TimeOnly> Times { get; set; } = [];

    /// <summary>For waves: one every this long, from midnight UTC.</summary>
    public TimeSpan? Every { get; set; }

    /// <summary>For <see cref="ReleaseMode.BeforeCutoff"/>: how long before the node's cutoff.</summary>
    public TimeSpan LeadTime { get; set; } = TimeSpan.FromHours(2);

    public ReleasePolicy ToPolicy() => new(Mode, Times, Every, LeadTime);
}
