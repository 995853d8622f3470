namespace OrleansOrders.Grains;

/// <summary>
/// The grid's business clock (hold expiry, promise dates, capacity days). It wraps a TimeProvider of
/// its own rather than the container's, because Orleans itself runs on the container's TimeProvider:
/// a test that freezes business time with a FakeTimeProvider must not freeze the runtime's timers.
/// </summary>
public sealed class GridClock(TimeProvider time)
{
    public static GridClock System { get; } = new(TimeProvider.System);

    public DateTimeOffset UtcNow => time.GetUtcNow();

    /// <summary>The business clock itself, for rules that take a <see cref="System.TimeProvider"/> (the routers' breakers).</summary>
    public TimeProvider Time => time;

    public DateOnly Today => DateOnly.FromDateTime(UtcNow.UtcDateTime);
}
