using System.Globalization;

namespace RadioServer.Live.Recording;

/// <summary>The ID3v2.4 tag a recording starts with (TagLib#'s renderer, so any tagger reads it).</summary>
internal static class RecordingTag
{
    /// <summary>
    /// Title "Show — 2026-11-26 07:00", artist the hosts, album the show, recording time (TDRC, station time to the
    /// minute) and a comment. Version 4 for UTF-8 text and a TDRC that keeps the date and time (v2.3 keeps only TYER).
    /// </summary>
    public static byte[] Render(RecordingSlot slot, string comment)
    {
        var at = slot.SlotStartStation;
        var tag = new TagLib.Id3v2.Tag { Version = 4 };
        tag.Title = $"{slot.ShowTitle} — {at.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}";
        tag.Performers = [.. slot.Hosts];
        tag.Album = slot.ShowTitle;
        tag.SetTextFrame("TDRC", at.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture));
        tag.Comment = comment;
        return tag.Render().Data;
    }
}
