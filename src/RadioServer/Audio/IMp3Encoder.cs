namespace RadioServer.Audio;

/// <summary>The seam between the air chain and LAME, so tests can count frames without the native library.</summary>
internal interface IMp3Encoder : IDisposable
{
    /// <summary>Bytes of output room that <see cref="Encode"/> may need for this many samples per channel.</summary>
    int MaxOutputBytes(int samplesPerChannel);

    /// <summary>Encodes interleaved station-format samples; returns the MP3 bytes written to <paramref name="output"/>.</summary>
    int Encode(ReadOnlySpan<float> interleaved, Span<byte> output);

    /// <summary>Emits the frames the encoder still holds, at the end of a file (the air never ends; a recording does). Nothing by default.</summary>
    int Flush(Span<byte> output) => 0;
}

internal interface IMp3EncoderFactory
{
    IMp3Encoder Create(int bitrateKbps, int quality);
}
