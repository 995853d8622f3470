namespace OrleansOrders.Contracts;

/// <summary>
/// Grain references without the per-call reflection of <c>IGrainFactory.GetGrain&lt;T&gt;(key)</c>.
/// Orleans resolves the interface's <see cref="GrainInterfaceType"/> by reading the interface's
/// attributes on every such call; a CPU trace of the steady load found that in 6% of its samples,
/// a dozen times per order. The grain type and interface type of <typeparamref name="T"/> are
/// resolved once, by Orleans, from the first reference made, and every later reference is built
/// from them with <c>GetGrain(GrainId, GrainInterfaceType)</c>, which only looks up a cached proxy
/// type. Both are names fixed by the grain's declaration, the same in every cluster of the process.
/// </summary>
public static class GrainReferences
{
    public static T Reference<T>(this IGrainFactory grains, string key) where T : IGrainWithStringKey =>
        Types<T>.Resolved is { } types
            ? (T)grains.GetGrain(GrainId.Create(types.Grain, key), types.Interface)
            : Types<T>.Remember(grains.GetGrain<T>(key));

    public static T Reference<T>(this IGrainFactory grains, long key) where T : IGrainWithIntegerKey =>
        Types<T>.Resolved is { } types
            ? (T)grains.GetGrain(GrainId.Create(types.Grain, GrainIdKeyExtensions.CreateIntegerKey(key)), types.Interface)
            : Types<T>.Remember(grains.GetGrain<T>(key));

    /// <summary>The types of <typeparamref name="T"/>, published as one object so a racing first call never reads half of them.</summary>
    private static class Types<T> where T : IAddressable
    {
        public static Resolution? Resolved;

        public static T Remember(T grain)
        {
            var reference = (GrainReference)(object)grain;
            Volatile.Write(ref Resolved, new Resolution(reference.GrainId.Type, reference.InterfaceType));
            return grain;
        }
    }

    private sealed record Resolution(GrainType Grain, GrainInterfaceType Interface);
}
