using System.Net;
using System.Text;
using System.Text.Json;
using OrleansOrders.Contracts;
using OrleansOrders.Gateway.Tests.Support;
using static OrleansOrders.Gateway.Tests.Support.HttpAssert;

namespace OrleansOrders.Gateway.Tests;

/// <summary>
/// A SKU's terms at a node through the standalone gateway: the channel reserve
/// (<c>PUT/DELETE /nodes/{nodeId}/stock/{sku}/reserve</c>), expected receipts
/// (<c>PUT/DELETE .../receipts/{receiptId}</c>), receiving one by its id (<c>POST .../receive</c>), and
/// the stock feed's reserve lines and receipt ids. Each answers the stock snapshot; bad input is 400
/// with the validator's message, an unknown node 404, and neither changes anything.
/// </summary>
[Collection(GridCollection.Name)]
[Trait("Category", "cluster")]
public sealed class StockTermsApiTests(GridFixture grid)
{
    // SKUs at a DC no other test orders from or counts.
    private const string Node = "dc-reno";

    private readonly HttpClient _operator = grid.Gateway.Client(Keys.Operator);

    private static string Stock(string sku, string suffix = "") => $"/nodes/{Node}/stock/{sku}{suffix}";

    private static string Day(int days) => DateOnly.FromDateTime(DateTime.UtcNow).AddDays(days).ToString("yyyy-MM-dd");

    private async Task<JsonElement> Snapshot(string sku) => await Body(await _operator.GetAsync(Stock(sku)));

    /// <summary>The snapshot less hold expiry times, which a reading does not change but which are not what these tests compare.</summary>
    private async Task<string> State(string sku)
    {
        var s = await Snapshot(sku);
        return string.Join("|", s.GetProperty("onHand"), s.GetProperty("safetyStock"), s.GetProperty("received"),
            s.GetProperty("reserve").GetRawText(), s.GetProperty("inbound").GetRawText(), s.GetProperty("inboundPromises").GetRawText());
    }

    [Fact]
    public async Task Operators_set_replace_and_clear_a_channel_reserve()
    {
        var set = await _operator.PutAsync(Stock("SKU-0121", "/reserve"), Json("""{"quantity":5,"channels":["store","pickup","store"]}"""));
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var reserve = (await Body(set)).GetProperty("reserve");
        Assert.Equal(5, reserve.GetProperty("quantity").GetInt32());
        Assert.Equal(["pickup", "store"], reserve.GetProperty("channels").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(reserve.GetRawText(), (await Snapshot("SKU-0121")).GetProperty("reserve").GetRawText());

        // The reserve binds holds of the channels it does not list (the router's holds carry the order's channel).
        var available = (await Snapshot("SKU-0121")).GetProperty("available").GetInt32();
        Assert.True(available > 5, $"the demo network stocks SKU-0121 at {Node}: {available} available");
        var stock = grid.Silo.Grains.GetGrain<IStockGrain>(Identifiers.StockKey(Node, "SKU-0121"));
        var web = await stock.Hold("terms-api-web", available - 4, TimeSpan.FromSeconds(30), "web");
        Assert.Equal(HoldOutcome.Insufficient, web.Outcome);
        Assert.Equal(available - 5, web.Available);
        Assert.Equal(HoldOutcome.Granted, (await stock.Hold("terms-api-store", available, TimeSpan.FromSeconds(30), "store")).Outcome);
        await stock.Release("terms-api-store");

        var replaced = (await Body(await _operator.PutAsync(Stock("SKU-0121", "/reserve"), Json("""{"quantity":2,"channels":["pickup"]}""")))).GetProperty("reserve");
        Assert.Equal(2, replaced.GetProperty("quantity").GetInt32());
        Assert.Equal(["pickup"], replaced.GetProperty("channels").EnumerateArray().Select(c => c.GetString()));

        var cleared = await _operator.DeleteAsync(Stock("SKU-0121", "/reserve"));
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await Body(cleared)).GetProperty("reserve").ValueKind);
        Assert.Equal(HttpStatusCode.OK, (await _operator.DeleteAsync(Stock("SKU-0121", "/reserve"))).StatusCode); // idempotent

        // A quantity of 0 clears as well, with or without channels.
        await _operator.PutAsync(Stock("SKU-0121", "/reserve"), Json("""{"quantity":3,"channels":["store"]}"""));
        var zero = await Body(await _operator.PutAsync(Stock("SKU-0121", "/reserve"), Json("""{"quantity":0,"channels":["store"]}""")));
        Assert.Equal(JsonValueKind.Null, zero.GetProperty("reserve").ValueKind);
        await _operator.PutAsync(Stock("SKU-0121", "/reserve"), Json("""{"quantity":3,"channels":["store"]}"""));
        Assert.Equal(JsonValueKind.Null, (await Body(await _operator.PutAsync(Stock("SKU-0121", "/reserve"), Json("""{"quantity":0}""")))).GetProperty("reserve").ValueKind);
    }

    [Fact]
    public async Task A_sku_needs_no_stock_level_at_the_node_for_its_terms_as_for_a_stock_level()
    {
        var reserve = await _operator.PutAsync($"/nodes/{Node}/stock/TERMS-NEW-1/reserve", Json("""{"quantity":4,"channels":["store"]}"""));
        Assert.Equal(HttpStatusCode.OK, reserve.StatusCode);
        var receipt = await _operator.PutAsync($"/nodes/{Node}/stock/TERMS-NEW-1/receipts/po-first", Json($$"""{"quantity":12,"expectedOn":"{{Day(5)}}"}"""));
        Assert.Equal(HttpStatusCode.OK, receipt.StatusCode);
        var snapshot = await Body(receipt);
        Assert.Equal(0, snapshot.GetProperty("onHand").GetInt32());
        Assert.Equal(4, snapshot.GetProperty("reserve").GetProperty("quantity").GetInt32());
        Assert.Equal(12, snapshot.GetProperty("inbound")[0].GetProperty("quantity").GetInt32());

        // Listed with the node's inventory on the operator page, as a SKU with a stock level is.
        var inventory = await Body(await _operator.GetAsync("/ops/api/inventory?sku=TERMS-NEW-1"));
        Assert.Contains("TERMS-NEW-1", inventory.GetRawText());
        Assert.Contains(Node, inventory.GetRawText());
    }

    public const string Channels = "reserve channels must list 1-20 valid channel names (e.g. 'store', 'pickup').";

    [Theory]
    [InlineData("""{"quantity":-1,"channels":["store"]}""", "reserve quantity must be between 0 and 10000000.")]
    [InlineData("""{"quantity":10000001,"channels":["store"]}""", "reserve quantity must be between 0 and 10000000.")]
    [InlineData("""{"quantity":5,"channels":[]}""", Channels)]
    [InlineData("""{"quantity":5}""", Channels)]
    [InlineData("""{"quantity":5,"channels":["in store"]}""", Channels)]
    [InlineData("""{"quantity":5,"channels":[null]}""", Channels)]
    [InlineData("""{"quantity":5,"channels":["c1","c2","c3","c4","c5","c6","c7","c8","c9","c10","c11","c12","c13","c14","c15","c16","c17","c18","c19","c20","c21"]}""", Channels)]
    [InlineData("""{"channels":["store"]}""", "quantity is required (0 clears the reserve, as DELETE does).")]
    [InlineData("""{"quantity":"5","channels":["store"]}""", "$.quantity")]
    [InlineData("""{"quantity":5,"channels":"store"}""", "$.channels")]
    [InlineData("""{"quantity":5,"channels":["store"]""", "request body")]
    public async Task Bad_reserves_are_400_with_the_validators_message_and_change_nothing(string body, string message)
    {
        await _operator.PutAsync(Stock("SKU-0122", "/reserve"), Json("""{"quantity":3,"channels":["store"]}"""));
        var before = await State("SKU-0122");

        var problem = await Problem(await _operator.PutAsync(Stock("SKU-0122", "/reserve"), Json(body)), HttpStatusCode.BadRequest);
        Assert.Contains(message, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(before, await State("SKU-0122"));
    }

    [Fact]
    public async Task Expected_receipts_are_declared_replaced_cancelled_and_received_by_their_id()
    {
        var first = await _operator.PutAsync(Stock("SKU-0123", "/receipts/po-gw-1"), Json($$"""{"quantity":20,"expectedOn":"{{Day(10)}}"}"""));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var before = await Body(first);
        var onHand = before.GetProperty("onHand").GetInt32();
        var received = before.GetProperty("received").GetInt32();
        var inbound = Assert.Single(before.GetProperty("inbound").EnumerateArray());
        Assert.Equal("po-gw-1", inbound.GetProperty("receiptId").GetString());
        Assert.Equal(Day(10), inbound.GetProperty("expectedOn").GetString());

        // Declaring the same id again replaces it; receipts are listed earliest first.
        await _operator.PutAsync(Stock("SKU-0123", "/receipts/po-gw-1"), Json($$"""{"quantity":25,"expectedOn":"{{Day(10)}}"}"""));
        var two = await Body(await _operator.PutAsync(Stock("SKU-0123", "/receipts/po-gw-2"), Json($$"""{"quantity":5,"expectedOn":"{{Day(3)}}"}""")));
        Assert.Equal(["po-gw-2:5", "po-gw-1:25"], two.GetProperty("inbound").EnumerateArray()
            .Select(r => $"{r.GetProperty("receiptId").GetString()}:{r.GetProperty("quantity").GetInt32()}"));

        // Cancelling withdraws it, and is idempotent.
        var cancelled = await _operator.DeleteAsync(Stock("SKU-0123", "/receipts/po-gw-2"));
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal(["po-gw-1"], (await Body(cancelled)).GetProperty("inbound").EnumerateArray().Select(r => r.GetProperty("receiptId").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await _operator.DeleteAsync(Stock("SKU-0123", "/receipts/po-gw-2"))).StatusCode);

        // Receiving it by its id puts the units on hand and takes it off the inbound list, once.
        var arrived = await _operator.PostAsync(Stock("SKU-0123", "/receipts/po-gw-1/receive"), Json("""{"quantity":25}"""));
        Assert.Equal(HttpStatusCode.OK, arrived.StatusCode);
        var after = await Body(arrived);
        Assert.Equal(onHand + 25, after.GetProperty("onHand").GetInt32());
        Assert.Equal(received + 25, after.GetProperty("received").GetInt32());
        Assert.Empty(after.GetProperty("inbound").EnumerateArray());
        var again = await Body(await _operator.PostAsync(Stock("SKU-0123", "/receipts/po-gw-1/receive"), Json("""{"quantity":25}""")));
        Assert.Equal(onHand + 25, again.GetProperty("onHand").GetInt32());

        // A received receipt cannot be expected again (its units would count twice): 400, nothing changed.
        var state = await State("SKU-0123");
        var refused = await Problem(await _operator.PutAsync(Stock("SKU-0123", "/receipts/po-gw-1"), Json($$"""{"quantity":25,"expectedOn":"{{Day(12)}}"}""")), HttpStatusCode.BadRequest);
        Assert.Equal("Receipt 'po-gw-1' was already received.", refused.GetProperty("detail").GetString());
        Assert.Equal(state, await State("SKU-0123"));

        // An unannounced delivery is received under its own id all the same.
        var unannounced = await Body(await _operator.PostAsync(Stock("SKU-0123", "/receipts/asn-gw-9/receive"), Json("""{"quantity":3}""")));
        Assert.Equal(onHand + 28, unannounced.GetProperty("onHand").GetInt32());
    }

    public const string ReceiptIdMessage = "receiptId must be 1-64 letters, digits or . _ : - and start with a letter or digit.";
    public const string ReceivedMessage = "quantity (the units received) must be between 1 and 10000000.";

    [Theory]
    [InlineData("PUT", "/receipts/po-bad", """{"quantity":0,"expectedOn":"2031-01-15"}""", "receipt quantity must be between 1 and 10000000.")]
    [InlineData("PUT", "/receipts/po-bad", """{"quantity":10000001,"expectedOn":"2031-01-15"}""", "receipt quantity must be between 1 and 10000000.")]
    [InlineData("PUT", "/receipts/po-bad", """{"expectedOn":"2031-01-15"}""", "quantity is required.")]
    [InlineData("PUT", "/receipts/po-bad", """{"quantity":5}""", "expectedOn is required (yyyy-MM-dd).")]
    [InlineData("PUT", "/receipts/po-bad", """{"quantity":5,"expectedOn":"15/01/2031"}""", "expectedOn must be a date as yyyy-MM-dd.")]
    [InlineData("PUT", "/receipts/po-bad", """{"quantity":5,"expectedOn":"2031-02-30"}""", "expectedOn must be a date as yyyy-MM-dd.")]
    [InlineData("PUT", "/receipts/po-bad", """{"quantity":5,"expectedOn":"2031-01-15T00:00:00Z"}""", "expectedOn must be a date as yyyy-MM-dd.")]
    [InlineData("PUT", "/receipts/po-bad", """{"quantity":5.5,"expectedOn":"2031-01-15"}""", "$.quantity")]
    [InlineData("PUT", "/receipts/-po", """{"quantity":5,"expectedOn":"2031-01-15"}""", ReceiptIdMessage)]
    [InlineData("PUT", "/receipts/po-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", """{"quantity":5,"expectedOn":"2031-01-15"}""", ReceiptIdMessage)]
    [InlineData("DELETE", "/receipts/-po", null, ReceiptIdMessage)]
    [InlineData("POST", "/receipts/po-base/receive", """{"quantity":0}""", ReceivedMessage)]
    [InlineData("POST", "/receipts/po-base/receive", """{"quantity":-3}""", ReceivedMessage)]
    [InlineData("POST", "/receipts/po-base/receive", """{"quantity":10000001}""", ReceivedMessage)]
    [InlineData("POST", "/receipts/po-base/receive", """{}""", ReceivedMessage)]
    [InlineData("POST", "/receipts/po-base/receive", """{"quantity":"all"}""", "$.quantity")]
    [InlineData("POST", "/receipts/-po/receive", """{"quantity":1}""", ReceiptIdMessage)]
    public async Task Bad_receipts_are_400_with_the_validators_message_and_change_nothing(string method, string path, string? body, string message)
    {
        await _operator.PutAsync(Stock("SKU-0124", "/receipts/po-base"), Json($$"""{"quantity":8,"expectedOn":"{{Day(4)}}"}"""));
        var before = await State("SKU-0124");

        var request = new HttpRequestMessage(new HttpMethod(method), Stock("SKU-0124", path)) { Content = body is null ? null : Json(body) };
        var problem = await Problem(await _operator.SendAsync(request), HttpStatusCode.BadRequest);
        Assert.Contains(message, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(before, await State("SKU-0124"));
    }

    [Theory]
    [InlineData("PUT", "/reserve", """{"quantity":2,"channels":["store"]}""")]
    [InlineData("DELETE", "/reserve", null)]
    [InlineData("PUT", "/receipts/po-x", """{"quantity":2,"expectedOn":"2031-01-15"}""")]
    [InlineData("DELETE", "/receipts/po-x", null)]
    [InlineData("POST", "/receipts/po-x/receive", """{"quantity":2}""")]
    public async Task Stock_terms_of_an_unknown_node_are_404_malformed_ids_400_and_storefronts_403_changing_nothing(string method, string path, string? body)
    {
        HttpRequestMessage Request(string url) => new(new HttpMethod(method), url) { Content = body is null ? null : Json(body) };

        var missing = await Problem(await _operator.SendAsync(Request($"/nodes/dc-nowhere/stock/SKU-0125{path}")), HttpStatusCode.NotFound);
        Assert.Equal("Node 'dc-nowhere' does not exist.", missing.GetProperty("detail").GetString());
        var ghost = await grid.Silo.Grains.GetGrain<IStockGrain>(Identifiers.StockKey("dc-nowhere", "SKU-0125")).GetSnapshot();
        Assert.Equal(0, ghost.OnHand);
        Assert.Empty(ghost.Inbound);
        Assert.Null(ghost.Reserve);

        var odd = await Problem(await _operator.SendAsync(Request($"/nodes/{Node}/stock/-0125{path}")), HttpStatusCode.BadRequest);
        Assert.Equal("nodeId and sku must be 1-64 letters, digits or . _ : -.", odd.GetProperty("detail").GetString());

        var before = await State("SKU-0125");
        await Problem(await grid.Gateway.Client(Keys.Storefront).SendAsync(Request(Stock("SKU-0125", path))), HttpStatusCode.Forbidden);
        Assert.Equal(before, await State("SKU-0125"));
    }

    [Fact]
    public async Task A_csv_stock_feed_sets_and_clears_reserves_line_by_line()
    {
        await _operator.PutAsync(Stock("SKU-0127", "/reserve"), Json("""{"quantity":9,"channels":["store"]}"""));
        var csv = string.Join("\n",
            "nodeId,sku,reserve,channels",
            "dc-reno,SKU-0126,6,store;pickup",   // 2: good
            "dc-reno,SKU-0127,0,",               // 3: good, clears
            "dc-reno,SKU-0128,5,",               // 4: a reserve needs channels
            "dc-reno,SKU-0128,-1,store",         // 5: not a whole number
            "no-such-node,SKU-0128,1,store",     // 6: unknown node
            "dc-reno,SKU-0128,2,in store",       // 7: bad channel name
            "dc-reno,SKU-0128,2");               // 8: missing column
        var result = await Body(await _operator.PostAsync("/stock-feed", new StringContent(csv, Encoding.UTF8, "text/csv")));

        Assert.Equal(2, result.GetProperty("applied").GetInt32());
        var errors = result.GetProperty("errors").EnumerateArray().ToDictionary(e => e.GetProperty("line").GetInt32(), e => e.GetProperty("error").GetString());
        Assert.Equal([4, 5, 6, 7, 8], errors.Keys);
        Assert.Equal(Channels, errors[4]);
        Assert.Equal("node 'no-such-node' does not exist.", errors[6]);
        var reserve = (await Snapshot("SKU-0126")).GetProperty("reserve");
        Assert.Equal(6, reserve.GetProperty("quantity").GetInt32());
        Assert.Equal(["pickup", "store"], reserve.GetProperty("channels").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(JsonValueKind.Null, (await Snapshot("SKU-0127")).GetProperty("reserve").ValueKind);
        Assert.Equal(JsonValueKind.Null, (await Snapshot("SKU-0128")).GetProperty("reserve").ValueKind);
    }

    [Fact]
    public async Task A_json_lines_feed_receives_expected_receipts_by_their_id_once_whichever_feed_carries_them()
    {
        await _operator.PutAsync(Stock("SKU-0129", "/receipts/po-feed-1"), Json($$"""{"quantity":7,"expectedOn":"{{Day(6)}}"}"""));
        var onHand = (await Snapshot("SKU-0129")).GetProperty("onHand").GetInt32();
        var ndjson = string.Join("\n",
            """{"nodeId":"dc-reno","sku":"SKU-0129","received":7,"receiptId":"po-feed-1"}""",
            """{"nodeId":"dc-reno","sku":"SKU-0130","reserve":3,"channels":["store"]}""",
            """{"nodeId":"dc-reno","sku":"SKU-0130","reserve":3,"onHand":4}""",
            """{"nodeId":"dc-reno","sku":"SKU-0130","reserve":3,"channels":"store"}""",
            """{"nodeId":"dc-reno","sku":"SKU-0130","received":1,"receiptId":"bad id"}""",
            """{"nodeId":"dc-reno","sku":"SKU-0130","onHand":1,"receiptId":"po-x"}""",
            """{"nodeId":"dc-reno","sku":"SKU-0130","reserve":"3","channels":["store"]}""");
        var result = await Body(await _operator.PostAsync("/stock-feed", new StringContent(ndjson, Encoding.UTF8, "application/x-ndjson")));

        Assert.Equal(2, result.GetProperty("applied").GetInt32());
        Assert.Equal([3, 4, 5, 6, 7], result.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("line").GetInt32()));
        var stock = await Snapshot("SKU-0129");
        Assert.Equal(onHand + 7, stock.GetProperty("onHand").GetInt32());
        Assert.Empty(stock.GetProperty("inbound").EnumerateArray());
        Assert.Equal(3, (await Snapshot("SKU-0130")).GetProperty("reserve").GetProperty("quantity").GetInt32());

        // Another feed (other content, so other line ids) carrying the same receipt changes nothing, nor does the endpoint.
        var other = """{"nodeId":"dc-reno","sku":"SKU-0129","received":7,"receiptId":"po-feed-1"}""" + "\n# resent\n";
        Assert.Equal(1, (await Body(await _operator.PostAsync("/stock-feed", new StringContent(other, Encoding.UTF8, "application/x-ndjson")))).GetProperty("applied").GetInt32());
        await _operator.PostAsync(Stock("SKU-0129", "/receipts/po-feed-1/receive"), Json("""{"quantity":7}"""));
        Assert.Equal(onHand + 7, (await Snapshot("SKU-0129")).GetProperty("onHand").GetInt32());
    }
}
