using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OrleansOrders.Contracts;
using OrleansOrders.Gateway.Tests.Support;
using Xunit.Abstractions;

namespace OrleansOrders.Gateway.Tests;

/// <summary>
/// Thousands of malformed and hostile requests to the standalone gateway: broken JSON, wrong types,
/// negative and huge quantities, overlong and odd Unicode ids, duplicate lines, unknown SKUs and
/// nodes, wrong roles, missing and bad keys, wrong media types, oversized and deeply nested bodies.
/// Every request is refusable by construction (it carries at least one defect). Asserts: no 5xx,
/// a problem-details body on every refusal, and afterwards no change to any order, stock level,
/// node or webhook subscription.
/// </summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class FuzzTests(GridFixture grid, ITestOutputHelper output)
{
    public const int RequestCount = 4000;
    private const int Seed = 20261127;

    private static readonly string[] Nodes = ["dc-newark", "dc-reno", "store-boston", "store-miami", "ds-memphis"];
    private static readonly string[] Skus = ["SKU-0001", "SKU-0002", "SKU-0150", "SKU-0200"];
    private static readonly string[] UnknownSkus = ["SKU-9999", "SKU-0000", "sku-0001", "NO-SUCH-SKU", "SKU-0001x"];
    private static readonly string[] UnknownNodes = ["dc-nowhere", "store-atlantis", "DC-NEWARK", "node-0"];
    private static readonly string[] BadKeys = ["not-a-key-at-all-000", "DEV-STOREFRONT-KEY", "dev-storefront-keyX", "x", new string('k', 600)];

    /// <summary>Strings that are never valid ids: overlong, odd Unicode, separators, control characters, injections.</summary>
    private static readonly string[] OddIds = new[]
    {
        "", " ", "a b", "../../etc/passwd", "..", ".", "-leading-dash", "_x", "x/y", "x\\y", "x%2Fy", "x?y=1", "x#frag",
        new string('a', 65), new string('b', 1000), new string('c', 3000),
        "\u202Eevil", "zero\u200Bwidth", "e\u0301", "😀", "emoji😀id", "\u0000", "nul\u0000byte", "Ａ", "АБВ", "x\r\ny", "x\ty",
        "<script>alert(1)</script>", "'; DROP TABLE orders;--", "%00", "\uFEFFbom", "\u2028", "ÿ", "日本語", "ﷺ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        "\uD800", "lone\uDC00low", "SKU-0001\u0000", "dc-newark\n", " dc-newark",
    }.Where(id => !Identifiers.IsValid(id)).ToArray();

    [Fact]
    public async Task Thousands_of_hostile_requests_get_no_5xx_a_problem_on_every_refusal_and_change_nothing()
    {
        var grains = grid.Silo.Grains;
        var operatorHttp = grid.Gateway.Client(Keys.Operator);
        var storefrontHttp = grid.Gateway.Client(Keys.Storefront);

        // A real order the fuzz aims at (cancel, lifecycle) with wrong roles and bad bodies only.
        var created = await storefrontHttp.PostAsync("/orders", HttpAssert.Json(HttpAssert.OrderJson("fz-base")));
        Assert.True(created.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await created.Content.ReadAsStringAsync());

        var before = await Snapshot(grains, operatorHttp);
        var random = new Random(Seed);
        var orderIds = new ConcurrentBag<string>();
        var requests = Enumerable.Range(0, RequestCount).Select(i => Generate(random, i, orderIds)).ToList();

        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var accepted = new ConcurrentQueue<string>();
        var protocolRejects = 0;
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, MaxConnectionsPerServer = 16 })
        {
            BaseAddress = grid.Gateway.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (request, ct) =>
        {
            using var message = request.ToMessage();
            using var response = await http.SendAsync(message, ct);
            var status = (int)response.StatusCode;
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (status < 400)
            {
                accepted.Enqueue($"{status} [{request.Kind}] {Clip(body)}");
            }
            if (status >= 500)
            {
                failures.Enqueue($"{status} for {request}: {Clip(body)}");
            }
            else if (request.Path.Contains("%00", StringComparison.Ordinal))
            {
                // A NUL in the request target is not valid HTTP: Kestrel refuses it (bare 400)
                // before any middleware runs, so no problem body can be written. Counted apart.
                if (status != 400)
                {
                    failures.Enqueue($"{status} (expected Kestrel's 400) for {request}");
                }
                Interlocked.Increment(ref protocolRejects);
            }
            else if (status >= 400 && ProblemError(response, body, status) is { } problem)
            {
                failures.Enqueue($"{status} without problem details ({problem}) for {request}: {Clip(body)}");
            }
        });

        output.WriteLine($"{protocolRejects} requests with a NUL in the path were refused by Kestrel itself (bare 400).");
        output.WriteLine($"Sent {requests.Count} hostile requests (seed {Seed}); statuses: " +
                         string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} x{s.Value}")));
        foreach (var line in accepted)
        {
            output.WriteLine("not refused: " + line);
        }
        Assert.Empty(accepted);
        Assert.True(failures.IsEmpty, $"{failures.Count} bad answers, first ones:\n" + string.Join("\n", failures.Take(15)));
        Assert.True(statuses.Keys.Count(s => s >= 400) >= 6, "the fuzz should draw many kinds of refusal"); // 400, 401, 403, 404, 405, 413, 415...

        var after = await Snapshot(grains, operatorHttp);
        Assert.Equal(before.Orders, after.Orders);
        Assert.Equal(before.Nodes, after.Nodes);
        Assert.Equal(before.Webhooks, after.Webhooks);
        Assert.Equal(before.Stock.Count, after.Stock.Count);
        foreach (var (key, snapshot) in before.Stock)
        {
            Assert.Equal(snapshot, after.Stock[key]);
        }
        var stray = await Task.WhenAll(orderIds.Concat(NeverIds).Distinct().Select(async id => (Id: id, View: await grains.GetGrain<IOrderGrain>(id).Get())));
        Assert.Empty(stray.Where(s => s.View is not null).Select(s => s.Id));
        output.WriteLine($"Unchanged afterwards: {before.Stock.Count} stock levels, {Nodes.Length}+ nodes, the base order, and {orderIds.Distinct().Count()} fuzzed order ids never exist.");
    }

    private static string? ProblemError(HttpResponseMessage response, string body, int status)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return "content type " + response.Content.Headers.ContentType;
        }
        try
        {
            var json = JsonDocument.Parse(body).RootElement;
            if (!json.TryGetProperty("status", out var s) || s.GetInt32() != status)
            {
                return "status field";
            }
            return json.TryGetProperty("title", out var t) && !string.IsNullOrEmpty(t.GetString()) ? null : "title field";
        }
        catch (JsonException)
        {
            return "not JSON";
        }
    }

    private static string Clip(string text) => text.Length <= 300 ? text : text[..300] + "...";

    // ---- state before and after -------------------------------------------------------------

    private sealed record State(Dictionary<string, string> Stock, string Nodes, string Orders, string Webhooks);

    private static async Task<State> Snapshot(IGrainFactory grains, HttpClient operatorHttp)
    {
        var ids = (await grains.GetGrain<INetworkDirectoryGrain>(0).ListNodeIds()).Concat(UnknownNodes).ToList();
        var stock = new Dictionary<string, string>(StringComparer.Ordinal);
        var nodes = new List<string>();
        foreach (var id in ids)
        {
            var node = grains.GetGrain<IFulfilmentNodeGrain>(id);
            var view = await node.Get();
            var skus = await node.ListSkus();
            nodes.Add(JsonSerializer.Serialize(new { id, view, skus }));
            var snapshots = await Task.WhenAll(skus.Concat(Skus).Concat(UnknownSkus).Distinct()
                .Select(sku => grains.GetGrain<IStockGrain>(Identifiers.StockKey(id, sku)).GetSnapshot()));
            foreach (var s in snapshots)
            {
                stock[$"{s.NodeId}/{s.Sku}"] = JsonSerializer.Serialize(s);
            }
        }
        var order = JsonSerializer.Serialize(await grains.GetGrain<IOrderGrain>("fz-base").Get());
        var webhooks = await operatorHttp.GetStringAsync("/webhooks");
        return new State(stock, string.Join("\n", nodes), order, webhooks);
    }

    // ---- the generator -------------------------------------------------------------------------

    private sealed record Fuzz(string Kind, HttpMethod Method, string Path, string[] ApiKeys, byte[]? Body, string? ContentType)
    {
        public (string Name, string Value)[] Headers { get; init; } = [];

        public HttpRequestMessage ToMessage()
        {
            var message = new HttpRequestMessage(Method, Path);
            foreach (var key in ApiKeys)
            {
                message.Headers.TryAddWithoutValidation("X-Api-Key", key);
            }
            foreach (var (name, value) in Headers)
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
            if (Body is not null)
            {
                message.Content = new ByteArrayContent(Body);
                if (ContentType is not null)
                {
                    message.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
                }
            }
            return message;
        }

        public override string ToString()
        {
            var body = Body is null ? "" : Encoding.UTF8.GetString(Body, 0, Math.Min(Body.Length, 160));
            return $"[{Kind}] {Method} {(Path.Length > 120 ? Path[..120] + "..." : Path)} keys={ApiKeys.Length} {ContentType} {body}";
        }
    }

    private static readonly string[] S = [Keys.Storefront];
    private static readonly string[] O = [Keys.Operator];

    private static Fuzz Generate(Random r, int i, ConcurrentBag<string> orderIds)
    {
        var orderId = $"fz-{i}";
        orderIds.Add(orderId);
        return (i % 24) switch
        {
            0 => Order("broken-json", S, Truncate(r, ValidOrder(orderId))),
            1 => Order("garbage-body", S, Garbage(r)),
            2 => Order("wrong-type", S, WrongType(r, orderId)),
            3 => Order("bad-quantity", S, OrderWith(orderId, lines: $$"""[{"sku":"{{Pick(r, Skus)}}","quantity":{{Pick(r, BadQuantities)}}}]""")),
            4 => Order("odd-id", S, OddIdOrder(r, orderId)),
            5 => Order("duplicate-lines", S, OrderWith(orderId, lines: DuplicateLines(r))),
            6 => Order("unknown-sku", S, OrderWith(orderId, lines: $$"""[{"sku":"{{Pick(r, Skus)}}","quantity":1},{"sku":"{{Pick(r, UnknownSkus)}}","quantity":1}]""")),
            7 => Order("bad-ship-to", S, OrderWith(orderId, shipTo: Pick(r, BadShipTo))),
            8 => Order("line-count", S, OrderWith(orderId, lines: r.Next(2) == 0 ? "[]" : "[" + string.Join(",", Enumerable.Range(1, 101).Select(n => $$"""{"sku":"SKU-{{n:0000}}","quantity":1}""")) + "]")),
            9 => WrongRoleOrNoKey(r, orderId),
            10 => Order("unknown-pickup-store", S, OrderWith(orderId, extra: $$""","pickupNodeId":"{{Pick(r, UnknownNodes)}}" """)),
            // The variant comes from i, not r, so each variant draws once from r and the rest of the
            // sequence (the other kinds' requests) stays what it was before these were added.
            11 => (i / 24 % 3) switch
            {
                0 => Order("media-type", S, Bytes(ValidOrder(orderId)), Pick(r, BadMediaTypes)),
                1 => Order("charset", S, Bytes(ValidOrder(orderId)), Pick(r, BadCharsets)),
                _ => Order("bad-encoding", S, BadlyEncoded(r, orderId), "application/json; charset=utf-8"),
            },
            12 => Order("oversized", S, Bytes(OrderWith(orderId, extra: $$""","padding":"{{new string('p', 1_100_000)}}" """))),
            13 => Order("deep-nesting", S, Bytes(new string('[', 5000) + new string(']', 5000))),
            14 => OrderPathAttack(r),
            15 => Availability(r),
            16 => NodePatch(r),
            17 => StockPut(r),
            18 => NodeReads(r),
            19 => Lifecycle(r),
            20 => StockFeedOrWebhook(r),
            21 => OpsApi(r),
            22 => UnknownRouteOrMethod(r),
            _ => Order("bad-unit-price", S, OrderWith(orderId, lines: $$"""[{"sku":"SKU-0001","quantity":1,"unitPrice":{{Pick(r, BadPrices)}}}]""")),
        };
    }

    private static readonly string[] BadQuantities = ["0", "-1", "-10000", "10001", "2147483647", "2147483648", "-2147483649", "99999999999999999999", "2.5", "1e10", "\"1\"", "\"two\"", "true", "null", "[]", "{}", "-0"];
    private static readonly string[] BadPrices = ["-1", "-0.01", "1000000.01", "1e30", "\"5\"", "true", "[]"];
    private static readonly string[] BadShipTo = [
        """{"latitude":91,"longitude":0}""", """{"latitude":-90.5,"longitude":0}""", """{"latitude":0,"longitude":180.01}""",
        """{"latitude":"NaN","longitude":0}""", """{"latitude":"40","longitude":"-74"}""", """{"latitude":null,"longitude":null}""",
        """{}""", "null", "[]", "\"here\"", """{"latitude":1e400,"longitude":0}""", """{"latitude":true,"longitude":0}"""];
    private static readonly string[] BadMediaTypes = ["text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx"];

    /// <summary>A valid order's JSON declared in a charset the API does not read (utf-7 once answered 500).</summary>
    private static readonly string[] BadCharsets = [
        "application/json; charset=utf-7", "application/json; charset=UTF-7", "application/json; charset=utf-16", "application/json; charset=utf-32",
        "application/json; charset=iso-8859-1", "application/json; charset=latin1", "application/json; charset=\"utf-7\"", "application/json; charset=windows-1252",
        "application/json; charset=no-such-charset", "application/json; charset=ebcdic-cp-us", "application/json; charset=", "application/json; charset=utf-8x"];

    /// <summary>A valid order's JSON whose bytes are not UTF-8 although the header says so.</summary>
    private static byte[] BadlyEncoded(Random r, string orderId)
    {
        var json = ValidOrder(orderId);
        return r.Next(3) switch
        {
            0 => Encoding.Unicode.GetBytes(json),
            1 => Encoding.UTF32.GetBytes(json),
            // An invalid UTF-8 sequence inside a string value.
            _ => [.. Bytes(json[..json.IndexOf("cust-fz", StringComparison.Ordinal)]), 0xC3, 0x28, 0xFF, .. Bytes(json[json.IndexOf("cust-fz", StringComparison.Ordinal)..])],
        };
    }

    private static string ValidOrder(string orderId) => OrderWith(orderId);

    private static string OrderWith(string orderId, string? lines = null, string? shipTo = null, string extra = "") =>
        $$"""{"orderId":"{{orderId}}","customerId":"cust-fz","channel":"web","shipTo":{{shipTo ?? """{"latitude":40.7128,"longitude":-74.0060}"""}},"lines":{{lines ?? """[{"sku":"SKU-0001","quantity":1}]"""}}{{extra}}}""";

    private static string DuplicateLines(Random r)
    {
        var sku = Pick(r, Skus);
        return $$"""[{"sku":"{{sku}}","quantity":1},{"sku":"SKU-0150","quantity":1},{"sku":"{{sku}}","quantity":{{r.Next(1, 5)}}}]""";
    }

    private static byte[] WrongType(Random r, string orderId)
    {
        var json = r.Next(9) switch
        {
            0 => $$"""{"orderId":{{r.Next()}},"customerId":"c","channel":"web","shipTo":{"latitude":1,"longitude":1},"lines":[{"sku":"SKU-0001","quantity":1}]}""",
            1 => OrderWith(orderId, lines: "{}"),
            2 => OrderWith(orderId, lines: "\"SKU-0001\""),
            3 => OrderWith(orderId, lines: "[1,2,3]"),
            4 => OrderWith(orderId, lines: "[null]"),
            5 => $$"""{"orderId":["{{orderId}}"],"customerId":"c","channel":"web","shipTo":{"latitude":1,"longitude":1},"lines":[{"sku":"SKU-0001","quantity":1}]}""",
            6 => $$"""{"orderId":"{{orderId}}","customerId":{"id":1},"channel":"web","shipTo":{"latitude":1,"longitude":1},"lines":[{"sku":"SKU-0001","quantity":1}]}""",
            7 => OrderWith(orderId, extra: ""","allowSplitShip":"yes" """),
            _ => Pick(r, new[] { "[]", "null", "42", "\"order\"", "true", "{}" }),
        };
        return Bytes(json);
    }

    private static byte[] OddIdOrder(Random r, string orderId)
    {
        var odd = JsonString(Pick(r, OddIds));
        var json = r.Next(4) switch
        {
            0 => $$"""{"orderId":{{odd}},"customerId":"c","channel":"web","shipTo":{"latitude":1,"longitude":1},"lines":[{"sku":"SKU-0001","quantity":1}]}""",
            1 => $$"""{"orderId":"{{orderId}}","customerId":{{odd}},"channel":"web","shipTo":{"latitude":1,"longitude":1},"lines":[{"sku":"SKU-0001","quantity":1}]}""",
            2 => $$"""{"orderId":"{{orderId}}","customerId":"c","channel":{{odd}},"shipTo":{"latitude":1,"longitude":1},"lines":[{"sku":"SKU-0001","quantity":1}]}""",
            _ => $$"""{"orderId":"{{orderId}}","customerId":"c","channel":"web","shipTo":{"latitude":1,"longitude":1},"lines":[{"sku":{{odd}},"quantity":1}]}""",
        };
        return Bytes(json);
    }

    private static Fuzz WrongRoleOrNoKey(Random r, string orderId)
    {
        var body = Bytes(ValidOrder(orderId));
        return r.Next(5) switch
        {
            0 => Order("operator-key-on-orders", O, body),
            1 => Order("no-key", [], body),
            2 => Order("bad-key", [Pick(r, BadKeys)], body),
            3 => Order("two-keys", [Keys.Storefront, Keys.Storefront], body),
            _ => new Fuzz("cancel-wrong-role", HttpMethod.Post, "/orders/fz-base/cancel", r.Next(2) == 0 ? O : [], Bytes("""{"reason":"fuzz"}"""), "application/json"),
        };
    }

    private static Fuzz OrderPathAttack(Random r)
    {
        var id = PathId(r);
        return r.Next(4) switch
        {
            0 => new Fuzz("get-odd-order", HttpMethod.Get, "/orders/" + id, S, null, null),
            1 => new Fuzz("cancel-unknown-order", HttpMethod.Post, "/orders/" + Never(r) + "/cancel", S, Bytes("""{"reason":"x"}"""), "application/json"),
            2 => new Fuzz("cancel-odd-order", HttpMethod.Post, "/orders/" + id + "/cancel", S, null, null),
            _ => new Fuzz("cancel-bad-body", HttpMethod.Post, "/orders/fz-base/cancel", S, Bytes(r.Next(2) == 0 ? "{\"reason\":" : $$"""{"reason":"{{new string('r', 501)}}"}"""), "application/json"),
        };
    }

    private static Fuzz Availability(Random r) => r.Next(3) switch
    {
        0 => new Fuzz("availability-odd", HttpMethod.Get, "/availability/" + PathId(r), S, null, null),
        1 => new Fuzz("availability-unknown", HttpMethod.Get, "/availability/" + Pick(r, UnknownSkus), S, null, null),
        _ => new Fuzz("availability-wrong-role", HttpMethod.Get, "/availability/SKU-0001", r.Next(2) == 0 ? O : [Pick(r, BadKeys)], null, null),
    };

    private static Fuzz NodePatch(Random r)
    {
        string[] badBodies = [
            """{"status":"Sleeping"}""", """{"status":""}""", """{"status":7}""", """{"status":-1}""", """{"status":3}""", """{"status":999}""",
            """{"dailyCapacity":-1}""", """{"dailyCapacity":10000001}""", """{"dailyCapacity":"12"}""", """{"dailyCapacity":1.5}""",
            """{"dailyCapacity":99999999999}""", "{}", "null", "[]", """{"status":null,"dailyCapacity":null}""", "{\"status\":", """{"status":{"x":1}}""",
            """{"status":"Paused","dailyCapacity":-5}"""];
        return r.Next(4) switch
        {
            0 => new Fuzz("patch-node-bad-body", HttpMethod.Patch, "/nodes/" + Pick(r, Nodes), O, Bytes(Pick(r, badBodies)), "application/json"),
            1 => new Fuzz("patch-unknown-node", HttpMethod.Patch, "/nodes/" + Pick(r, UnknownNodes), O, Bytes("""{"status":"Paused"}"""), "application/json"),
            2 => new Fuzz("patch-odd-node", HttpMethod.Patch, "/nodes/" + PathId(r), O, Bytes("""{"status":"Paused"}"""), "application/json"),
            _ => new Fuzz("patch-node-wrong-role", HttpMethod.Patch, "/nodes/" + Pick(r, Nodes), r.Next(2) == 0 ? S : [], Bytes("""{"status":"Paused"}"""), "application/json"),
        };
    }

    private static Fuzz StockPut(Random r)
    {
        string[] badBodies = [
            """{"onHand":-1,"safetyStock":0}""", """{"onHand":10000001,"safetyStock":0}""", """{"onHand":5,"safetyStock":-1}""",
            """{"onHand":5,"safetyStock":10000001}""", """{"onHand":"5"}""", """{"safetyStock":1}""", "{}", "null", """{"onHand":2147483648}""",
            """{"onHand":1.5}""", """{"onHand":[5]}""", "{\"onHand\":5", """{"onHand":null,"safetyStock":null}"""];
        return r.Next(5) switch
        {
            0 => new Fuzz("put-stock-bad-body", HttpMethod.Put, $"/nodes/{Pick(r, Nodes)}/stock/{Pick(r, Skus)}", O, Bytes(Pick(r, badBodies)), "application/json"),
            1 => new Fuzz("put-stock-unknown-node", HttpMethod.Put, $"/nodes/{Pick(r, UnknownNodes)}/stock/{Pick(r, Skus)}", O, Bytes("""{"onHand":5,"safetyStock":0}"""), "application/json"),
            2 => new Fuzz("put-stock-odd-sku", HttpMethod.Put, $"/nodes/{Pick(r, Nodes)}/stock/{PathId(r)}", O, Bytes("""{"onHand":5,"safetyStock":0}"""), "application/json"),
            3 => new Fuzz("put-stock-wrong-role", HttpMethod.Put, $"/nodes/{Pick(r, Nodes)}/stock/{Pick(r, Skus)}", r.Next(2) == 0 ? S : [Pick(r, BadKeys)], Bytes("""{"onHand":5,"safetyStock":0}"""), "application/json"),
            _ => new Fuzz("put-stock-odd-idempotency-key", HttpMethod.Put, $"/nodes/{Pick(r, Nodes)}/stock/{Pick(r, Skus)}", O, Bytes("""{"onHand":-5,"safetyStock":0}"""), "application/json")
            {
                Headers = [("Idempotency-Key", Pick(r, new[] { "../x", new string('i', 65), "a b", "%00" }))],
            },
        };
    }

    private static Fuzz NodeReads(Random r) => r.Next(4) switch
    {
        0 => new Fuzz("get-node-odd", HttpMethod.Get, "/nodes/" + PathId(r), O, null, null),
        1 => new Fuzz("get-node-unknown", HttpMethod.Get, "/nodes/" + Pick(r, UnknownNodes), O, null, null),
        2 => new Fuzz("get-stock-odd", HttpMethod.Get, $"/nodes/{Pick(r, Nodes)}/stock/{PathId(r)}", O, null, null),
        _ => new Fuzz("get-node-wrong-role", HttpMethod.Get, "/nodes/" + Pick(r, Nodes), S, null, null),
    };

    private static Fuzz Lifecycle(Random r)
    {
        string[] steps = ["acknowledge", "pick", "pack", "ship", "deliver", "reject"];
        return r.Next(6) switch
        {
            0 => new Fuzz("step-unknown-order", HttpMethod.Post, $"/orders/{Never(r)}/shipments/s1/{Pick(r, steps)}", O, Bytes("""{"reason":"x","carrier":"UPS","trackingNumber":"1Z"}"""), "application/json"),
            1 => new Fuzz("step-unknown-shipment", HttpMethod.Post, $"/orders/fz-base/shipments/s{r.Next(2, 99)}/{Pick(r, steps)}", O, Bytes("""{"reason":"x","carrier":"UPS","trackingNumber":"1Z"}"""), "application/json"),
            2 => new Fuzz("step-odd-ids", HttpMethod.Post, $"/orders/{PathId(r)}/shipments/{PathId(r)}/{Pick(r, steps)}", O, null, null),
            3 => new Fuzz("reject-without-reason", HttpMethod.Post, "/orders/fz-base/shipments/s1/reject", O, Bytes(r.Next(2) == 0 ? "{}" : "{\"reason\":"), "application/json"),
            4 => new Fuzz("cancel-lines-bad", HttpMethod.Post, "/orders/fz-base/cancel-lines", O,
                Bytes($$"""{"reason":"fuzz","lines":[{"sku":"{{Pick(r, Skus.Concat(UnknownSkus).ToArray())}}","quantity":{{Pick(r, new[] { "0", "-1", "10001", "\"x\"", "null" })}}}]}"""), "application/json"),
            _ => new Fuzz("history-odd", HttpMethod.Get, r.Next(2) == 0 ? $"/orders/{PathId(r)}/history" : $"/customers/{PathId(r)}/orders", O, null, null),
        };
    }

    private static Fuzz StockFeedOrWebhook(Random r) => r.Next(5) switch
    {
        0 => new Fuzz("feed-wrong-role", HttpMethod.Post, "/stock-feed", S, Bytes("nodeId,sku,onHand,safetyStock\ndc-reno,SKU-0005,300,5\n"), "text/csv"),
        1 => new Fuzz("feed-media-type", HttpMethod.Post, "/stock-feed", O, Bytes("nodeId,sku,onHand,safetyStock\n"), Pick(r, BadMediaTypes)),
        2 => new Fuzz("feed-empty", HttpMethod.Post, "/stock-feed", O, [], "text/csv"),
        3 => new Fuzz("webhook-wrong-role", HttpMethod.Post, "/webhooks", S, Bytes("""{"subscriptionId":"fz","url":"http://127.0.0.1:9/x","secret":"0123456789abcdef","eventTypes":["*"]}"""), "application/json"),
        _ => new Fuzz("webhook-bad-body", HttpMethod.Post, "/webhooks", O, Bytes(Pick(r, new[] { "{", "[]", "null", """{"subscriptionId":""}""", """{"subscriptionId":"../x","url":"ftp://x"}""" })), "application/json"),
    };

    private static Fuzz OpsApi(Random r) => r.Next(6) switch
    {
        0 => new Fuzz("ops-wrong-role", HttpMethod.Get, Pick(r, new[] { "/ops/api/nodes", "/ops/api/inventory", "/ops/api/orders/recent", "/ops", "/metrics" }), r.Next(2) == 0 ? S : [], null, null),
        1 => new Fuzz("ops-inventory-bad-query", HttpMethod.Get, "/ops/api/inventory?" + Pick(r, new[] { "limit=0", "limit=101", "limit=-1", "limit=abc", "offset=-1", "offset=x", "sku=%F0%9F%98%80", "sku=" + new string('s', 65), "sku=a%20b" }), O, null, null),
        2 => new Fuzz("ops-recent-bad-query", HttpMethod.Get, "/ops/api/orders/recent?max=" + Pick(r, new[] { "0", "-5", "101", "1e3", "lots" }), O, null, null),
        3 => new Fuzz("ops-order-odd", HttpMethod.Get, "/ops/api/orders/" + PathId(r), O, null, null),
        4 => new Fuzz("ops-login-junk", HttpMethod.Post, "/ops/login", [], r.Next(2) == 0 ? Bytes("key=" + Pick(r, BadKeys)) : Bytes("key=" + Keys.Storefront), "application/x-www-form-urlencoded"),
        _ => new Fuzz("ops-login-media-type", HttpMethod.Post, "/ops/login", [], Bytes("""{"key":"dev-operator-key"}"""), "application/json"),
    };

    private static Fuzz UnknownRouteOrMethod(Random r) => r.Next(4) switch
    {
        0 => new Fuzz("unknown-route", HttpMethod.Get, "/" + Pick(r, new[] { "admin", "orders/x/y/z/w", "api/v2/orders", ".env", "wp-login.php" }), S, null, null),
        1 => new Fuzz("wrong-method", HttpMethod.Delete, "/orders/fz-base", S, null, null),
        2 => new Fuzz("wrong-method", HttpMethod.Put, "/availability/SKU-0001", S, Bytes("{}"), "application/json"),
        _ => new Fuzz("authorization-junk", HttpMethod.Get, "/availability/SKU-0001", [], null, null)
        {
            Headers = [("Authorization", Pick(r, new[] { "Bearer nope-nope-nope-nope", "Basic ZGV2OmRldg==", "Bearer", "Digest x", "Bearer " + new string('b', 700) }))],
        },
    };

    /// <summary>Order ids never submitted, that requests aim at; checked afterwards to still not exist.</summary>
    private static readonly string[] NeverIds = Enumerable.Range(0, 50).Select(n => $"fz-never-{n}").ToArray();

    private static string Never(Random r) => Pick(r, NeverIds);

    private static Fuzz Order(string kind, string[] keys, byte[] body, string contentType = "application/json") =>
        new(kind, HttpMethod.Post, "/orders", keys, body, contentType);

    private static Fuzz Order(string kind, string[] keys, string json) => Order(kind, keys, Bytes(json));

    /// <summary>An odd id escaped into a path segment (ids that cannot be escaped, like lone surrogates, become a plain bad id).</summary>
    private static string PathId(Random r)
    {
        var id = Pick(r, OddIds);
        try
        {
            var escaped = Uri.EscapeDataString(id);
            return escaped.Length == 0 ? "%20" : escaped;
        }
        catch (UriFormatException)
        {
            return "%ED%A0%80"; // the UTF-8 bytes of a lone surrogate, raw
        }
    }

    /// <summary>A strict prefix of a JSON object is never valid JSON.</summary>
    private static byte[] Truncate(Random r, string json) => Bytes(json[..r.Next(0, json.Length - 1)]);

    private static byte[] Garbage(Random r) => r.Next(6) switch
    {
        0 => Enumerable.Range(0, r.Next(1, 200)).Select(_ => (byte)r.Next(256)).ToArray(),
        1 => [0xC3, 0x28, 0xA0, 0xA1],                                 // invalid UTF-8
        2 => Bytes("{\"orderId\":'single-quoted'}"),
        3 => Bytes("{\"orderId\":\"x\"} trailing"),
        4 => Bytes("/* comment */ {\"orderId\":\"x\"}"),
        _ => Bytes("{\"orderId\":NaN}"),
    };

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A JSON string literal with every non-ASCII or control character escaped as \uXXXX (lone surrogates too).</summary>
    private static string JsonString(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                text.Append('\\').Append(c);
            }
            else if (c < ' ' || c > '~')
            {
                text.Append("\\u").Append(((int)c).ToString("x4"));
            }
            else
            {
                text.Append(c);
            }
        }
        return text.Append('"').ToString();
    }

    private static T Pick<T>(Random r, IReadOnlyList<T> items) => items[r.Next(items.Count)];
}
