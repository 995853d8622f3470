using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansOrders.Grains;

namespace OrleansOrders.Cluster.Tests;

/// <summary>The grid's registration sets Orleans options the grid depends on, from its own section.</summary>
[Trait("Category", "fast")]
public class GridOptionsTests
{
    private static ServiceProvider Build(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return new ServiceCollection().AddOrderGridGrains(configuration).BuildServiceProvider();
    }

    [Fact]
    public void The_directory_cache_is_bounded_by_the_grid_setting_not_Orleans_million()
    {
        using var defaults = Build();
        Assert.Equal(new GridOptions().DirectoryCacheSize, defaults.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value.CacheSize);
        Assert.True(new GridOptions().DirectoryCacheSize < new GrainDirectoryOptions().CacheSize);

        using var configured = Build(("Grid:DirectoryCacheSize", "5000"));
        Assert.Equal(5000, configured.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value.CacheSize);

        using var tooSmall = Build(("Grid:DirectoryCacheSize", "10"));
        var refused = Assert.Throws<OptionsValidationException>(() => tooSmall.GetRequiredService<IOptions<GridOptions>>().Value);
        Assert.Contains("DirectoryCacheSize", refused.Message);
    }
}
