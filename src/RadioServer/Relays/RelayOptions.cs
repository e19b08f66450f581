using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RadioServer.Relays;

/// <summary>
/// Relays (<c>Radio:Relay</c>): the credentials an Icecast in master-server mode sends for the station's list of
/// mounts (<c>&lt;master-username&gt;</c>, <c>&lt;master-password&gt;</c>), as Icecast's own <c>&lt;relay-user&gt;</c>
/// and <c>&lt;relay-password&gt;</c>. A relay's stream request itself needs none: the mount is public.
/// </summary>
public sealed class RelayOptions
{
    public const string Section = "Radio:Relay";

    /// <summary>The user relays authenticate as; Icecast's default <c>&lt;master-username&gt;</c> is <c>relay</c>.</summary>
    [Required, RegularExpression(@"^[^:\s]{1,100}$", ErrorMessage = "Radio:Relay:User must be 1-100 characters, with no ':' or whitespace (it travels in Basic credentials).")]
    public string User { get; set; } = "relay";

    /// <summary>
    /// The relays' password. From configuration or the environment (<c>Radio__Relay__Password</c>), never the
    /// repository. Unset: <c>/admin/streamlist.txt</c> is off (404, and the log says why); per-mount relays still work.
    /// </summary>
    [StringLength(256, MinimumLength = 1)]
    public string? Password { get; set; }
}

[OptionsValidator]
internal sealed partial class RelayOptionsValidator : IValidateOptions<RelayOptions>;
