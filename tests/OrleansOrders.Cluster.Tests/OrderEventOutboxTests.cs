using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Contracts;
using OrleansOrders.Grains.Events;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// The silo's order-event outbox: the first publish goes at once, the ones within the interval after
/// it go together in one message, each order's publish completes only once its message is on the
/// stream, a failed send fails exactly the orders it carried, and shards do not wait for each other.
/// Time is a fake clock that counts its timers (so a test knows the outbox is waiting out its interval)
/// and the stream a recording fake: nothing here waits on the wall clock.
/// </summary>
[Trait("Category", "fast")]
public sealed class OrderEventOutboxTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(5);

    private sealed class RecordingStream
    {
        public ConcurrentQueue<(string Shard, IReadOnlyList<string> Orders)> Messages { get; } = new();

        /// <summary>When set, the next send waits for it (a send in flight).</summary>
        public TaskCompletionSource? Gate { get; set; }

        /// <summary>Completes when a send has begun.</summary>
        public TaskCompletionSource SendBegun { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool FailNext { get; set; }

        public async Task Send(string provider, string shard, OrderEventBatch batch)
        {
            Assert.Equal("events", provider);
            SendBegun.TrySetResult();
            if (Gate is { } gate)
            {
                Gate = null;
                await gate.Task;
            }
            if (FailNext)
            {
                FailNext = false;
                throw new TimeoutException("the queue did not answer");
            }
            Messages.Enqueue((shard, batch.Events.Select(e => e.OrderId).Distinct().ToList()));
        }
    }

    private static IReadOnlyList<OrderEvent> Events(string orderId, int count = 2) =>
        Enumerable.Range(1, count).Select(i => new OrderEvent($"{orderId}:{i}", orderId, i, DateTimeOffset.UnixEpoch, "Accepted", "test", null, "", "c1", OrderStatus.Allocated)).ToList();

    [Fact]
    public async Task The_first_publish_goes_at_once_and_the_ones_within_the_interval_share_the_next_message()
    {
        var stream = new RecordingStream();
        var time = new TimerCountingClock();
        var outbox = new OrderEventOutbox(stream.Send, Interval, time);

        await outbox.PublishAsync("events", "3", Events("o1")).WaitAsync(TimeSpan.FromSeconds(20));
        var later = new[] { outbox.PublishAsync("events", "3", Events("o2")), outbox.PublishAsync("events", "3", Events("o3")), outbox.PublishAsync("events", "3", Events("o4")) };
        await time.TimersMadeAtLeast(1, "the outbox to wait out its interval"); // the clock stands still: it waits until advanced
        Assert.Single(stream.Messages);
        Assert.All(later, t => Assert.False(t.IsCompleted)); // not on the stream yet: the orders must not move their pointers

        time.Advance(Interval);
        await Task.WhenAll(later).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal([("3", (IReadOnlyList<string>)["o1"]), ("3", ["o2", "o3", "o4"])], stream.Messages.ToList(), MessageComparer.Instance);
        Assert.Equal(2, outbox.Sent);
    }

    [Fact]
    public async Task Orders_that_publish_while_a_message_is_in_flight_go_in_the_next_one()
    {
        var stream = new RecordingStream { Gate = new TaskCompletionSource() };
        var gate = stream.Gate;
        var time = new FakeTimeProvider();
        var outbox = new OrderEventOutbox(stream.Send, TimeSpan.Zero, time);

        var first = outbox.PublishAsync("events", "1", Events("o1"));
        await stream.SendBegun.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var during = new[] { outbox.PublishAsync("events", "1", Events("o2")), outbox.PublishAsync("events", "1", Events("o3")) };
        Assert.False(first.IsCompleted);
        gate.SetResult();
        await Task.WhenAll(during.Append(first)).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal([("1", (IReadOnlyList<string>)["o1"]), ("1", ["o2", "o3"])], stream.Messages.ToList(), MessageComparer.Instance);
    }

    [Fact]
    public async Task A_failed_send_fails_the_orders_it_carried_and_the_next_publish_goes()
    {
        var stream = new RecordingStream { FailNext = true };
        var time = new FakeTimeProvider();
        var outbox = new OrderEventOutbox(stream.Send, Interval, time);

        await Assert.ThrowsAsync<TimeoutException>(() => outbox.PublishAsync("events", "2", Events("o1")).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Empty(stream.Messages);

        var again = outbox.PublishAsync("events", "2", Events("o1"));
        time.Advance(Interval);
        await again.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal([("2", (IReadOnlyList<string>)["o1"])], stream.Messages.ToList(), MessageComparer.Instance);
    }

    [Fact]
    public async Task Shards_do_not_wait_for_each_other()
    {
        var stream = new RecordingStream();
        var time = new FakeTimeProvider();
        var outbox = new OrderEventOutbox(stream.Send, Interval, time);

        // Each shard's first publish goes at once, whatever the other shards sent just before.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(shard => outbox.PublishAsync("events", shard.ToString(), Events($"o{shard}"))))
            .WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(8, stream.Messages.Count);
        Assert.Equal(Enumerable.Range(0, 8).Select(s => s.ToString()).Order(), stream.Messages.Select(m => m.Shard).Order());
    }

    private sealed class MessageComparer : IEqualityComparer<(string Shard, IReadOnlyList<string> Orders)>
    {
        public static readonly MessageComparer Instance = new();

        public bool Equals((string Shard, IReadOnlyList<string> Orders) x, (string Shard, IReadOnlyList<string> Orders) y) =>
            x.Shard == y.Shard && x.Orders.Order().SequenceEqual(y.Orders.Order());

        public int GetHashCode((string Shard, IReadOnlyList<string> Orders) obj) => obj.Shard.GetHashCode();
    }
}
