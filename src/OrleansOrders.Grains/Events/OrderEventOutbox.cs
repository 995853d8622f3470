using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;
using OrleansOrders.Contracts;

namespace OrleansOrders.Grains.Events;

/// <summary>
/// Where a silo's orders publish their events: one stream message per shard per
/// <see cref="GridOptions.EventPublishInterval"/> carries the events of every order that published in
/// it, instead of one message (a queue grain call, or a queue write on Azure, and a delivery) per order.
/// The first publish after a quiet interval goes at once; the ones after it wait for the interval to
/// pass, and the ones that arrive while a message is being sent go with the next. An order's publish
/// completes when the message carrying its events is on the stream, so the order moves its published
/// pointer only then (at least once, as before: consumers drop duplicates by event id); a failed send
/// fails every order it carried, and each publishes again on its next call.
/// </summary>
/// <param name="send">Puts one message on a shard's stream: (provider, shard, message).</param>
public sealed class OrderEventOutbox(Func<string, string, OrderEventBatch, Task> send, TimeSpan interval, TimeProvider time)
{
    /// <summary>Sends through the silo's stream providers.</summary>
    public static OrderEventOutbox OnStreams(IServiceProvider services, TimeSpan interval, TimeProvider time) =>
        new((provider, shard, batch) => services.GetRequiredKeyedService<IStreamProvider>(provider)
            .GetStream<OrderEventBatch>(OrderEventStreams.Namespace, shard).OnNextAsync(batch), interval, time);

    private readonly Dictionary<string, Shard> _shards = new(StringComparer.Ordinal);

    /// <summary>Messages sent so far (for tests and diagnostics).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    private long _sent;

    /// <summary>Publishes <paramref name="events"/> (one order's, in sequence) on <paramref name="provider"/>'s stream of <paramref name="shard"/>.</summary>
    public Task PublishAsync(string provider, string shard, IReadOnlyList<OrderEvent> events)
    {
        Shard state;
        lock (_shards)
        {
            if (!_shards.TryGetValue(shard, out state!))
            {
                _shards[shard] = state = new Shard(provider, shard);
            }
        }
        Task done;
        var start = false;
        lock (state)
        {
            state.Pending.AddRange(events);
            state.PendingDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            done = state.PendingDone.Task;
            if (!state.Sending)
            {
                state.Sending = start = true;
            }
        }
        if (start)
        {
            _ = Task.Run(() => SendLoop(state));
        }
        return done;
    }

    private async Task SendLoop(Shard state)
    {
        while (true)
        {
            var wait = interval - time.GetElapsedTime(state.LastSentAt);
            if (state.HasSent && wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time).ConfigureAwait(false);
            }
            List<OrderEvent> events;
            TaskCompletionSource done;
            lock (state)
            {
                if (state.Pending.Count == 0 || state.PendingDone is null)
                {
                    state.Sending = false;
                    return;
                }
                (events, done) = (state.Pending, state.PendingDone);
                state.Pending = [];
                state.PendingDone = null;
            }
            state.LastSentAt = time.GetTimestamp();
            state.HasSent = true;
            try
            {
                await send(state.Provider, state.Id, new OrderEventBatch(events)).ConfigureAwait(false);
                Interlocked.Increment(ref _sent);
                done.SetResult();
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        }
    }

    private sealed class Shard(string provider, string id)
    {
        public string Provider { get; } = provider;
        public string Id { get; } = id;
        public List<OrderEvent> Pending { get; set; } = [];
        public TaskCompletionSource? PendingDone { get; set; }
        public bool Sending { get; set; }
        /// <summary>When the last message went (<see cref="TimeProvider.GetTimestamp"/>), if one did.</summary>
        public long LastSentAt { get; set; }
        public bool HasSent { get; set; }
    }
}
