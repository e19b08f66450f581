using RadioServer.Audio;
using RadioServer.Live;

namespace RadioServer.Tests.Infrastructure;

/// <summary>What a live decoder allocates per frame (MP3) or packet (Ogg) once warm: the first half of the bytes warms it, the second is measured; both fed in 4 KiB reads as a socket would.</summary>
internal static class LiveDecoderAllocation
{
    public static (double PerFrame, double Seconds) Measure(ILiveDecoder decoder, byte[] stream)
    {
        long samples = 0;
        void Count(ReadOnlySpan<float> s) => samples += s.Length;
        var half = stream.Length / 2;
        for (var at = 0; at < half; at += 4096)
        {
            decoder.Append(stream.AsSpan(at, Math.Min(4096, half - at)), Count);
        }
        var frames = decoder.Frames;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var at = half; at < stream.Length; at += 4096)
        {
            decoder.Append(stream.AsSpan(at, Math.Min(4096, stream.Length - at)), Count);
        }
        var perFrame = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)(decoder.Frames - frames);
        return (perFrame, samples / 2.0 / StationFormat.SampleRate);
    }
}

/// <summary>Feeds a live decoder the way a network does: in pieces of 1 byte to 6 KiB (deterministic from a seed).</summary>
internal static class LiveDecoderFeed
{
    /// <summary>Feeds <paramref name="data"/> in pieces, collecting the station-format output.</summary>
    public static float[] InPieces(ILiveDecoder decoder, byte[] data, int seed)
    {
        var random = new Random(seed);
        var output = new List<float>();
        for (var at = 0; at < data.Length;)
        {
            var piece = Math.Min(data.Length - at, random.Next(3) == 0 ? random.Next(1, 64) : random.Next(1, 6144));
            decoder.Append(data.AsSpan(at, piece), samples => output.AddRange(samples));
            at += piece;
        }
        return [.. output];
    }
}
