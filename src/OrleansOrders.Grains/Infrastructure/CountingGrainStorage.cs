using Orleans.Storage;

namespace OrleansOrders.Grains;

/// <summary>
/// A grain storage provider that counts each operation in a <see cref="StorageOperationCounter"/>
/// and hands it to the real provider. An operation is counted when it is issued (a failed or
/// retried write still cost a round trip). The real provider's task is returned as it is: no extra
/// state machine on the storage path. Takes part in the silo lifecycle for the provider it wraps
/// (Azure Table storage creates its table there).
/// </summary>
public sealed class CountingGrainStorage(string store, IGrainStorage inner, StorageOperationCounter counter)
    : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The provider this one counts for.</summary>
    public IGrainStorage Inner => inner;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        counter.RecordRead(store, stateName);
        return inner.ReadStateAsync(stateName, grainId, grainState);
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        counter.RecordWrite(store, stateName);
        return inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        counter.RecordClear(store, stateName);
        return inner.ClearStateAsync(stateName, grainId, grainState);
    }

    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
}
