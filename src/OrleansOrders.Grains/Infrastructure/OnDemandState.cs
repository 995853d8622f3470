using Orleans.Storage;

namespace OrleansOrders.Grains;

/// <summary>
/// A grain's second state record, read when the grain asks rather than on every activation as
/// <c>[PersistentState]</c> does: a grain whose first record says the second cannot exist (a new
/// order has no details yet) saves a storage read per activation. Same provider, state name and
/// ETag rules as <c>[PersistentState]</c>, so records written either way read the same.
/// </summary>
public sealed class OnDemandState<T>(IGrainStorage storage, string stateName, GrainId grainId) where T : class, new()
{
    private readonly GrainState<T> _record = new(new T());

    public T State => _record.State ??= new T(); // a provider may leave a missing record null

    /// <summary>Whether storage held the record at the last read, or the last write stored it.</summary>
    public bool RecordExists => _record.RecordExists;

    public Task ReadStateAsync() => storage.ReadStateAsync(stateName, grainId, _record);

    public Task WriteStateAsync() => storage.WriteStateAsync(stateName, grainId, _record);

    public Task ClearStateAsync() => storage.ClearStateAsync(stateName, grainId, _record);
}
