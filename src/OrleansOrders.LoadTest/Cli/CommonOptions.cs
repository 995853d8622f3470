using System.CommandLine;
using System.CommandLine.Parsing;
using OrleansOrders.LoadTest.Hosting;
using OrleansOrders.LoadTest.Network;

namespace OrleansOrders.LoadTest.Cli;

/// <summary>Options several commands share, and typed readers that check them.</summary>
public static class CommonOptions
{
    /// <summary>A duration option (15s, 2m, 1m30s, 500ms, 00:02:00); bad text is a parse error.</summary>
    public static DurationOption Duration(string name, string description, TimeSpan? defaultValue = null) => new(new Option<TimeSpan?>(name)
    {
        // The default is applied by DurationOption.Read, so the help shows it in friendly form.
        Description = defaultValue is { } value ? $"{description} [default: {Durations.Format(value)}]" : description,
        HelpName = "duration",
        CustomParser = ParseDuration,
    }, defaultValue);

    private static TimeSpan? ParseDuration(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (Durations.TryParse(text, out var duration, out var error))
        {
            return duration;
        }
        var name = result.Parent is OptionResult option ? option.Option.Name : "duration";
        result.AddError($"{name}: {error}");
        return null;
    }

    /// <summary>True when the user wrote the option (not just its default).</summary>
    public static bool Given(this ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    public static int InRange(int value, string name, int min, int max) =>
        value >= min && value <= max ? value : throw new UsageException($"{name} must be between {min} and {max}, not {value}.");
}

/// <summary>A duration option and its default.</summary>
public sealed class DurationOption(Option<TimeSpan?> option, TimeSpan? defaultValue)
{
    public Option<TimeSpan?> Option { get; } = option;

    public TimeSpan? Read(ParseResult parse) => parse.GetValue(Option) ?? defaultValue;
}

/// <summary>--network-seed, --nodes, --skus: which synthetic network (the same values give the same network).</summary>
public sealed class NetworkOptions
{
    public NetworkOptions(string seedName = "--network-seed", params string[] seedAliases)
    {
        Seed = new Option<int>(seedName, seedAliases)
        {
            Description = "Seed of the synthetic network: the same seed, --nodes and --skus give the same nodes, SKUs and stock.",
            DefaultValueFactory = _ => NetworkSpec.DefaultSeed,
        };
        Nodes = new Option<int>("--nodes")
        {
            Description = "Fulfilment nodes: a quarter distribution centres, about 15% drop-ship suppliers, the rest stores.",
            DefaultValueFactory = _ => NetworkSpec.DefaultNodes,
        };
        Skus = new Option<int>("--skus")
        {
            Description = "SKUs in the range (LT-00001 is the most popular).",
            DefaultValueFactory = _ => NetworkSpec.DefaultSkus,
        };
    }

    public Option<int> Seed { get; }

    public Option<int> Nodes { get; }

    public Option<int> Skus { get; }

    public void AddTo(Command command)
    {
        command.Add(Seed);
        command.Add(Nodes);
        command.Add(Skus);
    }

    public NetworkSpec Read(ParseResult parse)
    {
        var spec = new NetworkSpec(parse.GetValue(Seed), parse.GetValue(Nodes), parse.GetValue(Skus));
        if (spec.Validate().FirstOrDefault() is { } problem)
        {
            throw new UsageException(problem);
        }
        return spec;
    }
}

/// <summary>--gateway-port, --cluster-id, --service-id: where the running cluster is.</summary>
public sealed class ClusterOptions
{
    public Option<int> GatewayPort { get; } = new("--gateway-port")
    {
        Description = "Gateway port of the running cluster on localhost.",
        DefaultValueFactory = _ => new ClusterAddress().GatewayPort,
    };

    public Option<string> ClusterId { get; } = new("--cluster-id")
    {
        Description = "Cluster id of the running cluster.",
        DefaultValueFactory = _ => new ClusterAddress().ClusterId,
    };

    public Option<string> ServiceId { get; } = new("--service-id")
    {
        Description = "Service id of the running cluster.",
        DefaultValueFactory = _ => new ClusterAddress().ServiceId,
    };

    public void AddTo(Command command)
    {
        command.Add(GatewayPort);
        command.Add(ClusterId);
        command.Add(ServiceId);
    }

    public bool AnyGiven(ParseResult parse) => parse.Given(GatewayPort) || parse.Given(ClusterId) || parse.Given(ServiceId);

    public ClusterAddress Read(ParseResult parse)
    {
        var port = CommonOptions.InRange(parse.GetValue(GatewayPort), "--gateway-port", 1, 65535);
        var clusterId = parse.GetValue(ClusterId);
        var serviceId = parse.GetValue(ServiceId);
        if (string.IsNullOrWhiteSpace(clusterId) || string.IsNullOrWhiteSpace(serviceId))
        {
            throw new UsageException("--cluster-id and --service-id must not be empty.");
        }
        return new ClusterAddress(port, clusterId, serviceId);
    }
}
