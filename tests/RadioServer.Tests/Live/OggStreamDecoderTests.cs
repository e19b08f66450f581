using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using RadioServer.Audio;
using RadioServer.Live;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Live;

/// <summary>
/// Ogg Vorbis and Ogg Opus as source clients send them (made here by ffmpeg's libvorbis and libopus), pushed in
/// pieces of any size, decoded to the station's format: the tone, its length, the titles, and what is refused.
/// </summary>
public sealed class OggStreamDecoderTests : IDisposable
{
    private const int Rate = StationFormat.SampleRate;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("libopus", 48000, 1)]
    [InlineData("libopus", 48000, 2)]
    [InlineData("libopus", 16000, 1)] // Opus decodes at 48 kHz whatever the input rate was
    [InlineData("libvorbis", 48000, 1)]
    [InlineData("libvorbis", 22050, 2)]
    [InlineData("libvorbis", 44100, 2)]
    public void Tone_InAnyPieces_IsDecodedToStationFormat_AtItsFrequency_AndLength(string codec, int sampleRate, int channels) =>
        AssertTone(Tone(codec, 1000, seconds: 3, sampleRate, channels), codec, sampleRate, channels);

    [Fact]
    public void Opus_ChannelMappingFamily1_IsDecoded() =>
        AssertTone(Tone("libopus", 1000, seconds: 3, 48000, 2, ["-mapping_family", "1"]), "libopus", 48000, 2); // a stream table in OpusHead

    private static void AssertTone(byte[] ogg, string codec, int sampleRate, int channels)
    {
        var decoder = new OggStreamDecoder();

        var samples = Decode(decoder, ogg, seed: sampleRate + channels);

        Assert.Equal(codec == "libopus" ? "Opus" : "Vorbis", decoder.Codec);
        Assert.Equal(codec == "libopus" ? (48000, channels) : (sampleRate, channels), (decoder.SourceFormat.SampleRate, decoder.SourceFormat.Channels));
        Assert.Equal(0, samples.Length % StationFormat.Channels);
        var left = TestAudio.Channel(samples, 2, 0);
        var right = TestAudio.Channel(samples, 2, 1);
        Assert.InRange(left.Length / (double)Rate, 2.995, 3.005); // to 5 ms: the pre-skip (312 samples, 6.5 ms from libopus) and the end granule honoured
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(Rate / 2, Rate * 2), Rate), 995, 1005);
        Assert.InRange(TestAudio.ToneFrequency(right.AsSpan(Rate / 2, Rate * 2), Rate), 995, 1005);
        // lavfi's sine is 1/8 of full scale (RMS 0.088), and ffmpeg's upmix to stereo is 3 dB down on each side.
        var rms = 0.125 / Math.Sqrt(2) / (channels == 2 ? Math.Sqrt(2) : 1);
        Assert.InRange(TestAudio.Rms(left.AsSpan(Rate / 2, Rate * 2)), rms * 0.9, rms * 1.1);
        // Smooth: no sample off the sine's curve, as a click at a packet's or a resampler read's edge would be. A sine's
        // second difference is at most A(2 pi f / fs)^2, 0.0025 here; a click is tens of times that.
        Assert.InRange(MaxSecondDifference(left.AsSpan(Rate / 2, Rate * 2)), 0, 3 * rms * Math.Sqrt(2) * Math.Pow(2 * Math.PI * 1000 / Rate, 2));
        Assert.True(decoder.Frames > 50, $"{decoder.Frames} packets");
    }

    [Fact]
    public void Opus_PreSkipAndOutputGain_FromOpusHead_AreApplied()
    {
        var ogg = Tone("libopus", 1000, seconds: 3, 48000, 1);
        var plain = TestAudio.Channel(Decode(new OggStreamDecoder(), ogg, seed: 1), 2, 0);

        // Half a second more pre-skip and -6.02 dB of output gain (Q7.8: -1541/256 dB), written into the first page.
        var patched = (byte[])ogg.Clone();
        var head = OggPage.HeaderSize + patched[26];
        Assert.True(patched.AsSpan(head).StartsWith("OpusHead"u8));
        var preSkip = BinaryPrimitives.ReadUInt16LittleEndian(patched.AsSpan(head + 10));
        BinaryPrimitives.WriteUInt16LittleEndian(patched.AsSpan(head + 10), (ushort)(preSkip + 24000));
        BinaryPrimitives.WriteInt16LittleEndian(patched.AsSpan(head + 16), -1541);
        Resign(patched, 0);
        var quieter = TestAudio.Channel(Decode(new OggStreamDecoder(), patched, seed: 2), 2, 0);

        Assert.InRange((plain.Length - quieter.Length) / (double)Rate, 0.498, 0.502);
        var ratio = TestAudio.Rms(quieter.AsSpan(Rate / 2, Rate)) / TestAudio.Rms(plain.AsSpan(Rate, Rate));
        Assert.InRange(ratio, 0.48, 0.52);
        // What is left is what followed the first half second: the same tone, in step with the unpatched decode.
        Assert.InRange(TestAudio.ToneFrequency(quieter.AsSpan(0, Rate), Rate), 995, 1005);
    }

    [Theory]
    [InlineData("libvorbis", "-q:a", "6")]
    [InlineData("libopus", "-b:a", "256k")] // 640-byte packets: three lacing values each
    public void PacketsAcrossPages_AreReassembled(string codec, string option, string value)
    {
        // Two lacing values a page: every header, and every packet over 510 bytes, is cut across pages.
        var ogg = Repage(Tone(codec, 1000, seconds: 3, 48000, 2, [option, value, "-metadata", "title=Split"]), segmentsPerPage: 2);
        var decoder = new OggStreamDecoder();
        var titles = new List<string>();
        decoder.TitleFound += titles.Add;

        var left = TestAudio.Channel(Decode(decoder, ogg, seed: 11), 2, 0);

        Assert.Equal(["Split"], titles);
        Assert.InRange(left.Length / (double)Rate, 2.995, 3.005);
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(Rate / 2, Rate * 2), Rate), 995, 1005);
    }

    [Fact]
    public void ChainedStreams_AtOtherRatesAndChannels_AreBothDecoded_AndEachTitleIsRaised()
    {
        // How Icecast sources change titles in Ogg (and how a client changes format): a new stream after the last one's end.
        var first = Tone("libvorbis", 1000, seconds: 2, 22050, 2, ["-metadata", "title=First Song", "-metadata", "artist=Band A"]);
        var second = Tone("libopus", 1500, seconds: 2, 48000, 1, ["-metadata", "title=Second Song"]);
        var third = Tone("libvorbis", 500, seconds: 2, 48000, 1, ["-metadata", "artist=Band C"]);
        var decoder = new OggStreamDecoder();
        var titles = new List<string>();
        var formats = new List<(int, int, int)>();
        decoder.TitleFound += title =>
        {
            titles.Add(title);
            formats.Add(decoder.SourceFormat);
        };

        var left = TestAudio.Channel(Decode(decoder, [.. first, .. second, .. third], seed: 7), 2, 0);

        Assert.Equal(["Band A - First Song", "Second Song", "Band C"], titles);
        Assert.Equal([22050, 48000, 48000], formats.Select(f => f.Item1));
        Assert.Equal([2, 1, 1], formats.Select(f => f.Item2));
        Assert.Equal("Vorbis", decoder.Codec);
        Assert.InRange(left.Length / (double)Rate, 5.99, 6.01); // no link lost in the changes of format
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(Rate / 2, Rate), Rate), 995, 1005);
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(Rate * 5 / 2, Rate), Rate), 1490, 1510);
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(Rate * 9 / 2, Rate), Rate), 495, 505);
    }

    [Fact]
    public void VideoWithAudio_TheAudioIsDecoded_AndTheVideoIgnored()
    {
        var ogv = Ffmpeg("av.ogv", ["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=2", "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=44100:duration=2",
            "-c:v", "libtheora", "-c:a", "libvorbis", "-ac", "2"]);
        var decoder = new OggStreamDecoder();

        var left = TestAudio.Channel(Decode(decoder, ogv, seed: 3), 2, 0);

        Assert.Equal("Vorbis", decoder.Codec);
        Assert.InRange(left.Length / (double)Rate, 1.99, 2.01);
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(Rate / 2, Rate), Rate), 995, 1005);
    }

    [Fact]
    public void TheoraOnly_IsRefused_WithTheReason()
    {
        var ogv = Ffmpeg("video.ogv", ["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=2", "-c:v", "libtheora"]);

        var error = Assert.Throws<InvalidDataException>(() => Decode(new OggStreamDecoder(), ogv, seed: 4));

        Assert.Contains("Theora video", error.Message, StringComparison.Ordinal);
        Assert.Contains("video/unknown Ogg stream is not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownStream_IsRefused_WithTheReason()
    {
        var ogg = new List<byte>();
        ogg.AddRange(Page(serial: 9, sequence: 0, flags: 0x02, granule: 0, "XYZcodec header"u8));
        ogg.AddRange(Page(serial: 9, sequence: 1, flags: 0, granule: 100, "some data"u8));

        var error = Assert.Throws<InvalidDataException>(() => Decode(new OggStreamDecoder(), [.. ogg], seed: 5));

        Assert.Contains("an unknown stream", error.Message, StringComparison.Ordinal);
        Assert.Contains("video/unknown Ogg stream is not supported", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("random")]
    [InlineData("mp3")] // a source that says Ogg and sends MP3
    [InlineData("middle")] // Ogg pages, but none that starts a stream
    public void NotOggAudio_IsRefused_Within64KiB(string kind)
    {
        var data = kind switch
        {
            "random" => RandomBytes(200_000, seed: 6),
            "mp3" => Mp3(),
            _ => Ffmpeg("noise.ogg", ["-f", "lavfi", "-i", "anoisesrc=duration=10:amplitude=0.3", "-ac", "2", "-c:a", "libvorbis", "-q:a", "8", "-f", "ogg"])[8192..], // noise: no small file
        };
        Assert.True(data.Length > 2 * OggStreamDecoder.MaxJunk, $"{data.Length} bytes");
        var decoder = new OggStreamDecoder();
        var fed = 0;

        var error = Assert.Throws<InvalidDataException>(() =>
        {
            for (; fed < data.Length; fed += 1000)
            {
                decoder.Append(data.AsSpan(fed, Math.Min(1000, data.Length - fed)), _ => Assert.Fail("no audio expected"));
            }
        });

        Assert.InRange(fed, 0, OggStreamDecoder.MaxJunk + 1000 + OggPage.MaxSize);
        Assert.Contains("64 KiB", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("libvorbis")]
    [InlineData("libopus")]
    public void CorruptPages_AreSkipped_AndTheRestIsDecoded(string codec)
    {
        var ogg = Tone(codec, 1000, seconds: 30, 48000, 2, ["-page_duration", "100000", .. codec == "libopus" ? new[] { "-b:a", "128k" } : []]); // 0.1 s pages
        var corrupt = (byte[])ogg.Clone();
        var pages = PageOffsets(corrupt);
        var random = new Random(8);
        int hit = 0, lostBytes = 0;
        for (var i = 4; i < pages.Count - 1; i += 5)
        {
            // A bit flip in the body, in the header, or in the capture pattern of one page in five (the headers spared).
            var (offset, length) = pages[i];
            var at = (i % 3) switch { 0 => offset + random.Next(30, length), 1 => offset + random.Next(4, 27), _ => offset + random.Next(0, 4) };
            corrupt[at] ^= (byte)(1 << random.Next(8));
            hit++;
            lostBytes += length;
        }
        var decoder = new OggStreamDecoder();

        var left = TestAudio.Channel(Decode(decoder, corrupt, seed: 9), 2, 0);

        Assert.True(hit >= 50, $"{hit} pages corrupted");
        if (codec == "libopus")
        {
            Assert.True(lostBytes > OggStreamDecoder.MaxJunk, $"{lostBytes} bytes in bad pages"); // more than 64 KiB in all, never in a row
        }
        var seconds = left.Length / (double)Rate;
        Assert.InRange(seconds, 30 - (hit * 0.1) - 1, 30.05); // each bad page's 0.1 s (and a packet it cut) is gone
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(Rate, Rate), Rate), 990, 1010);
        Assert.InRange(TestAudio.ToneFrequency(left.AsSpan(left.Length - (2 * Rate), Rate), Rate), 990, 1010);
    }

    [Theory]
    [InlineData("libvorbis")]
    [InlineData("libopus")]
    public void SteadyState_AllocatesLittlePerPacket(string codec)
    {
        var ogg = Tone(codec, 1000, seconds: 20, 48000, 2);
        var (perPacket, seconds) = LiveDecoderAllocation.Measure(new OggStreamDecoder(), ogg);

        // Ours allocates nothing per packet (pages, packets and samples go through buffers kept from the start); what is
        // measured is the codecs' own: NVorbis's floor and residue state (~10 KB), Concentus's SILK/CELT scratch buffers
        // (~25 KB, as much as Concentus decoding the packets alone). NAudio's resampler read past its input added 200 KB.
        Assert.InRange(perPacket, 0, codec == "libopus" ? 56 * 1024 : 24 * 1024);
        Assert.InRange(seconds, 19.9, 20.1);
    }

    private byte[] Tone(string codec, int frequency, double seconds, int sampleRate, int channels, string[]? extra = null) =>
        Ffmpeg($"tone-{Guid.NewGuid():N}.ogg", [
            "-f", "lavfi", "-i", FormattableString.Invariant($"sine=frequency={frequency}:sample_rate={sampleRate}:duration={seconds}"),
            "-ac", channels.ToString(CultureInfo.InvariantCulture), "-c:a", codec, .. codec == "libopus" ? new[] { "-b:a", "64k" } : ["-q:a", "4"],
            "-map_metadata", "-1", .. extra ?? [], "-f", "ogg"]);

    private byte[] Ffmpeg(string name, string[] args)
    {
        var path = _folder.File(name);
        using var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", .. args, path]) { RedirectStandardError = true })!;
        var errors = ffmpeg.StandardError.ReadToEnd();
        ffmpeg.WaitForExit();
        Assert.True(ffmpeg.ExitCode == 0, errors);
        return File.ReadAllBytes(path);
    }

    private byte[] Mp3()
    {
        var path = _folder.File("tone.mp3");
        TestAudio.WriteToneMp3(path, 1000, 10);
        return File.ReadAllBytes(path);
    }

    private static float[] Decode(OggStreamDecoder decoder, byte[] data, int seed) => LiveDecoderFeed.InPieces(decoder, data, seed);

    private static double MaxSecondDifference(ReadOnlySpan<float> samples)
    {
        double max = 0;
        for (var i = 1; i < samples.Length - 1; i++)
        {
            max = Math.Max(max, Math.Abs(samples[i + 1] - (2 * samples[i]) + samples[i - 1]));
        }
        return max;
    }

    /// <summary>
    /// The same logical streams in pages of at most <paramref name="segmentsPerPage"/> lacing values: a page that ends
    /// inside a packet is followed by a continued one. The granule stays on the last of a page's pieces (-1 on the
    /// others, which is all the decoder uses: the end of the stream, and Opus's position after a loss).
    /// </summary>
    private static byte[] Repage(byte[] ogg, int segmentsPerPage)
    {
        var output = new List<byte>();
        var sequences = new Dictionary<uint, uint>();
        foreach (var (offset, length) in PageOffsets(ogg))
        {
            OggPage.TryRead(ogg.AsSpan(offset, length), out var page, out _);
            var body = page.Body.ToArray();
            var lacing = page.Lacing.ToArray();
            var continued = page.Continued;
            var at = 0;
            for (var first = 0; first < Math.Max(1, lacing.Length); first += segmentsPerPage)
            {
                var count = Math.Min(segmentsPerPage, lacing.Length - first);
                var last = first + count >= lacing.Length;
                var size = lacing.Skip(first).Take(count).Sum(l => l);
                var flags = (byte)((continued ? 0x01 : 0) | (first == 0 && page.BeginsStream ? 0x02 : 0) | (last && page.EndsStream ? 0x04 : 0));
                var sequence = sequences.GetValueOrDefault(page.Serial);
                sequences[page.Serial] = sequence + 1;
                var piece = new byte[OggPage.HeaderSize + count + size];
                "OggS"u8.CopyTo(piece);
                piece[5] = flags;
                BinaryPrimitives.WriteInt64LittleEndian(piece.AsSpan(6), last ? page.Granule : -1);
                BinaryPrimitives.WriteUInt32LittleEndian(piece.AsSpan(14), page.Serial);
                BinaryPrimitives.WriteUInt32LittleEndian(piece.AsSpan(18), sequence);
                piece[26] = (byte)count;
                lacing.AsSpan(first, count).CopyTo(piece.AsSpan(OggPage.HeaderSize));
                body.AsSpan(at, size).CopyTo(piece.AsSpan(OggPage.HeaderSize + count));
                BinaryPrimitives.WriteUInt32LittleEndian(piece.AsSpan(22), OggCrc.OfPage(piece));
                output.AddRange(piece);
                at += size;
                continued = count > 0 && lacing[first + count - 1] == 255;
            }
        }
        return [.. output];
    }

    private static List<(int Offset, int Length)> PageOffsets(byte[] ogg)
    {
        var pages = new List<(int, int)>();
        for (var at = 0; at < ogg.Length;)
        {
            Assert.Equal(OggPageRead.Page, OggPage.TryRead(ogg.AsSpan(at), out _, out var length));
            pages.Add((at, length));
            at += length;
        }
        return pages;
    }

    /// <summary>Writes the page's CRC again after its bytes were changed (the reader's own CRC: it read ffmpeg's pages, so it is Ogg's).</summary>
    private static void Resign(byte[] ogg, int offset)
    {
        Assert.Equal(OggPageRead.NotAPage, OggPage.TryRead(ogg.AsSpan(offset), out _, out _));
        var segments = ogg[offset + 26];
        var length = OggPage.HeaderSize + segments;
        for (var i = 0; i < segments; i++)
        {
            length += ogg[offset + OggPage.HeaderSize + i];
        }
        var page = ogg.AsSpan(offset, length);
        BinaryPrimitives.WriteUInt32LittleEndian(page[22..], OggCrc.OfPage(page));
        Assert.Equal(OggPageRead.Page, OggPage.TryRead(page, out _, out _));
    }

    private static byte[] Page(uint serial, uint sequence, byte flags, long granule, ReadOnlySpan<byte> packet)
    {
        Assert.True(packet.Length < 255);
        var page = new byte[OggPage.HeaderSize + 1 + packet.Length];
        "OggS"u8.CopyTo(page);
        page[5] = flags;
        BinaryPrimitives.WriteInt64LittleEndian(page.AsSpan(6), granule);
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(14), serial);
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(18), sequence);
        page[26] = 1;
        page[27] = (byte)packet.Length;
        packet.CopyTo(page.AsSpan(28));
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(22), OggCrc.OfPage(page));
        return page;
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
