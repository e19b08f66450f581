namespace RadioServer.Live;

/// <summary>
/// A live source's bytes, as they arrive in pieces, to station-format samples (44.1 kHz stereo float, interleaved),
/// whatever rate and channel count the source sends, changing mid-stream too. One per source; only the source's
/// reading task calls it. Throws <see cref="InvalidDataException"/> when the bytes are not the codec's (garbage, video).
/// </summary>
internal interface ILiveDecoder
{
    /// <summary>The codec as operators see it: <c>MP3</c>, <c>Vorbis</c>, <c>Opus</c>.</summary>
    string Codec { get; }

    /// <summary>Frames (MP3) or packets (Ogg) decoded so far.</summary>
    long Frames { get; }

    /// <summary>The source's format as sent (the last frame's): sample rate, channels, bitrate (0 when not known).</summary>
    (int SampleRate, int Channels, int BitrateKbps) SourceFormat { get; }

    /// <summary>Raised on the reading task when the stream carries a title of its own (Ogg comments); MP3 never does.</summary>
    event Action<string>? TitleFound;

    /// <summary>Takes the next bytes and hands every decoded piece's station-format samples to <paramref name="output"/>.</summary>
    void Append(ReadOnlySpan<byte> data, Action<ReadOnlySpan<float>> output);
}

/// <summary>The decoder for a source's <c>Content-Type</c>, or none when it is not supported (403, as Icecast answers).</summary>
internal static class LiveDecoders
{
    /// <summary>What sources may send, as the 403's reason lists it.</summary>
    public const string Supported = "MP3 (audio/mpeg), or Ogg Vorbis or Ogg Opus (application/ogg, audio/ogg)";

    /// <remarks>
    /// Ogg by Icecast's names for it (application/ogg, its old application/x-ogg, audio/ogg, video/ogg: a video
    /// stream's audio is aired, a video-only one refused once its headers are read), and audio/opus and
    /// audio/vorbis as some clients label Ogg Opus and Ogg Vorbis. AAC (audio/aac, audio/aacp) is refused: no
    /// managed AAC decoder is among our parts.
    /// </remarks>
    public static ILiveDecoder? For(string? contentType) => contentType?.Split(';')[0].Trim().ToLowerInvariant() switch
    {
        null or "" or "audio/mpeg" or "audio/mp3" or "audio/mpeg3" => new Mp3StreamDecoder(),
        "application/ogg" or "application/x-ogg" or "audio/ogg" or "video/ogg" or "audio/opus" or "audio/vorbis" => new OggStreamDecoder(),
        _ => null,
    };
}
