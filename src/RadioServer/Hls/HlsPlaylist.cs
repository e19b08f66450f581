using System.Globalization;
using System.Text;

namespace RadioServer.Hls;

/// <summary>The live media playlist (RFC 8216 §4.3.3, §6.2.2) for a window of segments; rendered once per segment.</summary>
internal static class HlsPlaylist
{
    public static byte[] Render(IReadOnlyList<HlsSegment> segments, int targetDuration, long discontinuitySequence)
    {
        var text = new StringBuilder(128 + (segments.Count * 96));
        var invariant = CultureInfo.InvariantCulture;
        text.Append("#EXTM3U\n#EXT-X-VERSION:3\n");
        text.Append(invariant, $"#EXT-X-TARGETDURATION:{targetDuration}\n");
        text.Append(invariant, $"#EXT-X-MEDIA-SEQUENCE:{(segments.Count > 0 ? segments[0].Sequence : 0)}\n");
        if (discontinuitySequence > 0)
        {
            text.Append(invariant, $"#EXT-X-DISCONTINUITY-SEQUENCE:{discontinuitySequence}\n");
        }
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (segment.Discontinuity)
            {
                text.Append("#EXT-X-DISCONTINUITY\n");
            }
            // Every segment its own date (the station's clock at its first frame), not only the first: a player maps
            // any segment to wall time without adding up durations, and a stall shows as a jump, not a drift.
            text.Append("#EXT-X-PROGRAM-DATE-TIME:").Append(segment.ProgramDateTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", invariant)).Append('\n');
            text.Append(invariant, $"#EXTINF:{segment.Duration:0.000},\n");
            text.Append(segment.Name).Append('\n');
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
