using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using RadioServer.Audio;

namespace RadioServer.Hls;

/// <summary>HLS for CDNs (<c>Radio:Hls</c>): the one encoded stream cut into segments at <c>/hls/live.m3u8</c>.</summary>
public sealed class HlsOptions
{
    public const string Section = "Radio:Hls";

    /// <summary>Serve <c>/hls/live.m3u8</c> and its segments. Off: nothing is cut and <c>/hls/</c> is 404.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Length of a segment, seconds, rounded to whole MP3 frames (1,152 samples, ~26.12 ms at 44.1 kHz): 5 makes
    /// 191 frames, 4.989 s. Apple's authoring guide recommends 6 s; 4-6 s keeps a CDN's hit rate high and the
    /// player's start within ~3 segments of the live edge. Below 4 only for tests.
    /// </summary>
    [Range(1.0, 10.0)]
    public double SegmentSeconds { get; set; } = 5;

    /// <summary>Segments in the playlist. RFC 8216 §6.2.2: the playlist must last at least three target durations.</summary>
    [Range(3, 60)]
    public int WindowSegments { get; set; } = 6;

    /// <summary>
    /// <c>Cache-Control: max-age</c> of a segment (it never changes: its name is unique to this run and its media
    /// sequence number). A day; a CDN evicts it long before, since nobody asks for it after a minute or so.
    /// </summary>
    [Range(60, 31_536_000)]
    public int SegmentMaxAgeSeconds { get; set; } = 86_400;

    /// <summary>Whole MP3 frames in a segment.</summary>
    internal int FramesPerSegment => Math.Max(1, (int)Math.Round(SegmentSeconds * StationFormat.SampleRate / StationFormat.FrameSamples));

    /// <summary>A full segment's length, seconds.</summary>
    internal double SegmentDuration => FramesPerSegment * (double)StationFormat.FrameSamples / StationFormat.SampleRate;

    /// <summary>EXT-X-TARGETDURATION: every EXTINF, rounded to the nearest integer, is at most this (RFC 8216 §4.3.3.1).</summary>
    internal int TargetDuration => Math.Max(1, (int)Math.Round(SegmentDuration, MidpointRounding.AwayFromZero));

    /// <summary>The playlist's <c>max-age</c>: about half a segment, so a CDN asks the origin about twice a segment.</summary>
    internal int PlaylistMaxAgeSeconds => Math.Max(1, (int)Math.Floor(SegmentDuration / 2));
}

[OptionsValidator]
internal sealed partial class HlsOptionsValidator : IValidateOptions<HlsOptions>;

/// <summary>Rules that span fields.</summary>
internal sealed class HlsOptionsCrossValidator : IValidateOptions<HlsOptions>
{
    public ValidateOptionsResult Validate(string? name, HlsOptions options)
    {
        var window = options.WindowSegments * options.SegmentDuration;
        return window + 1e-9 < 3 * options.TargetDuration
            ? ValidateOptionsResult.Fail($"Radio:Hls:WindowSegments ({options.WindowSegments}) x {options.SegmentDuration:0.###} s is {window:0.###} s, less than three target durations ({3 * options.TargetDuration} s, RFC 8216 §6.2.2); use {(int)Math.Ceiling(3 * options.TargetDuration / options.SegmentDuration)} or more.")
            : ValidateOptionsResult.Success;
    }
}
