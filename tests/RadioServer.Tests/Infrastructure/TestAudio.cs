using NAudio.Wave;
using RadioServer.Audio;
using RadioServer.Audio.Interop;

namespace RadioServer.Tests.Infrastructure;

/// <summary>Makes test media (tones as WAV or MP3) and takes apart what the station serves.</summary>
internal static class TestAudio
{
    public static void WriteToneWav(string path, double frequency, double seconds, int sampleRate = 44100, int channels = 2, float amplitude = 0.5f)
    {
        using var writer = new WaveFileWriter(path, new WaveFormat(sampleRate, 16, channels));
        var frames = (int)(seconds * sampleRate);
        var buffer = new float[frames * channels];
        for (var i = 0; i < frames; i++)
        {
            var value = amplitude * (float)Math.Sin(2 * Math.PI * frequency * i / sampleRate);
            for (var c = 0; c < channels; c++)
            {
                buffer[(i * channels) + c] = value;
            }
        }
        writer.WriteSamples(buffer, 0, buffer.Length);
    }

    public static void WriteToneMp3(string path, double frequency, double seconds, int sampleRate = 44100, int channels = 2, int bitrateKbps = 128, float amplitude = 0.5f)
    {
        using var encoder = new LameMp3Encoder(bitrateKbps, 5, sampleRate, channels);
        var frames = (int)(seconds * sampleRate);
        var pcm = new float[frames * channels];
        for (var i = 0; i < frames; i++)
        {
            var value = amplitude * (float)Math.Sin(2 * Math.PI * frequency * i / sampleRate);
            for (var c = 0; c < channels; c++)
            {
                pcm[(i * channels) + c] = value;
            }
        }
        var output = new byte[encoder.MaxOutputBytes(frames) + 16384];
        var written = encoder.Encode(pcm, output);
        written += encoder.Flush(output.AsSpan(written));
        File.WriteAllBytes(path, output[..written]);
    }

    /// <summary>Walks the data frame by frame from offset 0; throws unless it is nothing but whole MP3 frames (a partial frame may end it).</summary>
    public static List<Mp3FrameHeader> Frames(ReadOnlySpan<byte> data)
    {
        var frames = new List<Mp3FrameHeader>();
        var offset = 0;
        while (offset + Mp3FrameHeader.Size <= data.Length)
        {
            if (!Mp3FrameHeader.TryParse(data[offset..], out var header))
            {
                throw new InvalidDataException($"No MP3 frame header at byte {offset} (after {frames.Count} frames).");
            }
            if (offset + header.FrameLength > data.Length)
            {
                break;
            }
            frames.Add(header);
            offset += header.FrameLength;
        }
        return frames;
    }

    /// <summary>
    /// Decodes MP3 bytes with libmpg123 (as the mpg123 player does: gapless, so a LAME info tag's delay and padding are
    /// trimmed; the station's stream has none); returns interleaved samples at the first frame's rate and channels.
    /// </summary>
    public static unsafe (float[] Samples, int SampleRate, int Channels) DecodeMp3(byte[] data)
    {
        using var handle = Mpg123Interop.OpenFloatFeed();
        var samples = new List<float>();
        var buffer = new float[16384];
        (int Rate, int Channels) format = (0, 0);
        fixed (byte* input = data)
        fixed (float* output = buffer)
        {
            var result = Mpg123Interop.Decode(handle, input, (nuint)data.Length, output, (nuint)(buffer.Length * sizeof(float)), out var done);
            while (true)
            {
                samples.AddRange(buffer.AsSpan(0, (int)done / sizeof(float)));
                if (result == Mpg123Interop.NewFormat && format == (0, 0))
                {
                    format = Mpg123Interop.CurrentFormat(handle);
                }
                else if (result is Mpg123Interop.NeedMore or Mpg123Interop.Done)
                {
                    break;
                }
                else if (result is not (Mpg123Interop.Ok or Mpg123Interop.NewFormat))
                {
                    throw new InvalidDataException(Mpg123Interop.Message(handle));
                }
                result = Mpg123Interop.Decode(handle, null, 0, output, (nuint)(buffer.Length * sizeof(float)), out done);
            }
        }
        return ([.. samples], format.Rate, format.Channels);
    }

    public static float[] Channel(float[] interleaved, int channels, int channel)
    {
        var result = new float[interleaved.Length / channels];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = interleaved[(i * channels) + channel];
        }
        return result;
    }

    /// <summary>Frequency of a pure tone from its rising zero crossings.</summary>
    public static double ToneFrequency(ReadOnlySpan<float> mono, int sampleRate)
    {
        int first = -1, last = -1, crossings = 0;
        for (var i = 1; i < mono.Length; i++)
        {
            if (mono[i - 1] < 0 && mono[i] >= 0)
            {
                if (first < 0)
                {
                    first = i;
                }
                else
                {
                    crossings++;
                }
                last = i;
            }
        }
        return crossings == 0 ? 0 : crossings * (double)sampleRate / (last - first);
    }

    public static double Rms(ReadOnlySpan<float> samples)
    {
        double sum = 0;
        foreach (var s in samples)
        {
            sum += s * s;
        }
        return samples.IsEmpty ? 0 : Math.Sqrt(sum / samples.Length);
    }

    /// <summary>Longest run of 5 ms windows below -50 dBFS, in seconds.</summary>
    public static double LongestSilence(ReadOnlySpan<float> mono, int sampleRate, int skipStart = 0)
    {
        var window = sampleRate / 200;
        var threshold = Math.Pow(10, -50 / 20.0);
        int run = 0, longest = 0;
        for (var i = skipStart; i + window <= mono.Length; i += window)
        {
            if (Rms(mono.Slice(i, window)) < threshold)
            {
                run++;
                longest = Math.Max(longest, run);
            }
            else
            {
                run = 0;
            }
        }
        return longest * window / (double)sampleRate;
    }
}
