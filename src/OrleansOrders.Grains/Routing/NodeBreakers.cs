using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;
using OrleansOrders.Nodes;

namespace OrleansOrders.Grains.Routing;

/// <summary>
/// This silo's circuit breakers, one per node, shared by every router activation on the silo (a
/// singleton: the router is a stateless worker with several activations). Memory only, on purpose:
/// a breaker is a silo's recent experience of a node, rebuilt from the next few bids after a restart.
/// Fed with no call of its own: a bid that timed out or failed is a failure, a bid answered a
/// success, unless the bid says the node's run of rejected parcels grew past the threshold since this
/// silo last saw it. Each change of state is told to the node one-way (for operators), so the order's
/// path never waits on it.
/// </summary>
/// <remarks>Thread-safe: router activations run on several threads; each breaker is locked for its few instructions.</remarks>
public sealed class NodeBreakers(
    IOptions<GridOptions> options,
    GridClock clock,
    IGrainFactory grains,
    ILocalSiloDetails silo,
    ILogger<NodeBreakers> logger)
{
    private readonly ConcurrentDictionary<string, Entry> _nodes = new(StringComparer.Ordinal);
    private readonly NodeReliabilitySettings _settings = options.Value.NodeReliability;
    private readonly string _silo = silo.SiloAddress.ToString();

    public bool Enabled => _settings.Enabled;

    /// <summary>Whether the node's breaker is open (cool-down not over): it is not a candidate. Takes no probe.</summary>
    public bool IsOpen(string nodeId) =>
        _settings.Enabled && _nodes.TryGetValue(nodeId, out var entry) && entry.Read(b => b.State == BreakerState.Open);

    /// <summary>Whether a bid may be asked of the node now; a half-open breaker lets one probe through at a time.</summary>
    public bool TryAsk(string nodeId)
    {
        if (!_settings.Enabled)
        {
            return true;
        }
        var entry = For(nodeId);
        return entry.Change(b => b.TryAcquire(), this, nodeId);
    }

    /// <summary>The node answered in time: a success, unless its run of rejected parcels grew past the threshold.</summary>
    public void Answered(string nodeId, NodeBid bid)
    {
        if (!_settings.Enabled)
        {
            return;
        }
        var entry = For(nodeId);
        var streak = bid.RejectedInARow;
        entry.Change(b =>
        {
            var rejecting = streak >= b.Settings.FailureThreshold && streak > entry.SeenStreak;
            entry.SeenStreak = streak;
            return rejecting ? b.Failure() : b.Success();
        }, this, nodeId);
    }

    /// <summary>The node missed the bid deadline or its bid failed.</summary>
    public void Failed(string nodeId)
    {
        if (_settings.Enabled)
        {
            For(nodeId).Change(b => b.Failure(), this, nodeId);
        }
    }

    private Entry For(string nodeId) => _nodes.GetOrAdd(nodeId, _ => new Entry(new CircuitBreaker(_settings.Breaker(), clock.Time)));

    private void Report(string nodeId, BreakerState state, DateTimeOffset since)
    {
        logger.LogInformation("Node {Node}: breaker {State} on silo {Silo}", nodeId, state, _silo);
        GridMetrics.BreakerChanged(nodeId, state.ToString());
        try
        {
            _ = grains.Reference<IFulfilmentNodeGrain>(nodeId).ReportBreaker(new RouterBreakerView(_silo, (NodeBreakerState)state, since));
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Node {Node}: breaker change not reported", nodeId);
        }
    }

    private sealed class Entry(CircuitBreaker breaker)
    {
        /// <summary>The node's run of rejected parcels as this silo last saw it in a bid.</summary>
        public int SeenStreak;

        public bool Read(Func<CircuitBreaker, bool> read)
        {
            lock (this)
            {
                return read(breaker);
            }
        }

        /// <summary>Runs <paramref name="step"/> under the lock; tells the node when the state changed.</summary>
        public bool Change(Func<CircuitBreaker, bool> step, NodeBreakers board, string nodeId)
        {
            bool result;
            BreakerState before, after;
            DateTimeOffset since;
            lock (this)
            {
                before = breaker.State;
                result = step(breaker);
                after = breaker.State;
                since = breaker.Since;
            }
            if (before != after)
            {
                board.Report(nodeId, after, since);
            }
            return result;
        }
    }
}
