using System.Globalization;
using System.CommandLine;
using OrleansOrders.Contracts;
using OrleansOrders.LoadTest.Churn;
using OrleansOrders.LoadTest.Cli;
using OrleansOrders.LoadTest.Load;

namespace OrleansOrders.LoadTest.Commands;

/// <summary>
/// <c>run</c>: drives orders against a running cluster, or with --in-process against a silo it
/// starts itself; measures the raw ceiling first and audits afterwards.
/// </summary>
public static class RunCommand
{
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromSeconds(15);

    public static Command Create(Terminal terminal)
    {
        var inProcess = new Option<bool>("--in-process")
        {
            Description = "Start a single silo in this process (localhost clustering on free ports, memory storage) and seed its network; " +
                          "otherwise drive the running cluster given by --gateway-port, --cluster-id and --service-id, seeded by the seed command.",
        };
        var scenario = new Option<string>("--scenario")
        {
            Description = "Traffic preset. " + Scenarios.Scenarios.HelpText,
            DefaultValueFactory = _ => Scenarios.Scenarios.Steady,
            HelpName = string.Join("|", Scenarios.Scenarios.Names),
        };
        var lines = new Option<int?>("--lines")
        {
            Description = "Distinct lines per order, for any scenario (default: 3 for baskets, 1 otherwise); " +
                          "routing-mix draws 2 to this many per order (default 4).",
        };
        var concurrency = new Option<int?>("--concurrency") { Description = $"Closed loop: orders in flight, each worker submitting the next when one answers (default {LoadPlan.DefaultConcurrency})." };
        var rate = new Option<double?>("--rate") { Description = "Open loop: orders started per second whatever the answers (latency counts from the scheduled start)." };
        var maxInFlight = new Option<int?>("--max-in-flight") { Description = $"Open loop only: cap on orders in flight (default {LoadPlan.DefaultMaxInFlight})." };
        var duration = CommonOptions.Duration("--duration", $"How long to measure after the warm-up, e.g. 15s, 2m (default {Durations.Format(DefaultDuration)} unless --orders).");
        var orders = new Option<long?>("--orders") { Description = "Measure this many orders (started after the warm-up) instead of a duration." };
        var warmup = CommonOptions.Duration("--warmup", "Load before measuring (JIT, activations), not counted in the figures (still audited).", TimeSpan.FromSeconds(5));
        var seed = new Option<int>("--seed") { Description = "Seed of the order streams: the same seed gives the same orders.", DefaultValueFactory = _ => 1 };
        var rawDuration = CommonOptions.Duration("--raw-duration", "How long to measure the raw ceiling (ping grain) before the load; 0 skips it.", TimeSpan.FromSeconds(3));
        var output = new Option<string?>("--out") { Description = "Directory for report.json, report.md, orders.txt and PNG charts (created; its parent must exist).", HelpName = "dir" };
        var callStats = new Option<bool>("--call-stats")
        {
            Description = "With --in-process: count every grain call during the load (per order, mean and max round trip) to see where an order's time goes. Costs a little throughput.",
        };
        var replenishEvery = CommonOptions.Duration("--replenish-every",
            "Churn: during the measured load, stock receipts arrive this often (e.g. 5s): each round receives --replenish-units at the SKU-node pairs " +
            "that ran lowest of a sample drawn from --seed (2% of the network's pairs), through the stock grain's idempotent Receive.");
        var replenishUnits = new Option<int?>("--replenish-units")
        {
            Description = $"With --replenish-every: units each receipt adds (default {ChurnPlan.DefaultReplenishUnits}).",
            HelpName = "units",
        };
        var cancelShare = new Option<double?>("--cancel-share")
        {
            Description = $"Churn: this share of accepted orders (0 to {ChurnPlan.MaxCancelShare}, default 0), picked by a hash of the order number seeded by --seed, " +
                          "is cancelled --cancel-after after acceptance, off the submit path, so the freed stock returns while the load runs.",
            HelpName = "fraction",
        };
        var cancelAfter = CommonOptions.Duration("--cancel-after", "With --cancel-share: how long after its acceptance a picked order is cancelled (at most 1m).",
            ChurnPlan.DefaultCancelAfter);
        var network = new NetworkOptions();
        var cluster = new ClusterOptions();

        var command = new Command("run", "Drive orders at the grid, measure throughput and latency against the raw ceiling of a ping grain, then audit.")
        {
            inProcess, scenario, lines, concurrency, rate, maxInFlight, duration.Option, orders, warmup.Option, seed, rawDuration.Option, output, callStats,
            replenishEvery.Option, replenishUnits, cancelShare, cancelAfter.Option,
        };
        network.AddTo(command);
        cluster.AddTo(command);

        command.SetAction((parse, cancellationToken) => CommandGuard.RunAsync(terminal, async () =>
        {
            var spec = network.Read(parse);
            var scenarioName = ReadScenario(parse.GetValue(scenario));
            var settings = new RunSettings
            {
                InProcess = parse.GetValue(inProcess),
                Cluster = cluster.Read(parse),
                Scenario = scenarioName,
                Lines = parse.GetValue(lines) is { } n
                    ? CommonOptions.InRange(n, "--lines", Scenarios.Scenarios.MinLines(scenarioName), Math.Min(OrderRequest.MaxLines, spec.Skus))
                    : null,
                Plan = ReadPlan(parse.GetValue(concurrency), parse.GetValue(rate), parse.GetValue(maxInFlight),
                    duration.Read(parse), parse.GetValue(orders), warmup.Read(parse) ?? TimeSpan.Zero),
                Seed = parse.GetValue(seed),
                Network = spec,
                RawDuration = rawDuration.Read(parse) ?? TimeSpan.Zero,
                OutDirectory = ReadOutDirectory(parse.GetValue(output)),
                CallStats = parse.GetValue(callStats),
                Churn = ReadChurn(replenishEvery.Read(parse), parse.GetValue(replenishUnits), parse.GetValue(cancelShare),
                    parse.Given(cancelAfter.Option) ? cancelAfter.Read(parse) : null),
            };
            if (settings.CallStats && !settings.InProcess)
            {
                throw new UsageException("--call-stats counts calls inside the in-process silo: use it with --in-process.");
            }
            if (settings.InProcess && cluster.AnyGiven(parse))
            {
                throw new UsageException("--gateway-port, --cluster-id and --service-id name a running cluster; they do not go with --in-process.");
            }
            var (exitCode, _) = await RunPipeline.ExecuteAsync(settings, terminal, cancellationToken);
            return exitCode;
        }, cancellationToken));
        return command;
    }

    public static string ReadScenario(string? name) =>
        name is not null && Scenarios.Scenarios.Names.Contains(name)
            ? name
            : throw new UsageException($"unknown scenario '{name}': use one of {string.Join(", ", Scenarios.Scenarios.Names)}.");

    public static LoadPlan ReadPlan(int? concurrency, double? rate, int? maxInFlight, TimeSpan? duration, long? orders, TimeSpan warmup)
    {
        if (concurrency is not null && rate is not null)
        {
            throw new UsageException("give --concurrency (closed loop) or --rate (open loop), not both.");
        }
        if (concurrency is { } c)
        {
            CommonOptions.InRange(c, "--concurrency", 1, 10_000);
        }
        if (rate is { } r && (!double.IsFinite(r) || r <= 0 || r > 1_000_000))
        {
            throw new UsageException($"--rate must be more than 0 and at most 1000000 orders/s, not {r}.");
        }
        if (maxInFlight is { } m)
        {
            if (rate is null)
            {
                throw new UsageException("--max-in-flight applies to an open loop (--rate); with --concurrency the workers are the cap.");
            }
            CommonOptions.InRange(m, "--max-in-flight", 1, 1_000_000);
        }
        if (duration is not null && orders is not null)
        {
            throw new UsageException("give --duration or --orders, not both.");
        }
        if (duration is { } d && d <= TimeSpan.Zero)
        {
            throw new UsageException("--duration must be more than 0s.");
        }
        if (orders is <= 0)
        {
            throw new UsageException($"--orders must be at least 1, not {orders}.");
        }
        return new LoadPlan
        {
            Concurrency = rate is null ? concurrency ?? LoadPlan.DefaultConcurrency : null,
            Rate = rate,
            MaxInFlight = maxInFlight ?? LoadPlan.DefaultMaxInFlight,
            Duration = orders is null ? duration ?? DefaultDuration : null,
            Orders = orders,
            Warmup = warmup,
        };
    }

    /// <summary>The churn options, checked: each value in its range, and no companion option without the one it goes with.</summary>
    public static ChurnPlan ReadChurn(TimeSpan? replenishEvery, int? replenishUnits, double? cancelShare, TimeSpan? cancelAfter)
    {
        if (replenishEvery is { } every && every <= TimeSpan.Zero)
        {
            throw new UsageException("--replenish-every must be more than 0s.");
        }
        if (replenishUnits is { } units)
        {
            if (replenishEvery is null)
            {
                throw new UsageException("--replenish-units goes with --replenish-every.");
            }
            CommonOptions.InRange(units, "--replenish-units", 1, ChurnPlan.MaxReplenishUnits);
        }
        if (cancelShare is { } share && (!double.IsFinite(share) || share < 0 || share > ChurnPlan.MaxCancelShare))
        {
            throw new UsageException($"--cancel-share must be between 0 and {ChurnPlan.MaxCancelShare.ToString(CultureInfo.InvariantCulture)}, not {share.ToString(CultureInfo.InvariantCulture)}.");
        }
        if (cancelAfter is { } after)
        {
            if (cancelShare is not > 0)
            {
                throw new UsageException("--cancel-after goes with a --cancel-share above 0.");
            }
            if (after > ChurnPlan.MaxCancelAfter)
            {
                throw new UsageException($"--cancel-after must be at most {Durations.Format(ChurnPlan.MaxCancelAfter)}, not {Durations.Format(after)}.");
            }
        }
        return new ChurnPlan
        {
            ReplenishEvery = replenishEvery,
            ReplenishUnits = replenishUnits ?? ChurnPlan.DefaultReplenishUnits,
            CancelShare = cancelShare ?? 0,
            CancelAfter = cancelAfter ?? ChurnPlan.DefaultCancelAfter,
        };
    }

    /// <summary>The full path of --out: it may exist as a directory; otherwise its parent must exist.</summary>
    public static string? ReadOutDirectory(string? path)
    {
        if (path is null)
        {
            return null;
        }
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new UsageException("--out needs a directory.");
        }
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new UsageException($"--out: '{path}' is not a valid path.");
        }
        if (File.Exists(full))
        {
            throw new UsageException($"--out: '{path}' is a file, not a directory.");
        }
        var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(full));
        if (!Directory.Exists(full) && (parent is null || !Directory.Exists(parent)))
        {
            throw new UsageException($"--out: the parent directory '{parent}' does not exist.");
        }
        return full;
    }
}
