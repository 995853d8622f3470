using System.Collections.Concurrent;

namespace OrleansOrders.Grains;

/// <summary>
/// Storage operations a silo issued (reads, writes, clears), by store and state name, so a benchmark
/// can print what an order costs in storage round trips. One per silo: a singleton in the silo's
/// services, registered by <see cref="GridStorageExtensions"/>, which also wraps every grain storage
/// provider of the grid in <see cref="CountingGrainStorage"/>. A store that writes on its own (not
/// through <c>IGrainStorage</c>) takes this from the services and reports each round trip with
/// <see cref="RecordRead"/> / <see cref="RecordWrite"/> / <see cref="RecordClear"/>.
/// Thread-safe and cheap: a dictionary hit and an interlocked add per operation, no allocation once
/// a (store, state) pair has been seen.
/// </summary>
public sealed class StorageOperationCounter
{
    private readonly ConcurrentDictionary<(string Store, string State), Counts> _byState = new();
    private long _reads;
    private long _writes;
    private long _clears;

    public long Reads => Volatile.Read(ref _reads);

    public long Writes => Volatile.Read(ref _writes);

    public long Clears => Volatile.Read(ref _clears);

    /// <summary>One read round trip of <paramref name="store"/>, for state <paramref name="stateName"/> (e.g. "order", "stock").</summary>
    public void RecordRead(string store, string stateName = "")
    {
        Interlocked.Increment(ref For(store, stateName).Reads);
        Interlocked.Increment(ref _reads);
    }

    /// <summary>One write round trip (a batch written in one request counts once).</summary>
    public void RecordWrite(string store, string stateName = "")
    {
        Interlocked.Increment(ref For(store, stateName).Writes);
        Interlocked.Increment(ref _writes);
    }

    /// <summary>One clear (delete) round trip.</summary>
    public void RecordClear(string store, string stateName = "")
    {
        Interlocked.Increment(ref For(store, stateName).Clears);
        Interlocked.Increment(ref _clears);
    }

    /// <summary>The counts so far; subtract an earlier snapshot (<see cref="StorageOperationSnapshot.Since"/>) for a window.</summary>
    public StorageOperationSnapshot Snapshot() => new(
        Reads,
        Writes,
        Clears,
        _byState
            .Select(e => new StorageStateOperations(e.Key.Store, e.Key.State,
                Volatile.Read(ref e.Value.Reads), Volatile.Read(ref e.Value.Writes), Volatile.Read(ref e.Value.Clears)))
            .OrderBy(s => s.Store, StringComparer.Ordinal)
            .ThenBy(s => s.State, StringComparer.Ordinal)
            .ToList());

    private Counts For(string store, string stateName) => _byState.GetOrAdd((store, stateName), static _ => new Counts());

    private sealed class Counts
    {
        public long Reads;
        public long Writes;
        public long Clears;
    }
}

/// <summary>Storage operations of one state (e.g. store "grid", state "order").</summary>
public sealed record StorageStateOperations(string Store, string State, long Reads, long Writes, long Clears);

/// <summary>Storage operations counted up to a moment, in total and by store and state.</summary>
public sealed record StorageOperationSnapshot(long Reads, long Writes, long Clears, IReadOnlyList<StorageStateOperations> ByState)
{
    public static readonly StorageOperationSnapshot Empty = new(0, 0, 0, []);

    /// <summary>What happened between <paramref name="earlier"/> and this snapshot (states with no operation in between are left out).</summary>
    public StorageOperationSnapshot Since(StorageOperationSnapshot earlier)
    {
        var before = earlier.ByState.ToDictionary(s => (s.Store, s.State));
        var byState = ByState
            .Select(s => before.TryGetValue((s.Store, s.State), out var b)
                ? s with { Reads = s.Reads - b.Reads, Writes = s.Writes - b.Writes, Clears = s.Clears - b.Clears }
                : s)
            .Where(s => s.Reads + s.Writes + s.Clears > 0)
            .ToList();
        return new StorageOperationSnapshot(Reads - earlier.Reads, Writes - earlier.Writes, Clears - earlier.Clears, byState);
    }
}
