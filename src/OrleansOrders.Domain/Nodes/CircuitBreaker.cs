namespace OrleansOrders.Nodes;

/// <summary>Where a node's breaker stands: asked as usual, not asked, or asked once to see whether it recovered.</summary>
public enum BreakerState
{
    /// <summary>The node is asked for bids as usual.</summary>
    Closed = 0,
    /// <summary>The node failed too often in a row: it is not asked until the cool-down has passed.</summary>
    Open = 1,
    /// <summary>The cool-down passed: one request at a time goes through; its outcome closes or re-opens the breaker.</summary>
    HalfOpen = 2,
}

/// <param name="FailureThreshold">Failures in a row (no success between) that open the breaker; at least 1.</param>
/// <param name="CoolDown">How long an open breaker stops requests before it lets one through (half-open).</param>
public sealed record BreakerSettings(int FailureThreshold, TimeSpan CoolDown)
{
    public static BreakerSettings Default { get; } = new(5, TimeSpan.FromSeconds(30));

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (FailureThreshold < 1)
        {
            errors.Add("The breaker's failure threshold must be at least 1.");
        }
        if (CoolDown <= TimeSpan.Zero)
        {
            errors.Add("The breaker's cool-down must be positive.");
        }
        return errors;
    }
}

/// <summary>
/// A circuit breaker for one node: closed (every request goes), open after
/// <see cref="BreakerSettings.FailureThreshold"/> failures in a row (none goes), half-open once
/// <see cref="BreakerSettings.CoolDown"/> has passed (one probe at a time goes: a success closes it, a
/// failure opens it again for another cool-down). Time comes from the <see cref="TimeProvider"/> alone.
/// </summary>
/// <remarks>
/// Not thread-safe: the caller serialises the calls on one breaker (the router's per-silo board locks it).
/// A probe whose outcome never comes (the caller lost it) blocks the half-open breaker for one more
/// cool-down at most: then another probe is let through.
/// </remarks>
public sealed class CircuitBreaker(BreakerSettings settings, TimeProvider time)
{
    private BreakerState _state = BreakerState.Closed;
    private DateTimeOffset _openedAt;
    private DateTimeOffset? _probeAt;

    public BreakerSettings Settings { get; } = settings;

    /// <summary>Failures since the last success (or since the breaker last opened).</summary>
    public int ConsecutiveFailures { get; private set; }

    /// <summary>When the breaker last changed state.</summary>
    public DateTimeOffset Since { get; private set; } = time.GetUtcNow();

    /// <summary>The state now: an open breaker whose cool-down has passed reads as half-open.</summary>
    public BreakerState State => _state == BreakerState.Open && CoolDownOver() ? BreakerState.HalfOpen : _state;

    /// <summary>
    /// Whether a request may go now. Closed: yes. Open: no, until the cool-down has passed; then the
    /// breaker half-opens and this request is its probe. Half-open: yes for one probe at a time.
    /// </summary>
    public bool TryAcquire()
    {
        var now = time.GetUtcNow();
        switch (_state)
        {
            case BreakerState.Closed:
                return true;
            case BreakerState.Open when !CoolDownOver():
                return false;
            case BreakerState.Open:
                Move(BreakerState.HalfOpen, now);
                _probeAt = now;
                return true;
            default: // half-open: one probe in flight; a lost probe is replaced after a cool-down
                if (_probeAt is { } probe && now - probe < Settings.CoolDown)
                {
                    return false;
                }
                _probeAt = now;
                return true;
        }
    }

    /// <summary>A request succeeded: the breaker closes (from any state) and the failure count starts again.</summary>
    /// <returns>True when the state changed.</returns>
    public bool Success()
    {
        ConsecutiveFailures = 0;
        _probeAt = null;
        if (_state == BreakerState.Closed)
        {
            return false;
        }
        Move(BreakerState.Closed, time.GetUtcNow());
        return true;
    }

    /// <summary>A request failed: counted; the threshold reached (or a failed probe) opens the breaker for a cool-down.</summary>
    /// <returns>True when the state changed.</returns>
    public bool Failure()
    {
        var now = time.GetUtcNow();
        ConsecutiveFailures++;
        _probeAt = null;
        switch (State) // an open breaker past its cool-down counts as half-open: a failure then opens it again
        {
            case BreakerState.Closed when ConsecutiveFailures >= Settings.FailureThreshold:
            case BreakerState.HalfOpen:
                _openedAt = now;
                Move(BreakerState.Open, now);
                return true;
            default:
                return false; // closed under the threshold, or already open (a late answer of a request sent before)
        }
    }

    private bool CoolDownOver() => time.GetUtcNow() - _openedAt >= Settings.CoolDown;

    private void Move(BreakerState to, DateTimeOffset at)
    {
        _state = to;
        Since = at;
    }
}
