using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansOrders.Contracts;
using OrleansOrders.Gateway.Tests.Support;
using OrleansOrders.Grains;
using OrleansOrders.Grains.Orders.Records;

namespace OrleansOrders.Gateway.Tests;

/// <summary>Defect 8: a body the API cannot read is a 4xx problem that changes nothing (a utf-7 charset answered 500).</summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class UnreadableBodyTests(GridFixture grid)
{
    [Theory]
    [InlineData("application/json; charset=utf-7")]
    [InlineData("application/json; charset=UTF-7")]
    [InlineData("application/json; charset=\"utf-7\"")]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData("application/json; charset=no-such-charset")]
    [InlineData("application/json; charset=")]
    [InlineData("application/json; ===")]
    public async Task An_unsupported_charset_is_a_415_problem_and_changes_nothing(string contentType)
    {
        var orderId = "enc-" + Guid.NewGuid().ToString("N")[..10];
        var http = grid.Gateway.Client(Keys.Storefront);
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(HttpAssert.OrderJson(orderId)));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        var response = await http.PostAsync("/orders", content);

        await HttpAssert.Problem(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Null(await grid.Silo.Grains.GetGrain<IOrderGrain>(orderId).Get());
    }

    [Fact]
    public async Task Bytes_that_are_not_the_declared_utf8_are_a_400_problem_and_change_nothing()
    {
        var orderId = "enc-" + Guid.NewGuid().ToString("N")[..10];
        var http = grid.Gateway.Client(Keys.Storefront);
        var json = HttpAssert.OrderJson(orderId);
        foreach (var body in new[] { Encoding.Unicode.GetBytes(json), [.. Encoding.UTF8.GetBytes(json[..20]), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes(json[20..])] })
        {
            var content = new ByteArrayContent(body);
            content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=utf-8");
            await HttpAssert.Problem(await http.PostAsync("/orders", content), HttpStatusCode.BadRequest);
        }
        Assert.Null(await grid.Silo.Grains.GetGrain<IOrderGrain>(orderId).Get());
    }

    [Fact]
    public async Task Utf8_declared_in_any_spelling_is_read()
    {
        var http = grid.Gateway.Client(Keys.Storefront);
        foreach (var contentType in new[] { "application/json", "application/json; charset=utf-8", "application/json; charset=\"UTF-8\"" })
        {
            var orderId = "enc-ok-" + Guid.NewGuid().ToString("N")[..10];
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(HttpAssert.OrderJson(orderId)));
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            var response = await http.PostAsync("/orders", content);
            Assert.True(response.StatusCode is HttpStatusCode.Created, $"{contentType}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}

/// <summary>
/// Defect 8: while the grid's storage is down, HTTP answers 503 problem details with Retry-After (it
/// answered 500), and the same request succeeds once storage is back. The silo's grain storage is
/// wrapped so the test can take it down; nothing else about the host changes.
/// </summary>
[Trait("Category", "cluster")]
public sealed class StorageOutageTests : IAsyncLifetime
{
    private readonly SwitchableStorage.Switch _storageDown = new();
    private SiloHost _silo = null!;

    public Task InitializeAsync()
    {
        _silo = new SiloHost(services: services =>
        {
            SwitchableStorage.Wrap(services, GridOptions.StorageName, _storageDown);
            SwitchableOrderRecords.Wrap(services, _storageDown);
        });
        _ = _silo.Services;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task While_storage_is_down_a_submit_is_a_503_with_retry_after_and_succeeds_when_it_is_back()
    {
        var http = _silo.CreateClient();
        http.DefaultRequestHeaders.Add("X-Api-Key", Keys.Storefront);

        _storageDown.Down = true;
        var response = await http.PostAsync("/orders", HttpAssert.Json(HttpAssert.OrderJson("outage-1")));
        var problem = await HttpAssert.Problem(response, HttpStatusCode.ServiceUnavailable);
        Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: > 0 }, "a 503 says when to retry");
        Assert.Contains("retry", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.True(_storageDown.Refused > 0, "the request reached the storage");

        _storageDown.Down = false;
        var retried = await http.PostAsync("/orders", HttpAssert.Json(HttpAssert.OrderJson("outage-1")));
        Assert.True(retried.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)retried.StatusCode} {await retried.Content.ReadAsStringAsync()}");
    }
}

/// <summary>A grain storage that fails every read and write while its switch is down, as a storage outage does.</summary>
internal sealed class SwitchableStorage(IGrainStorage inner, SwitchableStorage.Switch down) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public sealed class Switch
    {
        public volatile bool Down;
        public int Refused;
    }

    /// <summary>Replaces the named storage's registration with this wrapper around it.</summary>
    public static void Wrap(IServiceCollection services, string name, Switch down)
    {
        var original = services.Last(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService && Equals(d.ServiceKey, name));
        services.Remove(original);
        services.AddKeyedSingleton<IGrainStorage>(name, (sp, key) => new SwitchableStorage(
            (IGrainStorage)(original.KeyedImplementationInstance
                ?? original.KeyedImplementationFactory?.Invoke(sp, key)
                ?? ActivatorUtilities.CreateInstance(sp, original.KeyedImplementationType!)), down));
    }

    private void ThrowIfDown(string operation)
    {
        if (down.Down)
        {
            Interlocked.Increment(ref down.Refused);
            throw new IOException($"Storage is down ({operation}).");
        }
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ThrowIfDown("read");
        return inner.ReadStateAsync(stateName, grainId, grainState);
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ThrowIfDown("write");
        return inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ThrowIfDown("clear");
        return inner.ClearStateAsync(stateName, grainId, grainState);
    }

    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
}

/// <summary>The order-record store, failing every call while the switch is down (the same outage as the grain storage's).</summary>
internal sealed class SwitchableOrderRecords(IOrderRecordStore inner, SwitchableStorage.Switch down) : IOrderRecordStore
{
    public static void Wrap(IServiceCollection services, SwitchableStorage.Switch down)
    {
        var original = services.Last(d => d.ServiceType == typeof(IOrderRecordStore));
        services.Remove(original);
        services.AddSingleton<IOrderRecordStore>(sp => new SwitchableOrderRecords(
            (IOrderRecordStore)(original.ImplementationInstance
                ?? original.ImplementationFactory?.Invoke(sp)
                ?? ActivatorUtilities.CreateInstance(sp, original.ImplementationType!)), down));
    }

    private Task<T> Unless<T>(string operation, Func<Task<T>> call)
    {
        if (down.Down)
        {
            Interlocked.Increment(ref down.Refused);
            throw new IOException($"Storage is down ({operation}).");
        }
        return call();
    }

    public Task<StoredOrderRecord?> ReadAsync(string orderId, CancellationToken cancellationToken = default) =>
        Unless("read", () => inner.ReadAsync(orderId, cancellationToken));

    public Task<OrderRecordVersion> WriteAsync(string orderId, byte[] data, string? etag, TrackEntry? track, CancellationToken cancellationToken = default) =>
        Unless("write", () => inner.WriteAsync(orderId, data, etag, track, cancellationToken));

    public Task<string> TrackAsync(string orderId, TrackEntry track, CancellationToken cancellationToken = default) =>
        Unless("track", () => inner.TrackAsync(orderId, track, cancellationToken));

    public Task UntrackAsync(IReadOnlyList<TrackedOrder> entries, CancellationToken cancellationToken = default) =>
        Unless("untrack", async () =>
        {
            await inner.UntrackAsync(entries, cancellationToken);
            return true;
        });

    public Task<IReadOnlyList<TrackedOrder>> TrackedAsync(int partition, CancellationToken cancellationToken = default) =>
        Unless("list", () => inner.TrackedAsync(partition, cancellationToken));
}
