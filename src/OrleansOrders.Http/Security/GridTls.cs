using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;

namespace OrleansOrders.Http;

/// <summary>
/// TLS for Orleans connections (silo to silo, client to silo gateway); bound from the "Tls"
/// configuration section. Off by default (the embedded default is one machine). The hosts apply
/// it with Microsoft.Orleans.Connections.Security: mutual TLS, each side presents the certificate.
/// </summary>
public sealed class GridTlsOptions
{
    public const string SectionName = "Tls";

    public bool Enabled { get; set; }

    /// <summary>This process's certificate: a PFX/PKCS#12 file, or a PEM certificate with <see cref="KeyPath"/>.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Password of the PFX, if it has one.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>PEM private key, when <see cref="CertificatePath"/> is a PEM certificate.</summary>
    public string? KeyPath { get; set; }

    /// <summary>
    /// SHA-1 thumbprints the remote certificate must have (pinning; works with a self-signed cluster
    /// certificate). Empty: the remote certificate must chain to a trusted root and have no errors.
    /// </summary>
    public string[] TrustedThumbprints { get; set; } = [];

    /// <summary>Accept any remote certificate: the Development environment only.</summary>
    public bool AllowAnyRemoteCertificate { get; set; }

    public static GridTlsOptions? FromConfiguration(IConfiguration configuration, bool isDevelopment)
    {
        var options = configuration.GetSection(SectionName).Get<GridTlsOptions>();
        if (options is not { Enabled: true })
        {
            return null;
        }
        if (string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            throw new InvalidOperationException("Tls:CertificatePath is required when Tls:Enabled is true.");
        }
        if (options.AllowAnyRemoteCertificate && !isDevelopment)
        {
            throw new InvalidOperationException("Tls:AllowAnyRemoteCertificate is only allowed in the Development environment; pin Tls:TrustedThumbprints instead.");
        }
        return options;
    }

    public X509Certificate2 LoadCertificate()
    {
        var path = CertificatePath!;
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"Tls:CertificatePath '{path}' does not exist.");
        }
        return KeyPath is { Length: > 0 } key
            ? X509Certificate2.CreateFromPemFile(path, key)
            : X509CertificateLoader.LoadPkcs12FromFile(path, CertificatePassword);
    }

    /// <summary>The remote certificate check: pinned thumbprints, or a clean chain.</summary>
    public bool ValidateRemote(X509Certificate2? certificate, SslPolicyErrors errors)
    {
        if (AllowAnyRemoteCertificate)
        {
            return true;
        }
        if (certificate is null)
        {
            return false;
        }
        if (TrustedThumbprints.Length > 0)
        {
            return TrustedThumbprints.Any(t => string.Equals(t.Replace(":", "").Trim(), certificate.Thumbprint, StringComparison.OrdinalIgnoreCase));
        }
        return errors == SslPolicyErrors.None;
    }
}
