using System.Globalization;

namespace RadioServer.Library.Analysis;

/// <summary>
/// A track's loudness from its tags, for while it waits for its analysis: ReplayGain 2.0's <c>REPLAYGAIN_TRACK_GAIN</c>
/// (ID3v2 <c>TXXX</c>, Xiph and APE comments; and whatever else TagLib# maps to it) and <c>REPLAYGAIN_TRACK_PEAK</c>,
/// else Opus' <c>R128_TRACK_GAIN</c>, as the integrated loudness they imply. No cue points: tags have none.
/// </summary>
internal static class ReplayGainTags
{
    /// <summary>ReplayGain 2.0's reference level: a gain brings the track to −18 LUFS, so its loudness is −18 − gain.</summary>
    public const double ReplayGainReferenceLufs = -18;

    /// <summary>RFC 7845's R128 gains are relative to EBU R128's −23 LUFS.</summary>
    public const double R128ReferenceLufs = -23;

    private const string TrackGain = "REPLAYGAIN_TRACK_GAIN";
    private const string TrackPeak = "REPLAYGAIN_TRACK_PEAK";
    private const string R128TrackGain = "R128_TRACK_GAIN";

    /// <summary>The sound the tags of <paramref name="path"/> imply, or null when they carry no track gain (or cannot be read).</summary>
    public static TrackSound? Read(string path)
    {
        using var file = TagLib.File.Create(path);
        var (gain, peak) = FromId3v2(file) ?? FromXiph(file) ?? FromApe(file) ?? FromCombined(file) ?? (null, null);
        double? lufs = gain is { } g ? ReplayGainReferenceLufs - g : null;
        if (lufs is null && file.GetTag(TagLib.TagTypes.Xiph) is TagLib.Ogg.XiphComment xiph
            && int.TryParse(xiph.GetFirstField(R128TrackGain), NumberStyles.Integer, CultureInfo.InvariantCulture, out var q78))
        {
            lufs = R128ReferenceLufs - (q78 / 256.0); // Q7.8 fixed point, dB
        }
        if (lufs is not { } integrated || !double.IsFinite(integrated))
        {
            return null;
        }
        double? truePeak = peak is { } p && p > 0 && double.IsFinite(p) ? Math.Round(20 * Math.Log10(p), 2) : null;
        return new TrackSound(Math.Round(integrated, 2), 0, truePeak, TimeSpan.Zero, null, null, null, null, TrackSoundSource.Tags);
    }

    private static (double? Gain, double? Peak)? FromId3v2(TagLib.File file)
    {
        if (file.GetTag(TagLib.TagTypes.Id3v2) is not TagLib.Id3v2.Tag tag)
        {
            return null;
        }
        string? gain = null, peak = null;
        // Taggers disagree on the description's case (foobar2000 upper, some lower): compare ignoring it.
        foreach (var frame in tag.GetFrames<TagLib.Id3v2.UserTextInformationFrame>())
        {
            if (string.Equals(frame.Description, TrackGain, StringComparison.OrdinalIgnoreCase))
            {
                gain = frame.Text.FirstOrDefault();
            }
            else if (string.Equals(frame.Description, TrackPeak, StringComparison.OrdinalIgnoreCase))
            {
                peak = frame.Text.FirstOrDefault();
            }
        }
        return Parsed(gain, peak);
    }

    private static (double? Gain, double? Peak)? FromXiph(TagLib.File file) =>
        file.GetTag(TagLib.TagTypes.Xiph) is TagLib.Ogg.XiphComment xiph ? Parsed(xiph.GetFirstField(TrackGain), xiph.GetFirstField(TrackPeak)) : null;

    private static (double? Gain, double? Peak)? FromApe(TagLib.File file) =>
        file.GetTag(TagLib.TagTypes.Ape) is TagLib.Ape.Tag ape ? Parsed(ape.GetItem(TrackGain)?.ToString(), ape.GetItem(TrackPeak)?.ToString()) : null;

    private static (double? Gain, double? Peak)? FromCombined(TagLib.File file)
    {
        var gain = file.Tag.ReplayGainTrackGain;
        var peak = file.Tag.ReplayGainTrackPeak;
        return double.IsFinite(gain) ? (gain, double.IsFinite(peak) ? peak : null) : null;
    }

    /// <summary>Null unless the gain parses: a peak alone says nothing of loudness.</summary>
    private static (double? Gain, double? Peak)? Parsed(string? gain, string? peak) =>
        ParseNumber(gain) is { } g ? (g, ParseNumber(peak)) : null;

    /// <summary>"-7.35 dB", "+1.2 dB", "0.988547": the number, in the invariant culture (a comma too, as some taggers write).</summary>
    internal static double? ParseNumber(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var s = text.Trim();
        if (s.EndsWith("dB", StringComparison.OrdinalIgnoreCase))
        {
            s = s[..^2].TrimEnd();
        }
        s = s.Replace(',', '.');
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;
    }
}
