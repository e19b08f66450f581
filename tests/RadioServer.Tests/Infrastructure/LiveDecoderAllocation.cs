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
