using NAudio.Wave;
using NAudio.Wave.SampleProviders;

namespace RadioServer.Audio.Decoding;

/// <summary>An open media file, read as station-format samples (44.1 kHz stereo float).</summary>
internal sealed class DecodedTrack(WaveStream reader, ISampleProvider samples) : IDisposable
{
    public ISampleProvider Samples { get; } = samples;

    public WaveFormat SourceFormat => reader.WaveFormat;

    public void Dispose() => reader.Dispose();
}

/// <summary>Opens MP3 (NAudio frames + NLayer), WAV and AIFF files and converts any rate and channel count to the station format.</summary>
internal static class TrackDecoder
{
    public static readonly string[] SupportedExtensions = [".mp3", ".wav", ".aif", ".aiff"];

    public static bool IsSupported(string path) =>
        Array.IndexOf(SupportedExtensions, Path.GetExtension(path).ToLowerInvariant()) >= 0;

    /// <summary>Opens <paramref name="path"/>; throws (IOException, InvalidDataException, FormatException, ...) when it cannot be decoded.</summary>
    public static DecodedTrack Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 64 * 1024);
        WaveStream? reader = null;
        try
        {
            if (stream.Length == 0)
            {
                throw new InvalidDataException("The file is empty.");
            }
            reader = Path.GetExtension(path).ToLowerInvariant() switch
            {
                ".mp3" => new Mp3FileReaderBase(stream, NLayerFrameDecompressor.Builder),
                ".wav" => new WaveFileReader(stream),
                ".aif" or ".aiff" => new AiffFileReader(stream),
                var ext => throw new NotSupportedException($"'{ext}' files are not supported."),
            };
            return new DecodedTrack(reader, ToStationFormat(reader));
        }
        catch
        {
            reader?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    public static ISampleProvider ToStationFormat(IWaveProvider source)
    {
        var format = source.WaveFormat;
        if (format.Channels is < 1 or > 2)
        {
            throw new NotSupportedException($"{format.Channels} channels are not supported (mono or stereo only).");
        }
        ISampleProvider samples = source.ToSampleProvider();
        if (format.SampleRate != StationFormat.SampleRate)
        {
            // Resample before widening to stereo: half the work for mono sources.
            samples = new WdlResamplingSampleProvider(samples, StationFormat.SampleRate);
        }
        if (samples.WaveFormat.Channels == 1)
        {
            samples = new MonoToStereoSampleProvider(samples);
        }
        return samples;
    }
}
