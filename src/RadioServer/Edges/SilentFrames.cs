using RadioServer.Audio;

namespace RadioServer.Edges;

/// <summary>
/// Silent MPEG-1 Layer III frames at the stream's bitrate (44.1 kHz, joint stereo), built once: a header and all-zero
/// side information (no main data, no bit reservoir), which every decoder plays as digital silence. What an edge's
/// listeners hear while its origin is away. Frames are padded the way an encoder pads them (one byte now and then),
/// so the silence runs at exactly the bitrate and stream positions stay true to real time.
/// </summary>
internal sealed class SilentFrames
{
    private static readonly int[] s_bitrates = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
    private readonly byte[] _plain;
    private readonly byte[] _padded;
    private readonly long _bitsPerSecond;
    private long _index;

    public SilentFrames(int bitrateKbps)
    {
        var bitrateIndex = Array.IndexOf(s_bitrates, bitrateKbps);
        if (bitrateIndex <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bitrateKbps), bitrateKbps, "Not an MPEG-1 Layer III bitrate.");
        }
        _bitsPerSecond = bitrateKbps * 1000L;
        var length = (int)(144 * _bitsPerSecond / StationFormat.SampleRate);
        _plain = Frame(length, bitrateIndex, padded: false);
        _padded = Frame(length + 1, bitrateIndex, padded: true);
    }

    /// <summary>Bytes the frame after the next <paramref name="frames"/> has.</summary>
    public int NextLengthAfter(int frames) => Length(_index + frames);

    /// <summary>The next <paramref name="frames"/> frames, on the pinned heap (listeners' sockets are written straight from chunks).</summary>
    public byte[] Take(int frames)
    {
        var total = 0;
        for (var i = 0; i < frames; i++)
        {
            total += Length(_index + i);
        }
        var data = GC.AllocateArray<byte>(total, pinned: true);
        var offset = 0;
        for (var i = 0; i < frames; i++, _index++)
        {
            var frame = Length(_index) == _plain.Length ? _plain : _padded;
            frame.CopyTo(data, offset);
            offset += frame.Length;
        }
        return data;
    }

    // Frame k ends at byte floor(144 * bitrate * (k + 1) / 44100): the encoder's padding rule, so the average is exact.
    private int Length(long k) => (int)((144 * _bitsPerSecond * (k + 1) / StationFormat.SampleRate) - (144 * _bitsPerSecond * k / StationFormat.SampleRate));

    private static byte[] Frame(int length, int bitrateIndex, bool padded)
    {
        var frame = new byte[length];
        frame[0] = 0xFF;
        frame[1] = 0xFB; // MPEG-1, Layer III, no CRC
        frame[2] = (byte)((bitrateIndex << 4) | (padded ? 0x02 : 0)); // 44.1 kHz
        frame[3] = 0x44; // joint stereo, original; side information and main data all zero: silence
        return frame;
    }
}
