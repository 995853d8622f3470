using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OrleansOrders.Gateway.Tests.Support;

namespace OrleansOrders.Gateway.Tests;

/// <summary>
/// TLS on Orleans connections by configuration (Microsoft.Orleans.Connections.Security): a silo
/// with Tls:Enabled takes a gateway that speaks TLS with a pinned certificate, and no plain client.
/// </summary>
[Trait("Category", "cluster")]
public sealed class TlsTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("oo-tls-").FullName;
    private string _pfx = "";
    private string _thumbprint = "";
    private SiloHost _silo = null!;

    public Task InitializeAsync()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=orleans-orders-cluster", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        _pfx = Path.Combine(_directory, "cluster.pfx");
        File.WriteAllBytes(_pfx, certificate.Export(X509ContentType.Pfx, "test-password"));
        _thumbprint = certificate.Thumbprint;

        _silo = new SiloHost(Tls(new Dictionary<string, string> { ["Demo:Seed"] = "false", ["Dashboard:Enabled"] = "false" }));
        _ = _silo.Services;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private Dictionary<string, string> Tls(Dictionary<string, string>? more = null, string? thumbprint = null)
    {
        var settings = new Dictionary<string, string>(more ?? [])
        {
            ["Tls:Enabled"] = "true",
            ["Tls:CertificatePath"] = _pfx,
            ["Tls:CertificatePassword"] = "test-password",
            ["Tls:TrustedThumbprints:0"] = thumbprint ?? _thumbprint,
        };
        return settings;
    }

    [Fact]
    public async Task A_gateway_with_the_pinned_certificate_reaches_a_tls_silo()
    {
        await using var gateway = new GatewayHost(_silo, Tls());
        var http = gateway.Start(Keys.Operator);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/nodes/no-such-node")).StatusCode); // a grain call over TLS
    }

    [Fact]
    public void A_plain_client_or_one_that_does_not_trust_the_silo_cannot_connect()
    {
        using var plain = new GatewayHost(_silo, new Dictionary<string, string> { ["OrderGrid:ConnectTimeout"] = "00:00:03" });
        Assert.ThrowsAny<Exception>(() => plain.StartServer());

        using var distrustful = new GatewayHost(_silo, Tls(new Dictionary<string, string> { ["OrderGrid:ConnectTimeout"] = "00:00:03" }, thumbprint: new string('0', 40)));
        Assert.ThrowsAny<Exception>(() => distrustful.StartServer());
    }
}
