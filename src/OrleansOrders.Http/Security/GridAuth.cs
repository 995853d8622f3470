using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansOrders.Contracts;

namespace OrleansOrders.Http;

/// <summary>The two roles an API key carries.</summary>
public static class GridRoles
{
    /// <summary>Storefront gateways: orders and network availability.</summary>
    public const string Storefront = "storefront";

    /// <summary>Cluster operators: nodes, stock, feeds, the operator page, the dashboard and metrics.</summary>
    public const string Operator = "operator";

    public static readonly IReadOnlyList<string> All = [Storefront, Operator];
}

/// <summary>
/// Authorization policy names for <c>RequireAuthorization(...)</c> on endpoints and route groups.
/// An endpoint with no policy still needs a recognised key of either role (the fallback policy);
/// only <c>/health</c>, <c>/ops/login</c> and the page's static files are anonymous.
/// </summary>
public static class GridPolicies
{
    /// <summary>A key with the storefront role.</summary>
    public const string Storefront = "grid-storefront";

    /// <summary>A key with the operator role.</summary>
    public const string Operator = "grid-operator";
}

/// <summary>
/// API keys from configuration, section <c>Auth</c>: <c>Auth:Keys:{name}:Key</c> (the secret) and
/// <c>Auth:Keys:{name}:Role</c> (<c>storefront</c>, <c>operator</c>, or both comma-separated);
/// as environment variables <c>Auth__Keys__web__Key=...</c>, <c>Auth__Keys__web__Role=storefront</c>.
/// The name identifies the key in logs and rate limits; the secret is never logged.
/// </summary>
public sealed class GridAuthOptions
{
    public const string SectionName = "Auth";

    public Dictionary<string, ApiKeyEntry> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Add the well-known development keys. Defaults to true in the Development environment (the
    /// embedded default) and may be turned off there; any other environment refuses it.
    /// </summary>
    public bool? DevelopmentKeys { get; set; }
}

public sealed class ApiKeyEntry
{
    public string? Key { get; set; }

    public string? Role { get; set; }
}

/// <summary>A recognised key: its name and roles.</summary>
public sealed record ApiKeyIdentity(string Name, IReadOnlyList<string> Roles, bool Development);

/// <summary>
/// The keys this process accepts, indexed by a SHA-256 of the secret (a lookup never compares the
/// secret itself character by character). Built once at start; bad configuration stops the start.
/// </summary>
public sealed class ApiKeyRegistry
{
    public const string HeaderName = "X-Api-Key";
    public const int MinimumKeyLength = 16;

    /// <summary>The well-known development keys: public on purpose, like Azurite's account key.</summary>
    public static readonly IReadOnlyDictionary<string, string> DevelopmentKeys = new Dictionary<string, string>
    {
        [GridRoles.Storefront] = "dev-storefront-key",
        [GridRoles.Operator] = "dev-operator-key",
    };

    private readonly Dictionary<string, ApiKeyIdentity> _byHash;
    private readonly Dictionary<string, ApiKeyIdentity> _bySession;

    private ApiKeyRegistry(Dictionary<string, ApiKeyIdentity> byHash, Dictionary<string, ApiKeyIdentity> bySession, bool usesDevelopmentKeys)
    {
        _byHash = byHash;
        _bySession = bySession;
        UsesDevelopmentKeys = usesDevelopmentKeys;
    }

    public bool UsesDevelopmentKeys { get; }

    public IEnumerable<ApiKeyIdentity> Identities => _byHash.Values;

    /// <summary>Reads and checks the configured keys; throws with a message naming the setting when they are missing or malformed.</summary>
    public static ApiKeyRegistry FromConfiguration(IConfiguration configuration, bool isDevelopment)
    {
        var options = configuration.GetSection(GridAuthOptions.SectionName).Get<GridAuthOptions>() ?? new GridAuthOptions();
        var problems = new List<string>();
        var byHash = new Dictionary<string, ApiKeyIdentity>(StringComparer.Ordinal);
        var bySession = new Dictionary<string, ApiKeyIdentity>(StringComparer.Ordinal);

        void Add(string name, string key, IReadOnlyList<string> roles, bool development)
        {
            var identity = new ApiKeyIdentity(name, roles, development);
            if (!byHash.TryAdd(Hash(key), identity))
            {
                problems.Add($"Auth:Keys:{name}:Key is the same secret as another key; give each key its own.");
                return;
            }
            bySession[SessionToken(key)] = identity;
        }

        foreach (var (name, entry) in options.Keys.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            if (!Identifiers.IsValid(name))
            {
                problems.Add($"Auth:Keys:{name}: a key's name must be 1-64 letters, digits or . _ : -.");
                continue;
            }
            if (string.IsNullOrEmpty(entry.Key) || entry.Key.Length < MinimumKeyLength || entry.Key.Any(c => c <= ' ' || c > '~'))
            {
                problems.Add($"Auth:Keys:{name}:Key must be at least {MinimumKeyLength} printable ASCII characters without spaces.");
                continue;
            }
            var roles = (entry.Role ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(r => r.ToLowerInvariant()).Distinct().ToList();
            if (roles.Count == 0 || roles.Any(r => !GridRoles.All.Contains(r)))
            {
                problems.Add($"Auth:Keys:{name}:Role must be {GridRoles.Storefront}, {GridRoles.Operator} or both (comma-separated), not '{entry.Role}'.");
                continue;
            }
            Add(name, entry.Key, roles, development: false);
        }

        var useDevelopmentKeys = options.DevelopmentKeys ?? isDevelopment;
        if (useDevelopmentKeys && !isDevelopment)
        {
            problems.Add("Auth:DevelopmentKeys is only allowed in the Development environment: configure Auth:Keys instead.");
        }
        else if (useDevelopmentKeys)
        {
            foreach (var (role, key) in DevelopmentKeys)
            {
                Add("dev-" + role, key, [role], development: true);
            }
        }

        if (problems.Count == 0 && byHash.Count == 0)
        {
            problems.Add("No API keys are configured, and outside the Development environment the grid refuses to start without them. " +
                         "Set Auth__Keys__<name>__Key=<secret> and Auth__Keys__<name>__Role=storefront|operator (one pair per key).");
        }
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Invalid API key configuration: " + string.Join(" ", problems));
        }
        return new ApiKeyRegistry(byHash, bySession, useDevelopmentKeys);
    }

    public ApiKeyIdentity? Find(string? key) =>
        string.IsNullOrEmpty(key) || key.Length > 512 ? null : _byHash.GetValueOrDefault(Hash(key));

    public ApiKeyIdentity? FindSession(string? token) =>
        string.IsNullOrEmpty(token) || token.Length > 128 ? null : _bySession.GetValueOrDefault(token);

    /// <summary>
    /// The operator page's cookie value for a key: derived from it, so the browser never stores the
    /// secret itself, and valid on every gateway and silo that knows the key.
    /// </summary>
    public static string SessionToken(string key) =>
        Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes("orleans-orders-ops-session\0" + key)));

    private static string Hash(string key) => Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// Authenticates a request by its API key: the <c>X-Api-Key</c> header, or
/// <c>Authorization: Bearer &lt;key&gt;</c> (what Prometheus and most tools can send), or the operator
/// page's session cookie. A request with no credentials is anonymous; a wrong key is refused.
/// Refusals are problem details; a browser asking for the page or the dashboard is sent to sign in.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyRegistry keys,
    IProblemDetailsService problems) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string CookieName = "OrleansOrders.Ops";

    /// <summary>
    /// Cookie-authenticated writes must carry this header: a cross-site form or script cannot set
    /// it without a CORS preflight the grid never grants, so the cookie cannot be ridden (CSRF).
    /// </summary>
    public const string CsrfHeaderName = "X-Requested-By";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        ApiKeyIdentity? identity;
        var headers = Request.Headers;
        if (headers.TryGetValue(ApiKeyRegistry.HeaderName, out var apiKey))
        {
            if (apiKey.Count != 1)
            {
                return Task.FromResult(AuthenticateResult.Fail($"Send exactly one {ApiKeyRegistry.HeaderName} header."));
            }
            identity = keys.Find(apiKey[0]);
        }
        else if (headers.Authorization.ToString() is { Length: > 0 } authorization)
        {
            if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return Task.FromResult(AuthenticateResult.Fail($"Send the API key as {ApiKeyRegistry.HeaderName} or 'Authorization: Bearer <key>'."));
            }
            identity = keys.Find(authorization["Bearer ".Length..].Trim());
        }
        else if (Request.Cookies.TryGetValue(CookieName, out var session))
        {
            identity = keys.FindSession(session);
            if (identity is not null && !HttpMethods.IsGet(Request.Method) && !HttpMethods.IsHead(Request.Method)
                && !Request.Path.StartsWithSegments("/dashboard") && !headers.ContainsKey(CsrfHeaderName))
            {
                return Task.FromResult(AuthenticateResult.Fail($"A change made with the operator page's cookie must carry the {CsrfHeaderName} header."));
            }
        }
        else
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (identity is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("The API key is not recognised."));
        }
        var claims = new List<Claim> { new(ClaimTypes.Name, identity.Name), new(ClaimTypes.NameIdentifier, identity.Name) };
        claims.AddRange(identity.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (WantsSignInPage())
        {
            var returnUrl = Request.PathBase + Request.Path + Request.QueryString;
            Response.Redirect("/ops/login?returnUrl=" + Uri.EscapeDataString(returnUrl));
            return;
        }
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{ApiKeyRegistry.HeaderName}\", Bearer";
        await WriteProblem(StatusCodes.Status401Unauthorized, "An API key is required",
            result.Failure?.Message ?? $"Send a storefront or operator API key in the {ApiKeyRegistry.HeaderName} header.");
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var roles = string.Join(", ", Context.User.FindAll(ClaimTypes.Role).Select(c => c.Value));
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await WriteProblem(StatusCodes.Status403Forbidden, "This key's role may not do that",
            $"The key '{Context.User.Identity?.Name}' has the role {roles}, which this endpoint does not allow.");
    }

    private bool WantsSignInPage() =>
        HttpMethods.IsGet(Request.Method)
        && (Request.Path.StartsWithSegments("/ops") && !Request.Path.StartsWithSegments("/ops/api") || Request.Path.StartsWithSegments("/dashboard"))
        && Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    private Task WriteProblem(int status, string title, string detail) =>
        problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).AsTask();
}
