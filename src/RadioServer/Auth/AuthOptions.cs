using System.ComponentModel.DataAnnotations;

namespace RadioServer.Auth;

/// <summary>
/// Keys for the protected endpoints, from configuration (<c>Radio:Auth:HostKey</c>, <c>Radio:Auth:OperatorKey</c>),
/// never from the repository. A key left unset (or empty) is generated at start and printed once in the log.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Radio:Auth";

    // A generated key is 32 hex digits and a 512-bit secret 128; a longer value is a paste gone wrong.
    internal const int MaxKeyLength = 256;

    [StringLength(MaxKeyLength, ErrorMessage = "Radio:Auth:HostKey is longer than {1} characters.")]
    public string? HostKey { get; set; }

    [StringLength(MaxKeyLength, ErrorMessage = "Radio:Auth:OperatorKey is longer than {1} characters.")]
    public string? OperatorKey { get; set; }
}
