using OrleansOrders.Client;

namespace OrleansOrders.LoadTest.Hosting;

/// <summary>
/// The grid a run drives: an in-process silo or a running cluster. Orders, pings and the audit all
/// go through <see cref="Grains"/>, so the raw ceiling and the order rate share one call path.
/// </summary>
public interface IGridTarget : IAsyncDisposable
{
    IGrainFactory Grains { get; }

    IOrderGridClient Client { get; }

    /// <summary>One line for the console: which silo or cluster this is.</summary>
    string Description { get; }

    /// <summary>True when this process started the grid (fresh, empty; uses this machine's clock).</summary>
    bool InProcess { get; }
}
