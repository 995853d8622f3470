using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace OrleansOrders.Grains;

/// <summary>Where the grid keeps its grain state (see <see cref="GridStorageExtensions"/>).</summary>
public enum GridStorageKind
{
    /// <summary>In the silos' memory: the embedded default and the in-process load test.</summary>
    Memory,

    /// <summary>Azure Tables (Azurite locally): the durable cluster.</summary>
    AzureTable,

    /// <summary>A store the host brings (the cluster tests' store that outlives its silos).</summary>
    Custom,
}

/// <summary>Where the grid's state is kept, for a store of the grid to resolve from the silo's services.</summary>
/// <param name="ConnectionString">The Azure Storage connection string with <see cref="GridStorageKind.AzureTable"/>; otherwise null.</param>
public sealed record GridStorageSettings(GridStorageKind Kind, string? ConnectionString);

/// <summary>
/// The one place the grid's storage is configured: every host (the silo, the load test's in-process
/// and durable silos, the cluster tests) calls exactly one of these. Each registers the grid's store
/// <see cref="GridOptions.StorageName"/> and the stream pub-sub store, writes state in Orleans' binary
/// format (reading state written as JSON before, see <see cref="CreateStateSerializer"/>), and counts
/// every storage operation in the silo's <see cref="StorageOperationCounter"/>.
/// </summary>
public static class GridStorageExtensions
{
    /// <summary>The stream pub-sub store (Orleans' default name).</summary>
    public const string PubSubStoreName = ProviderConstants.DEFAULT_PUBSUB_PROVIDER_NAME;

    /// <summary>Service key of the grid's grain state serializer.</summary>
    public const string StateSerializerKey = "OrleansOrders.GridState";

    /// <summary>State in memory: the embedded default silo and the in-process load test.</summary>
    /// <remarks>In this process's memory, shared by the service's silos in it (<see cref="ProcessMemoryGrainStorage"/>), not in Orleans' storage grains.</remarks>
    public static ISiloBuilder AddGridMemoryStorage(this ISiloBuilder silo)
    {
        foreach (var name in new[] { GridOptions.StorageName, PubSubStoreName })
        {
            silo.Services.AddGrainStorage(name, (services, storeName) =>
            {
                var cluster = services.GetRequiredService<IOptions<ClusterOptions>>().Value;
                return new ProcessMemoryGrainStorage(
                    ProcessMemoryGrainStorage.Store.ForService($"{cluster.ServiceId}/{cluster.ClusterId}/{storeName}"),
                    services.GetRequiredKeyedService<IGrainStorageSerializer>(StateSerializerKey));
            });
        }
        return silo.AddGridStorageCommon(GridStorageKind.Memory, connectionString: null);
    }

    /// <summary>State in Azure Tables (table OrleansGrainState, rows keyed by service id and grain): the durable cluster.</summary>
    public static ISiloBuilder AddGridAzureTableStorage(this ISiloBuilder silo, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        foreach (var name in new[] { GridOptions.StorageName, PubSubStoreName })
        {
            silo.AddAzureTableGrainStorage(name, options => options.Configure<IServiceProvider>((o, services) =>
            {
                o.TableServiceClient = new TableServiceClient(connectionString);
                o.GrainStorageSerializer = services.GetRequiredKeyedService<IGrainStorageSerializer>(StateSerializerKey);
            }));
        }
        return silo.AddGridStorageCommon(GridStorageKind.AzureTable, connectionString);
    }

    /// <summary>
    /// The grid's state in a store the host brings (<paramref name="createGridStore"/> gets the services
    /// and the store's name), the pub-sub store in memory. For tests whose store must outlive its silos.
    /// </summary>
    public static ISiloBuilder AddGridStorage(this ISiloBuilder silo, Func<IServiceProvider, string, IGrainStorage> createGridStore)
    {
        ArgumentNullException.ThrowIfNull(createGridStore);
        silo.Services.AddGrainStorage(GridOptions.StorageName, createGridStore);
        silo.AddMemoryGrainStorage(PubSubStoreName, options => options.Configure<IServiceProvider>((o, services) =>
            o.GrainStorageSerializer = services.GetRequiredKeyedService<IGrainStorageSerializer>(StateSerializerKey)));
        return silo.AddGridStorageCommon(GridStorageKind.Custom, connectionString: null);
    }

    /// <summary>
    /// How the grid's grain state is written and read: Orleans' binary serializer (the
    /// <c>[GenerateSerializer]</c>/<c>[Id]</c> contract the grid's states already keep: compact, fast,
    /// version tolerant by field id), falling back to the JSON serializer Orleans used by default
    /// (Newtonsoft with type names, the silo's <see cref="OrleansJsonSerializer"/> settings) for state
    /// written before the switch. Such a state is rewritten in binary at its next write. JSON always
    /// starts with '{', which the binary reader takes for a reference to a type it does not know and
    /// rejects at once (UnknownReferencedTypeException), so the fallback takes over; the Azurite test
    /// State_written_as_json_before_the_switch_to_binary_is_read_and_rewritten_in_binary shows it.
    /// </summary>
    public static IGrainStorageSerializer CreateStateSerializer(IServiceProvider services) => new GrainStorageSerializer(
        new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()),
        new JsonGrainStorageSerializer(services.GetRequiredService<OrleansJsonSerializer>()));

    /// <summary>
    /// What every kind of storage shares: the storage settings, the state serializer, the operation counter,
    /// and the counting wrapper around each store registered above. Another store of the grid (one that writes rows of its
    /// own) is registered here, once per <paramref name="kind"/>, and reports its round trips to the
    /// <see cref="StorageOperationCounter"/> singleton.
    /// </summary>
    private static ISiloBuilder AddGridStorageCommon(this ISiloBuilder silo, GridStorageKind kind, string? connectionString)
    {
        var services = silo.Services;
        services.TryAddSingleton(new GridStorageSettings(kind, connectionString));
        services.TryAddKeyedSingleton(StateSerializerKey, (sp, _) => CreateStateSerializer(sp));
        services.TryAddSingleton<StorageOperationCounter>();
        if (kind == GridStorageKind.AzureTable)
        {
            // Stock ledgers and order records beside the grain state (in memory by default otherwise).
            services.AddAzureTableStockLedger(connectionString!);
            services.AddAzureTableOrderRecords(connectionString!);
        }
        CountOperations(services, GridOptions.StorageName);
        CountOperations(services, PubSubStoreName);
        return silo;
    }

    /// <summary>
    /// Replaces the registration of grain storage <paramref name="name"/> (Orleans keeps it as a keyed
    /// <see cref="IGrainStorage"/> singleton) with one that builds the same provider and wraps it in
    /// <see cref="CountingGrainStorage"/>. The provider's lifecycle registration resolves the keyed
    /// service, so it gets the wrapper, which passes the lifecycle on.
    /// </summary>
    private static void CountOperations(IServiceCollection services, string name)
    {
        var index = -1;
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IGrainStorage) && services[i].IsKeyedService && Equals(services[i].ServiceKey, name))
            {
                index = i;
                break;
            }
        }
        if (index < 0)
        {
            throw new InvalidOperationException($"Grain storage '{name}' is not registered, so its operations cannot be counted.");
        }
        var registered = services[index];
        if (registered.KeyedImplementationFactory is { } factory && factory.Target is CountingFactory)
        {
            return; // already counted
        }
        Func<IServiceProvider, object?, IGrainStorage> create = registered switch
        {
            { KeyedImplementationFactory: { } f } => (sp, key) => (IGrainStorage)f(sp, key),
            { KeyedImplementationInstance: IGrainStorage instance } => (_, _) => instance,
            { KeyedImplementationType: { } type } => (sp, _) => (IGrainStorage)ActivatorUtilities.CreateInstance(sp, type),
            _ => throw new InvalidOperationException($"Grain storage '{name}' is registered in a way that cannot be wrapped."),
        };
        services[index] = new ServiceDescriptor(typeof(IGrainStorage), name, new CountingFactory(name, create).Create, ServiceLifetime.Singleton);
    }

    private sealed class CountingFactory(string name, Func<IServiceProvider, object?, IGrainStorage> create)
    {
        public object Create(IServiceProvider services, object? key) =>
            new CountingGrainStorage(name, create(services, key), services.GetRequiredService<StorageOperationCounter>());
    }
}
