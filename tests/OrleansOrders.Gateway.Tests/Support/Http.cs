using System.Net;
using System.Text;
using System.Text.Json;

namespace OrleansOrders.Gateway.Tests.Support;

public static class HttpAssert
{
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static string OrderJson(string orderId, string sku = "SKU-0001", int quantity = 2) =>
        $$"""{"orderId":"{{orderId}}","customerId":"cust-42","channel":"web","shipTo":{"latitude":40.7128,"longitude":-74.0060},"lines":[{"sku":"{{sku}}","quantity":{{quantity}}},{"sku":"SKU-0150","quantity":1}]}""";

    public static async Task<JsonElement> Body(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    /// <summary>The response is <paramref name="status"/> with an RFC 9457 problem details body saying so.</summary>
    public static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await Body(response);
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("title").GetString()));
        return body;
    }
}
