namespace RadioServer.Audio;

/// <summary>An MPEG audio frame header (ISO 11172-3 / 13818-3), parsed from its four bytes.</summary>
internal readonly record struct Mp3FrameHeader(int Version, int Layer, int BitrateKbps, int SampleRate, int Channels, bool Padding, int FrameLength, int SamplesPerFrame)
{
    public const int Size = 4;

    // [version: 0 = MPEG-1, 1 = MPEG-2 / 2.5][layer - 1][index]
    private static readonly int[,,] s_bitrates =
    {
        {
            { 0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, -1 },
            { 0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, -1 },
            { 0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, -1 },
        },
        {
            { 0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, -1 },
            { 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, -1 },
            { 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, -1 },
        },
    };

    private static readonly int[] s_sampleRatesMpeg1 = [44100, 48000, 32000];

    /// <summary>Version: 1 (MPEG-1), 2 (MPEG-2) or 25 (MPEG-2.5).</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out Mp3FrameHeader header)
    {
        header = default;
        if (data.Length < Size || data[0] != 0xFF || (data[1] & 0xE0) != 0xE0)
        {
            return false;
        }
        var versionBits = (data[1] >> 3) & 3;
        var layerBits = (data[1] >> 1) & 3;
        var bitrateIndex = (data[2] >> 4) & 0xF;
        var rateIndex = (data[2] >> 2) & 3;
        if (versionBits == 1 || layerBits == 0 || bitrateIndex is 0 or 15 || rateIndex == 3)
        {
            return false; // reserved values, or "free format", which a station never emits
        }
        var version = versionBits switch { 3 => 1, 2 => 2, _ => 25 };
        var layer = 4 - layerBits;
        var bitrate = s_bitrates[version == 1 ? 0 : 1, layer - 1, bitrateIndex];
        var sampleRate = s_sampleRatesMpeg1[rateIndex] / (version == 1 ? 1 : version == 2 ? 2 : 4);
        var padding = ((data[2] >> 1) & 1) == 1;
        var channels = ((data[3] >> 6) & 3) == 3 ? 1 : 2;
        int samples, length;
        if (layer == 1)
        {
            samples = 384;
            length = ((12 * bitrate * 1000 / sampleRate) + (padding ? 1 : 0)) * 4;
        }
        else
        {
            samples = layer == 3 && version != 1 ? 576 : 1152;
            length = (samples / 8 * bitrate * 1000 / sampleRate) + (padding ? 1 : 0);
        }
        header = new Mp3FrameHeader(version, layer, bitrate, sampleRate, channels, padding, length, samples);
        return true;
    }
}
