using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RadioServer.Audio;

/// <summary>How the station sounds (<c>Radio:Sound</c>): loudness target, gain cap, the limiter's ceiling, crossfades.</summary>
public sealed class SoundOptions
{
    public const string Section = "Radio:Sound";

    /// <summary>Integrated loudness every item is brought to, LUFS. −16 (AES TD1004 for streams); −14 and −23 are common too.</summary>
    [Range(-40.0, -5.0)]
    public double TargetLufs { get; set; } = -16;

    /// <summary>The most gain normalisation gives an item, dB, so a quiet or silent track is never blown up.</summary>
    [Range(0.0, 30.0)]
    public double MaxGainDb { get; set; } = 10;

    /// <summary>The true-peak limiter's ceiling before the encoder, dBTP (−1 as EBU R128, AES and Spotify recommend for lossy streams).</summary>
    [Range(-12.0, 0.0)]
    public double TruePeakDbtp { get; set; } = -1;

    /// <summary>Normalisation on (the default) or off (every item at unity gain; the limiter still guards the encoder).</summary>
    public bool Normalize { get; set; } = true;

    /// <summary>Live sources get a slow automatic gain towards <see cref="TargetLufs"/> (within +<see cref="MaxGainDb"/>); false: as sent.</summary>
    public bool LiveAutoGain { get; set; } = true;

    /// <summary>The longest crossfade overlap between two items, seconds, for automation and shows that set none; 0 turns crossfades off.</summary>
    [Range(0.0, 20.0)]
    public double CrossfadeSeconds { get; set; } = 6;

    /// <summary>Library analysis in the background (loudness, true peak, cue points), cached in the station's database.</summary>
    public bool Analysis { get; set; } = true;
}

[OptionsValidator]
internal sealed partial class SoundOptionsValidator : IValidateOptions<SoundOptions>;
