using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using RadioServer.Hls;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Hls;

/// <summary>A live media playlist as a client reads it (RFC 8216 §4.3), and a packed-audio segment's ID3 tag read back by hand.</summary>
internal sealed record Playlist(int TargetDuration, long MediaSequence, IReadOnlyList<PlaylistEntry> Entries, string Text)
{
    public static Playlist Parse(string text)
    {
        Assert.StartsWith("#EXTM3U\n", text);
        int? target = null;
        long? sequence = null;
        var entries = new List<PlaylistEntry>();
        DateTimeOffset? date = null;
        double? duration = null;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("#EXT-X-TARGETDURATION:", StringComparison.Ordinal))
            {
                target = int.Parse(line[22..], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("#EXT-X-MEDIA-SEQUENCE:", StringComparison.Ordinal))
            {
                sequence = long.Parse(line[22..], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("#EXT-X-PROGRAM-DATE-TIME:", StringComparison.Ordinal))
            {
                date = DateTimeOffset.Parse(line[25..], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            }
            else if (line.StartsWith("#EXTINF:", StringComparison.Ordinal))
            {
                duration = double.Parse(line[8..].TrimEnd(','), CultureInfo.InvariantCulture);
            }
            else if (!line.StartsWith('#'))
            {
                Assert.True(duration is not null && date is not null, $"{line} has no EXTINF or no EXT-X-PROGRAM-DATE-TIME before it");
                entries.Add(new PlaylistEntry(line, duration!.Value, date!.Value));
                (duration, date) = (null, null);
            }
        }
        Assert.True(target is not null && sequence is not null, "no EXT-X-TARGETDURATION or EXT-X-MEDIA-SEQUENCE:\n" + text);
        return new Playlist(target!.Value, sequence!.Value, entries, text);
    }
}

internal sealed record PlaylistEntry(string Uri, double Duration, DateTimeOffset ProgramDateTime);

/// <summary>What a segment's leading ID3v2.4 tag says, and where its MP3 frames begin.</summary>
internal sealed record SegmentTag(long Pts, long? StreamPosition, string? Title, long? TitlePosition, int AudioOffset)
{
    public static SegmentTag Parse(byte[] segment)
    {
        Assert.True(segment.Length > 10 && segment[0] == 'I' && segment[1] == 'D' && segment[2] == '3', "the segment does not begin with an ID3 tag");
        Assert.Equal(4, segment[3]); // ID3v2.4
        var size = Syncsafe(segment.AsSpan(6));
        var end = 10 + size;
        long? pts = null, position = null, titlePosition = null;
        string? title = null;
        var first = true;
        for (var at = 10; at + 10 <= end && segment[at] != 0;)
        {
            var id = Encoding.ASCII.GetString(segment, at, 4);
            var length = Syncsafe(segment.AsSpan(at + 4));
            var body = segment.AsSpan(at + 10, length);
            switch (id)
            {
                case "PRIV":
                    var owner = body.IndexOf((byte)0);
                    Assert.Equal(Id3Tag.TimestampOwner, Encoding.ASCII.GetString(body[..owner]));
                    Assert.Equal(8, body.Length - owner - 1);
                    Assert.True(first, "the timestamp PRIV frame is not the tag's first frame");
                    pts = BinaryPrimitives.ReadInt64BigEndian(body[(owner + 1)..]);
                    Assert.InRange(pts.Value, 0, (1L << 33) - 1);
                    break;
                case "TIT2":
                    Assert.Equal(3, body[0]); // UTF-8
                    title = Encoding.UTF8.GetString(body[1..]);
                    break;
                case "TXXX":
                    Assert.Equal(3, body[0]);
                    var zero = body[1..].IndexOf((byte)0);
                    var description = Encoding.UTF8.GetString(body.Slice(1, zero));
                    var value = long.Parse(Encoding.UTF8.GetString(body[(2 + zero)..]), CultureInfo.InvariantCulture);
                    if (description == "StreamPosition")
                    {
                        position = value;
                    }
                    else if (description == "TitlePosition")
                    {
                        titlePosition = value;
                    }
                    break;
            }
            first = false;
            at += 10 + length;
        }
        Assert.True(pts is not null, "no com.apple.streaming.transportStreamTimestamp PRIV frame");
        return new SegmentTag(pts!.Value, position, title, titlePosition, end);
    }

    private static int Syncsafe(ReadOnlySpan<byte> b)
    {
        Assert.True(((b[0] | b[1] | b[2] | b[3]) & 0x80) == 0, "an ID3v2.4 size is not syncsafe");
        return (b[0] << 21) | (b[1] << 14) | (b[2] << 7) | b[3];
    }
}

internal static class HlsStation
{
    /// <summary>
    /// Steps the fake clock a quarter second at a time; after each step waits until the segmenter has read everything
    /// published, as it does on air within a chunk, so the dates it gives segments are the same every run.
    /// </summary>
    public static Task AdvanceAsync(TestStation station, TimeSpan total) =>
        station.AdvanceAsync(total, TimeSpan.FromMilliseconds(250), () => CaughtUpAsync(station));

    public static async Task CaughtUpAsync(TestStation station)
    {
        var segmenter = Segmenter(station);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (segmenter.Cursor < station.Buffer.Head)
        {
            try
            {
                await Task.Delay(1, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"the segmenter is stuck at chunk {segmenter.Cursor} (head {station.Buffer.Head})");
            }
        }
    }

    public static HlsSegmenter Segmenter(TestStation station) =>
        (HlsSegmenter)station.App.Services.GetService(typeof(HlsSegmenter))!;
}

/// <summary>One station for the tests that only read: a 440 Hz tone, 31 s on air (six 4.989 s segments, 0-5), the clock then still.</summary>
public sealed class HlsToneStation : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private readonly TempFolder _folder = new();
    private TestStation? _station;

    internal TestStation Station => _station ?? throw new InvalidOperationException("not started");

    internal string FolderPath => _folder.Path;

    public async Task InitializeAsync()
    {
        TestAudio.WriteToneWav(_folder.File("Tone - Long.wav"), 440, seconds: 60);
        _station = await TestStation.StartAsync(_folder.Media, start: Start);
        await HlsStation.AdvanceAsync(_station, TimeSpan.FromSeconds(31));
    }

    public async Task DisposeAsync()
    {
        if (_station is not null)
        {
            await _station.DisposeAsync();
        }
        _folder.Dispose();
    }
}
