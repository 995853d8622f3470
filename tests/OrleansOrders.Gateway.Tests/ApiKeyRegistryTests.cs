using Microsoft.Extensions.Configuration;
using OrleansOrders.Http;

namespace OrleansOrders.Gateway.Tests;

/// <summary>Keys from configuration: roles, the development keys, and every way configuration can be wrong.</summary>
[Trait("Category", "fast")]
public sealed class ApiKeyRegistryTests
{
    private static IConfiguration Config(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    [Fact]
    public void Configured_keys_carry_their_roles_and_are_found_only_by_their_exact_secret()
    {
        var registry = ApiKeyRegistry.FromConfiguration(Config(
            ("Auth:Keys:shop:Key", "shop-secret-0123456789"), ("Auth:Keys:shop:Role", "storefront"),
            ("Auth:Keys:ops:Key", "ops-secret-0123456789ab"), ("Auth:Keys:ops:Role", "Operator, storefront")), isDevelopment: false);

        Assert.Equal(["storefront"], registry.Find("shop-secret-0123456789")!.Roles);
        Assert.Equal(["operator", "storefront"], registry.Find("ops-secret-0123456789ab")!.Roles);
        Assert.Equal("shop", registry.Find("shop-secret-0123456789")!.Name);
        Assert.Null(registry.Find("SHOP-SECRET-0123456789"));
        Assert.Null(registry.Find("dev-storefront-key"));
        Assert.False(registry.UsesDevelopmentKeys);
        Assert.Equal("ops", registry.FindSession(ApiKeyRegistry.SessionToken("ops-secret-0123456789ab"))!.Name);
    }

    [Fact]
    public void Development_has_the_well_known_keys_unless_turned_off()
    {
        var registry = ApiKeyRegistry.FromConfiguration(Config(), isDevelopment: true);
        Assert.True(registry.UsesDevelopmentKeys);
        Assert.Equal(["storefront"], registry.Find("dev-storefront-key")!.Roles);
        Assert.Equal(["operator"], registry.Find("dev-operator-key")!.Roles);

        var error = Assert.Throws<InvalidOperationException>(() => ApiKeyRegistry.FromConfiguration(Config(("Auth:DevelopmentKeys", "false")), isDevelopment: true));
        Assert.Contains("No API keys are configured", error.Message);
    }

    [Theory]
    [InlineData("short", "storefront", "at least 16")]
    [InlineData("long-enough-secret-0001", "admin", "must be storefront, operator or both")]
    [InlineData("long-enough-secret-0001", "", "must be storefront, operator or both")]
    [InlineData("has a space in it 0001", "operator", "printable ASCII")]
    public void Malformed_keys_stop_the_start_with_a_message_naming_the_setting(string key, string role, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            ApiKeyRegistry.FromConfiguration(Config(("Auth:Keys:web:Key", key), ("Auth:Keys:web:Role", role)), isDevelopment: false));
        Assert.Contains("Auth:Keys:web", error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Outside_development_no_keys_and_development_keys_are_both_refused()
    {
        Assert.Contains("refuses to start", Assert.Throws<InvalidOperationException>(() => ApiKeyRegistry.FromConfiguration(Config(), isDevelopment: false)).Message);
        Assert.Contains("only allowed in the Development environment", Assert.Throws<InvalidOperationException>(() =>
            ApiKeyRegistry.FromConfiguration(Config(("Auth:DevelopmentKeys", "true"), ("Auth:Keys:a:Key", "0123456789abcdef0"), ("Auth:Keys:a:Role", "operator")), isDevelopment: false)).Message);
        Assert.Contains("same secret", Assert.Throws<InvalidOperationException>(() => ApiKeyRegistry.FromConfiguration(Config(
            ("Auth:Keys:a:Key", "0123456789abcdef0"), ("Auth:Keys:a:Role", "operator"),
            ("Auth:Keys:b:Key", "0123456789abcdef0"), ("Auth:Keys:b:Role", "storefront")), isDevelopment: false)).Message);
    }
}
