using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace RadioServer.Auth;

/// <summary>Reads a key from <c>Authorization: Bearer …</c>, <c>X-Api-Key</c> or, on the hub, SignalR's <c>access_token</c>. No key: anonymous (401 where one is required); a wrong key: 401; a key without the role: 403.</summary>
internal sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggers, UrlEncoder encoder, ApiKeys keys, FailedKeyLog failures)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? key = null;
        if (Request.Headers.TryGetValue("X-Api-Key", out var apiKey))
        {
            key = apiKey.ToString();
        }
        else if (Request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            key = header["Bearer ".Length..].Trim();
        }
        else if (Request.Path.StartsWithSegments("/hubs") && Request.Query.TryGetValue("access_token", out var token))
        {
            // Browsers cannot set headers on a WebSocket: the SignalR client sends the key as access_token.
            key = token.ToString();
        }
        if (string.IsNullOrEmpty(key))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        if (keys.RoleOf(key) is not { } role)
        {
            failures.Refused(Context.Connection.RemoteIpAddress, Request.Path);
            return Task.FromResult(AuthenticateResult.Fail("The key is not valid."));
        }
        var claims = role == Roles.Operator
            ? new[] { new Claim(ClaimTypes.Role, Roles.Operator), new Claim(ClaimTypes.Role, Roles.Host) }
            : new[] { new Claim(ClaimTypes.Role, Roles.Host) };
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(statusCode: 401, title: "A key is required.", detail: "Send the host or operator key in 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'.").ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        await Results.Problem(statusCode: 403, title: "This key may not do that.", detail: "The key is valid but lacks the role this endpoint needs.").ExecuteAsync(Context);
}
