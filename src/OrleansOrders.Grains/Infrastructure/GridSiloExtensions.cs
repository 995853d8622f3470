using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OrleansOrders.Grains;

public static class GridSiloExtensions
{
    /// <summary>
    /// Registers what the grid's grains need: options from the "Grid" section and the business clock.
    /// The host chooses clustering and the "grid" storage provider.
    /// </summary>
    public static IServiceCollection AddOrderGridGrains(this IServiceCollection services, IConfiguration? configuration = null)
    {
        var options = services.AddOptions<GridOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration.GetSection(GridOptions.SectionName));
        }
        options.Validate(o => o.HoldTtl > TimeSpan.Zero && o.BidDeadline > TimeSpan.Zero && o.MaxRoutingRounds >= 1
                              && o.MaxBidCandidates >= 1 && o.MaxCallAttempts >= 1,
            "Grid options: durations must be positive and counts at least 1.");
        options.Validate(o => o.Routing.Validate().Count == 0, "Grid:Routing is invalid (see RoutingSettings.Validate).");
        services.TryAddSingleton(GridClock.System);
        services.TryAddSingleton<Webhooks.WebhookSender>();
        return services;
    }
}
