using System.ComponentModel.DataAnnotations;

namespace RadioServer.Station;

/// <summary>
/// The station's settings, bound from the <c>Radio</c> configuration section
/// (appsettings.json, <c>--Radio:Key=value</c> on the command line, or <c>Radio__Key</c> in the environment).
/// </summary>
public sealed class RadioOptions
{
    public const string Section = "Radio";

    [Required, StringLength(200, MinimumLength = 1)]
    public string StationName { get; set; } = "RadioServer";

    [StringLength(1000)]
    public string Description { get; set; } = "";

    [StringLength(200)]
    public string Genre { get; set; } = "";

    [StringLength(500)]
    public string Url { get; set; } = "";

    /// <summary>Sent as <c>icy-pub</c>: whether directories may list the stream.</summary>
    public bool Public { get; set; }

    /// <summary>CBR bitrate of the one MP3 encode. Must be an MPEG-1 Layer III rate (32-320).</summary>
    [Range(32, 320)]
    public int BitrateKbps { get; set; } = 128;

    /// <summary>LAME's -q: 0 is the slowest and best, 9 the fastest. 5 costs about half of -q 3 at 128 kbps with no audible loss.</summary>
    [Range(0, 9)]
    public int EncoderQuality { get; set; } = 5;

    [Required, RegularExpression("^/[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$", ErrorMessage = "MountPath must look like /stream (a path starting with '/').")]
    public string MountPath { get; set; } = "/stream";

    /// <summary>Audio sent at once to a new listener. Icecast's default burst-size is 64 KiB.</summary>
    [Range(0, 16 * 1024 * 1024)]
    public int BurstSizeBytes { get; set; } = 64 * 1024;

    /// <summary>How far a listener may fall behind the live edge before it is dropped. Icecast's default queue-size is 512 KiB (~32 s at 128 kbps).</summary>
    [Range(16 * 1024, 64 * 1024 * 1024)]
    public int QueueLimitBytes { get; set; } = 512 * 1024;

    /// <summary>Audio bytes between two ICY metadata blocks. 16000 is Icecast's default.</summary>
    [Range(256, 65536)]
    public int MetaInt { get; set; } = 16000;

    /// <summary>
    /// Listeners' connections (a plain HTTP/1.x GET of the mount) are answered by the station's own accept loop
    /// rather than by Kestrel's connection pipeline; everything else still goes to Kestrel.
    /// </summary>
    public bool DirectListeners { get; set; } = true;

    /// <summary>
    /// How long a connection may take to send its whole request head. A connection that has not (silent, or a head
    /// still arriving) is closed, with 408 if part of it came. Icecast's header-timeout is 15 s; players send
    /// theirs at once.
    /// </summary>
    [Range(1, 300)]
    public int RequestHeadTimeoutSeconds { get; set; } = 5;

    /// <summary>
    /// How many connections from one address may be waiting for their request head at once; one more is answered
    /// 429 and closed. Browsers open up to 6 to one server; many listeners behind one NAT connect at different moments.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxWaitingPerAddress { get; set; } = 16;

    [Required]
    public string MediaPath { get; set; } = "media";

    [Required]
    public string SchedulePath { get; set; } = "schedule.json";

    [Required]
    public string DatabasePath { get; set; } = "radioserver.db";

    /// <summary>
    /// The station's picture (PNG, JPEG, WebP; square looks best, 512 px or more): shown where a track has no cover,
    /// as the home-screen icon and in shared links. Empty: a generated one in <see cref="ThemeColor"/>.
    /// </summary>
    public string StationImage { get; set; } = "";

    public const string DefaultThemeColor = "#1f5fbf";

    /// <summary>The station's colour (#rrggbb): the browser's bar on phones, the installed app's splash, the generated image.</summary>
    [RegularExpression("^#[0-9a-fA-F]{6}$", ErrorMessage = "Radio:ThemeColor must be a colour as #rrggbb.")]
    public string ThemeColor { get; set; } = DefaultThemeColor;

    /// <summary>Where cover art is kept once made square at its sizes (a few tens of KB a picture).</summary>
    [Required]
    public string ArtCachePath { get; set; } = "art-cache";

    /// <summary>
    /// Kestrel's sockets run the application's continuations inline on their I/O threads (SocketTransportOptions'
    /// UnsafePreferInlineScheduling) instead of hopping to the thread pool: fewer hops per hub message, so a title fans
    /// out to thousands of browsers faster. Off by default: a request handler that blocks (a SQLite history query, a
    /// cover being made) then holds up every connection on its I/O thread.
    /// </summary>
    public bool InlineSocketScheduling { get; set; }

    /// <summary>Folder that relative paths resolve against. Empty: the repository root (the folder holding RadioServer.sln) or else the working directory.</summary>
    public string RootPath { get; set; } = "";
}
