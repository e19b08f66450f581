using System.Text;
using RadioServer.Streaming;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Streaming;

public sealed class IcyMetadataTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Encode_PadsToSixteenBytes_WithLengthByte()
    {
        var block = IcyMetadata.Encode("Artist - Title");
        var text = "StreamTitle='Artist - Title';";
        Assert.Equal((text.Length + 15) / 16, block[0]);
        Assert.Equal(1 + (block[0] * 16), block.Length);
        Assert.Equal(text, Encoding.UTF8.GetString(block, 1, text.Length));
        Assert.All(block[(1 + text.Length)..], b => Assert.Equal(0, b));
        Assert.Equal("Artist - Title", IcyMetadata.ParseStreamTitle(block.AsSpan(1)));
    }

    [Theory]
    [InlineData("Evil Artist - It';StreamUrl='http://evil.example/';x='")]
    [InlineData("'; StreamTitle='fake")]
    [InlineData("Line\r\nbreak\0nul")]
    public void Encode_TitleCanNeverEndTheStreamTitleField(string title)
    {
        var block = IcyMetadata.Encode(title);
        var text = Encoding.UTF8.GetString(block, 1, block.Length - 1).TrimEnd('\0');
        // One field, closed once, at the end: no tag can add a StreamUrl (or anything) of its own.
        Assert.StartsWith("StreamTitle='", text, StringComparison.Ordinal);
        Assert.EndsWith("';", text, StringComparison.Ordinal);
        Assert.Equal(text.Length - 2, text.IndexOf("';", StringComparison.Ordinal));
        Assert.Equal(2, text.Count(c => c == '\'')); // exactly the two quotes of the field
        Assert.DoesNotContain(text, char.IsControl);
        Assert.Equal(IcyMetadata.Sanitize(title), IcyMetadata.ParseStreamTitle(block.AsSpan(1)));
    }

    [Fact]
    public void Sanitize_KeepsTheTitleReadable()
    {
        Assert.Equal("Don\u2019t Stop", IcyMetadata.Sanitize("Don't Stop"));
        Assert.Equal("A - B", IcyMetadata.Sanitize("A - B"));
    }

    [Fact]
    public void Encode_OverlongTitle_IsCutToFitTheLengthByte()
    {
        var block = IcyMetadata.Encode(new string('é', 5000));
        Assert.Equal(255, block[0]);
        var title = IcyMetadata.ParseStreamTitle(block.AsSpan(1));
        Assert.NotNull(title);
        Assert.True(title.Length > 1000);
        Assert.All(title, c => Assert.Equal('é', c));
    }

    [Theory]
    [MemberData(nameof(ListenerPaths.Both), MemberType = typeof(ListenerPaths))]
    public async Task IcyStream_BlocksAtExactMetaInt_TitleFollowsTheTrack(bool directListeners)
    {
        TestAudio.WriteToneWav(_folder.File("Alpha Band - First Song.wav"), 600, seconds: 2.5);
        TestAudio.WriteToneWav(_folder.File("Beta Band - Second Song.wav"), 900, seconds: 2.5);
        await using var station = await TestStation.StartAsync(_folder.Media, ListenerPaths.Settings(directListeners, new Dictionary<string, string?> { ["Radio:MetaInt"] = "4000" }));
        var marks = new List<TrackMark>();
        station.Chain.TrackChanged += m => { lock (marks) { marks.Add(m); } };
        if (station.Buffer.CurrentTrack is { } first)
        {
            marks.Add(first);
        }
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true);
        Assert.Equal(4000, listener.MetaInt);
        await station.AdvanceAsync(TimeSpan.FromSeconds(12));
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);

        var blocks = listener.Blocks;
        Assert.True(blocks.Count >= 40, $"{blocks.Count} blocks");
        for (var i = 0; i < blocks.Count; i++)
        {
            Assert.Equal((i + 1) * 4000L, blocks[i].AudioOffset);
        }
        Assert.NotNull(blocks[0].StreamTitle); // the first block always names what is on air

        // Replay the titles the listener was told and compare with where the air chain marked each track.
        List<TrackMark> known;
        lock (marks)
        {
            known = [.. marks.OrderBy(m => m.Position)];
        }
        Assert.True(known.Count >= 4, $"{known.Count} track changes");
        string? told = null;
        foreach (var block in blocks)
        {
            told = block.StreamTitle ?? told;
            var onAir = known.Last(m => m.Position <= block.AudioOffset - 1).StreamTitle;
            Assert.Equal(onAir, told);
        }
        Assert.Contains(blocks, b => b.StreamTitle == "Alpha Band - First Song");
        Assert.Contains(blocks, b => b.StreamTitle == "Beta Band - Second Song");
        Assert.Contains(blocks, b => b.Length == 0); // "unchanged" blocks between changes
        // The audio between the blocks is a clean MP3 stream.
        TestAudio.Frames(listener.Audio);
    }
}
