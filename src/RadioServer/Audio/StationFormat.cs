using NAudio.Wave;

namespace RadioServer.Audio;

/// <summary>The one format of the air chain: everything is converted to this before the mixer.</summary>
internal static class StationFormat
{
    public const int SampleRate = 44_100;
    public const int Channels = 2;

    /// <summary>Samples per channel in one MPEG-1 Layer III frame.</summary>
    public const int FrameSamples = 1152;

    public static readonly WaveFormat WaveFormat = WaveFormat.CreateIeeeFloatWaveFormat(SampleRate, Channels);
}
