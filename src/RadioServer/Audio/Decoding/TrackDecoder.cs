using NAudio.Wave;
using NAudio.Wave.SampleProviders;

namespace RadioServer.Audio.Decoding;

/// <summary>An open media file, read as station-format samples (44.1 kHz stereo float).</summary>
internal sealed class DecodedTrack : IDisposable
{
    private readonly IDisposable _owner;

    public DecodedTrack(WaveStream reader, ISampleProvider samples)
        : this(reader, reader.WaveFormat, samples)
    {
    }

    /// <summary>A track whose <paramref name="samples"/> come from <paramref name="owner"/>, disposed with it.</summary>
    public DecodedTrack(IDisposable owner, WaveFormat sourceFormat, ISampleProvider samples)
    {
        _owner = owner;
        SourceFormat = sourceFormat;
        Samples = samples;
    }

    public ISampleProvider Samples { get; }

    /// <summary>The file's own format (its first frames' for MP3).</summary>
    public WaveFormat SourceFormat { get; }

    public void Dispose() => _owner.Dispose();
}

/// <summary>
/// Opens MP3 (libmpg123, gapless: <see cref="Mpg123Reader"/>), WAV and AIFF (NAudio) files and converts any rate and
/// channel count to the station format.
/// </summary>
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
            var extension = Path.GetExtension(path).ToLowerInvariant();
            if (extension == ".mp3")
            {
                var mp3 = new Mpg123Reader(stream);
                return new DecodedTrack(mp3, mp3.SourceFormat, mp3);
            }
            reader = extension switch
            {
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

    public static ISampleProvider ToStationFormat(IWaveProvider source) => ToStationFormat(source.ToSampleProvider());

    /// <summary>Resamples to 44.1 kHz (NAudio's WDL resampler) and widens mono to stereo, as needed.</summary>
    public static ISampleProvider ToStationFormat(ISampleProvider samples)
    {
        var format = samples.WaveFormat;
        if (format.Channels is < 1 or > 2)
        {
            throw new NotSupportedException($"{format.Channels} channels are not supported (mono or stereo only).");
        }
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
