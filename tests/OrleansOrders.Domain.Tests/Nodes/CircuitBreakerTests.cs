using CsCheck;
using Microsoft.Extensions.Time.Testing;
using OrleansOrders.Nodes;

namespace OrleansOrders.Domain.Tests.Nodes;

[Trait("Category", "fast")]
public class CircuitBreakerTests
{
    private static readonly BreakerSettings Settings = new(3, TimeSpan.FromSeconds(30));

    [Fact]
    public void Opens_after_the_threshold_of_failures_in_a_row_and_half_opens_after_the_cool_down()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero));
        var breaker = new CircuitBreaker(Settings, time);

        Assert.False(breaker.Failure());
        Assert.False(breaker.Failure());
        Assert.Equal(BreakerState.Closed, breaker.State);
        Assert.True(breaker.TryAcquire());
        Assert.True(breaker.Failure());
        Assert.Equal(BreakerState.Open, breaker.State);
        Assert.False(breaker.TryAcquire());

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(breaker.TryAcquire());
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(BreakerState.HalfOpen, breaker.State);
        Assert.True(breaker.TryAcquire());  // the probe
        Assert.False(breaker.TryAcquire()); // one probe at a time
        Assert.True(breaker.Success());
        Assert.Equal(BreakerState.Closed, breaker.State);
        Assert.Equal(0, breaker.ConsecutiveFailures);
        Assert.True(breaker.TryAcquire());
    }

    [Fact]
    public void A_success_between_failures_keeps_it_closed_and_a_failed_probe_opens_it_for_another_cool_down()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero));
        var breaker = new CircuitBreaker(Settings, time);
        breaker.Failure();
        breaker.Failure();
        breaker.Success();
        breaker.Failure();
        breaker.Failure();
        Assert.Equal(BreakerState.Closed, breaker.State);

        breaker.Failure();
        time.Advance(Settings.CoolDown);
        Assert.True(breaker.TryAcquire());
        Assert.True(breaker.Failure()); // the probe failed
        Assert.Equal(BreakerState.Open, breaker.State);
        time.Advance(Settings.CoolDown - TimeSpan.FromSeconds(1));
        Assert.False(breaker.TryAcquire());
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(breaker.TryAcquire());
    }

    [Fact]
    public void A_lost_probe_is_replaced_after_a_cool_down()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero));
        var breaker = new CircuitBreaker(new BreakerSettings(1, TimeSpan.FromSeconds(10)), time);
        breaker.Failure();
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(breaker.TryAcquire());
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(breaker.TryAcquire());
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(breaker.TryAcquire());
    }

    public enum Op { Acquire, Success, Failure, Wait }

    /// <summary>
    /// Random outcomes and waits against a model: the breaker is open exactly when the last
    /// threshold-many outcomes since a success were failures (or a probe failed) and the cool-down since
    /// has not passed; while open nothing is let through; a closed breaker always lets through.
    /// </summary>
    [Fact]
    public void Follows_the_model_through_random_outcomes_and_waits() =>
        Gen.Select(Gen.Frequency((4, Gen.Const(Op.Acquire)), (2, Gen.Const(Op.Success)), (3, Gen.Const(Op.Failure)), (2, Gen.Const(Op.Wait))), Gen.Int[1, 40])
            .Array[1, 80].Sample(steps =>
            {
                var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero));
                var breaker = new CircuitBreaker(Settings, time);
                var failures = 0;
                DateTimeOffset? openedAt = null;
                foreach (var (op, seconds) in steps)
                {
                    var now = time.GetUtcNow();
                    var open = openedAt is { } at && now - at < Settings.CoolDown;
                    switch (op)
                    {
                        case Op.Acquire:
                            var allowed = breaker.TryAcquire();
                            if (open && allowed)
                            {
                                return false;
                            }
                            if (openedAt is null && !allowed)
                            {
                                return false;
                            }
                            break;
                        case Op.Success:
                            breaker.Success();
                            failures = 0;
                            openedAt = null;
                            break;
                        case Op.Failure:
                            var probing = openedAt is not null && !open;
                            breaker.Failure();
                            failures++;
                            if (probing || (openedAt is null && failures >= Settings.FailureThreshold))
                            {
                                openedAt = now;
                            }
                            break;
                        default:
                            time.Advance(TimeSpan.FromSeconds(seconds));
                            break;
                    }
                    var expected = openedAt is null ? BreakerState.Closed
                        : time.GetUtcNow() - openedAt.Value < Settings.CoolDown ? BreakerState.Open : BreakerState.HalfOpen;
                    if (breaker.State != expected)
                    {
                        return false;
                    }
                }
                return true;
            }, iter: 2000);
}
