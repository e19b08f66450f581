using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RadioServer.Hosting;

/// <summary>When the garbage collector is asked to work after a wave of connections (<c>Radio:Memory</c>).</summary>
public sealed class MemoryOptions
{
    public const string Section = "Radio:Memory";

    /// <summary>
    /// Listeners and hub connections that must arrive or leave (together) before a quiet moment is used for a
    /// collection; 0 leaves the collector alone.
    /// </summary>
    [Range(0, 1_000_000)]
    public int WaveConnections { get; set; } = 1000;

    /// <summary>How long the connection count must hold still (within a twentieth of a wave) before collecting.</summary>
    [Range(1, 600)]
    public int QuietSeconds { get; set; } = 2;
}

[OptionsValidator]
internal sealed partial class MemoryOptionsValidator : IValidateOptions<MemoryOptions>;
