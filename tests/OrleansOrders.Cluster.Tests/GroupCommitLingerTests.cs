using System.Collections.Concurrent;
using OrleansOrders.Cluster.Tests.Support;
using OrleansOrders.Grains;

namespace OrleansOrders.Cluster.Tests;

/// <summary>
/// Group commit's linger: a write that would start with fewer callers than the previous write carried,
/// right after it, waits (bounded) for the rest to come back, so one write carries them all. Everything
/// runs on one exclusive scheduler, as in a grain; storage is a gate the test opens; time is a fake
/// clock that counts its timers, so a test knows a write is lingering (its timer was made) without
/// waiting on the wall clock.
/// </summary>
[Trait("Category", "fast")]
public sealed class GroupCommitLingerTests
{
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(1);

    private sealed class Harness
    {
        private readonly TaskScheduler _scheduler = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
        private readonly ConcurrentQueue<TaskCompletionSource> _gates = new();

        public Harness(TimeSpan linger)
        {
            Commit = new GroupCommit(() =>
            {
                var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _gates.Enqueue(gate);
                return gate.Task;
            }, () => Task.CompletedTask, _ => { }, coalesce: true, linger, Time);
        }

        public TimerCountingClock Time { get; } = new();

        public GroupCommit Commit { get; }

        /// <summary>A caller that changed state and awaits durability, as a grain call would, on the grain's scheduler.</summary>
        public Task Durable() => Run(() => Commit.WhenDurable());

        public Task Run(Func<Task> action) =>
            Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.None, _scheduler).Unwrap();

        /// <summary>Completes once everything queued on the scheduler before it has run.</summary>
        public Task Drained() => Run(() => Task.CompletedTask);

        /// <summary>The next write is lingering (its timer is made) and has not started: still <paramref name="writes"/> writes.</summary>
        public async Task Lingering(long writes)
        {
            await Time.TimersMadeAtLeast(1, "the write to linger");
            await Drained();
            Assert.Equal(writes, Commit.Writes);
        }

        /// <summary>Lets the write in flight succeed.</summary>
        public async Task Finish()
        {
            await Eventually.True(() => Task.FromResult(!_gates.IsEmpty), "a write in flight");
            Assert.True(_gates.TryDequeue(out var gate));
            gate.SetResult();
        }

        public Task WritesStarted(long count) =>
            Eventually.True(() => Task.FromResult(Commit.Writes == count), $"write {count} to start");

        /// <summary>A write of three callers, after a first write that carried one alone.</summary>
        public async Task<Task[]> ThreeCallersWritten()
        {
            var first = Durable();
            await WritesStarted(1);
            var three = new[] { Durable(), Durable(), Durable() };
            await Finish();
            await first;
            await WritesStarted(2);
            await Finish();
            await Task.WhenAll(three);
            return three;
        }

        /// <summary>After <see cref="ThreeCallersWritten"/>, one of the three comes back: its write lingers.</summary>
        public async Task<Task> OneCallerBackLingering()
        {
            await ThreeCallersWritten();
            var back = Durable();
            await Lingering(writes: 2);
            return back;
        }
    }

    [Fact]
    public async Task Callers_a_write_answered_who_come_back_within_the_linger_share_the_next_write()
    {
        var harness = new Harness(Linger);
        await harness.ThreeCallersWritten();

        var back = new List<Task> { harness.Durable(), harness.Durable() };
        await harness.Lingering(writes: 2); // two of the three are back: the write waits for the third
        back.Add(harness.Durable());
        await harness.WritesStarted(3);
        await harness.Finish();
        await Task.WhenAll(back);
        await harness.Drained();
        Assert.Equal(3, harness.Commit.Writes);
    }

    [Fact]
    public async Task The_wait_is_bounded_by_the_linger_when_fewer_callers_come_back()
    {
        var harness = new Harness(Linger);
        var alone = await harness.OneCallerBackLingering();
        harness.Time.Advance(Linger);
        await harness.WritesStarted(3);
        await harness.Finish();
        await alone;
    }

    [Fact]
    public async Task A_write_long_after_the_previous_one_starts_at_once()
    {
        var harness = new Harness(Linger);
        await harness.ThreeCallersWritten();

        harness.Time.Advance(Linger * 2);
        var late = harness.Durable();
        await harness.WritesStarted(3);
        await harness.Finish();
        await late;
    }

    [Fact]
    public async Task One_caller_at_a_time_never_waits()
    {
        var harness = new Harness(Linger);
        for (var i = 1; i <= 3; i++)
        {
            var call = harness.Durable();
            await harness.WritesStarted(i); // the clock never moves: a wait would hang here
            await harness.Finish();
            await call;
        }
    }

    [Fact]
    public async Task A_caller_that_finds_the_next_write_full_ends_the_wait()
    {
        var harness = new Harness(Linger);
        var back = await harness.OneCallerBackLingering();
        var full = harness.Run(() => harness.Commit.WhenRoom(() => harness.Commit.Writes > 2));
        await harness.WritesStarted(3);
        await harness.Finish();
        await Task.WhenAll(back, full);
    }

    [Fact]
    public async Task Without_a_linger_the_first_caller_back_goes_alone()
    {
        var harness = new Harness(TimeSpan.Zero);
        await harness.ThreeCallersWritten();

        var back = harness.Durable();
        await harness.WritesStarted(3);
        await harness.Finish();
        await back;
    }
}
