using OrleansOrders.Contracts;
using OrleansOrders.LoadTest.Network;

namespace OrleansOrders.LoadTest.Scenarios;

/// <summary>The routing choice a <see cref="RoutingMixScenario"/> order makes (one per order).</summary>
public enum RoutingChoice
{
    /// <summary>No choices of its own: the channel's defaults.</summary>
    ChannelDefaults,
    /// <summary>Goal <see cref="RoutingGoal.Fastest"/>.</summary>
    Fastest,
    /// <summary>The whole order in one parcel, or it waits.</summary>
    ShipComplete,
    /// <summary>At most 1 or 2 parcels.</summary>
    ParcelLimit,
    /// <summary>Two of its lines form a kit: they ship together from one node.</summary>
    Kit,
}

/// <summary>
/// Multi-line orders (2 to <see cref="OrderScenario.LinesPerOrder"/> distinct lines, 4 by default)
/// of Zipf-popular SKUs, like baskets, each making one routing choice of its own in equal shares
/// (see <see cref="RoutingChoice"/>), so a run exercises the router's rules under load. The SKUs
/// and quantities are drawn as for baskets: distribution centres carry most of the range deep
/// enough that nearly every order, ship-complete ones included, is allocated in full.
/// </summary>
public sealed class RoutingMixScenario : OrderScenario
{
    public const int DefaultLines = 4;
    public const int MinLines = 2;
    public const string KitId = "kit-1";

    public RoutingMixScenario(SyntheticNetwork network, int seed, int maxLinesPerOrder = DefaultLines)
        : base(network, seed, maxLinesPerOrder)
    {
        if (maxLinesPerOrder < MinLines)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLinesPerOrder),
                $"{Scenarios.RoutingMix} orders have at least {MinLines} lines (a kit is two of them).");
        }
    }

    public override string Name => Scenarios.RoutingMix;

    public override int MinLinesPerOrder => MinLines;

    public static IReadOnlyList<RoutingChoice> Choices { get; } = Enum.GetValues<RoutingChoice>();

    /// <summary>Which choice an order of this scenario made, read back from the order itself.</summary>
    public static RoutingChoice ChoiceOf(OrderRequest order) => order switch
    {
        { Routing.Goal: RoutingGoal.Fastest } => RoutingChoice.Fastest,
        { Routing.ShipComplete: true } => RoutingChoice.ShipComplete,
        { Routing.MaxShipments: not null } => RoutingChoice.ParcelLimit,
        _ when order.Lines.Any(l => l.KitId is not null) => RoutingChoice.Kit,
        _ => RoutingChoice.ChannelDefaults,
    };

    protected override OrderRequest Draw(Random random, string orderId)
    {
        var shipTo = ShipTo(random);
        var lines = Lines(random, random.Next(MinLines, LinesPerOrder + 1), DrawSku);
        var order = new OrderRequest(orderId, CustomerId(random), Channel(random), shipTo, lines);
        return Choices[random.Next(Choices.Count)] switch
        {
            RoutingChoice.Fastest => order with { Routing = new RoutingPreferences(Goal: RoutingGoal.Fastest) },
            RoutingChoice.ShipComplete => order with { Routing = new RoutingPreferences(ShipComplete: true) },
            RoutingChoice.ParcelLimit => order with { Routing = new RoutingPreferences(MaxShipments: random.Next(1, 3)) },
            // The kit is the first two lines: their SKUs are random draws already.
            RoutingChoice.Kit => order with { Lines = lines.Select((l, i) => i < 2 ? l with { KitId = KitId } : l).ToList() },
            _ => order,
        };
    }

    protected override string DrawSku(Random random, IReadOnlySet<string> alreadyOnOrder) => PopularSku(random);
}
