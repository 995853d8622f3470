using Orleans.Configuration;
using Orleans.Hosting;

namespace OrleansOrders.Grains;

/// <summary>The order events stream (<see cref="GridOptions.EventStreamProvider"/>) on memory streams, as every in-memory host runs it.</summary>
public static class GridStreamExtensions
{
    /// <summary>How long a delivered event stays in a memory stream's cache, at least and at most.</summary>
    public static readonly (TimeSpan Min, TimeSpan Max) MemoryCacheAge = (TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));

    /// <summary>
    /// Memory streams with a cache of about a minute of events. Orleans keeps at least 5 and up to 30
    /// minutes by default, for subscribers that rewind: this grid's subscribers (projections, customer
    /// indexes, webhooks) never rewind and read within milliseconds, and the default cache held every
    /// event of a 5-minute steady run (173 MB of cache blocks on the heap at 150 s, growing with the run).
    /// A subscriber that falls more than half a minute behind loses the oldest events, as memory streams
    /// lose them in a silo that stops; the durable cluster runs Azure Queue streams.
    /// </summary>
    public static ISiloBuilder AddGridMemoryStreams(this ISiloBuilder silo, string name = "events") =>
        silo.AddMemoryStreams(name, stream => stream.ConfigureCacheEviction(eviction => eviction.Configure(options =>
        {
            options.DataMinTimeInCache = MemoryCacheAge.Min;
            options.DataMaxAgeInCache = MemoryCacheAge.Max;
        })));
}
