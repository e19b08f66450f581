using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace RadioServer.Auth;

internal static class Roles
{
    public const string Host = "host";
    public const string Operator = "operator";
}

/// <summary>
/// The configured keys, hashed once. A key that is not configured is generated at start and printed
/// once in the log, so a fresh station is protected without shipping a default password.
/// </summary>
internal sealed partial class ApiKeys
{
    private readonly byte[] _hostHash;
    private readonly byte[] _operatorHash;

    public ApiKeys(IOptions<AuthOptions> options, ILogger<ApiKeys> logger)
    {
        _hostHash = Hash(Resolve(options.Value.HostKey, "Radio:Auth:HostKey", logger));
        _operatorHash = Hash(Resolve(options.Value.OperatorKey, "Radio:Auth:OperatorKey", logger));
    }

    /// <summary>The role a key grants (operator also has host rights), or null. Compares in constant time.</summary>
    public string? RoleOf(string key)
    {
        var hash = Hash(key);
        if (CryptographicOperations.FixedTimeEquals(hash, _operatorHash))
        {
            return Roles.Operator;
        }
        return CryptographicOperations.FixedTimeEquals(hash, _hostHash) ? Roles.Host : null;
    }

    private static string Resolve(string? configured, string name, ILogger logger)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }
        var generated = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        Log.Generated(logger, name, generated);
        return generated;
    }

    // Hashing first gives equal-length inputs to FixedTimeEquals whatever the key's length.
    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "{Setting} is not configured; generated for this run: {Key}", EventName = "KeyGenerated")]
        public static partial void Generated(ILogger logger, string setting, string key);
    }
}
