using RadioServer.Audio;

namespace RadioServer.Live.Recording;

/// <summary>What a recording's file holds: an ID3v2 tag, then MPEG audio frames, back to back (no Xing header, no ID3v1).</summary>
internal static class Mp3Layout
{
    // A recording is CBR: a few frames in a row that parse alike are the stream, not a chance 0xFFE in the audio.
    private const int ChainFrames = 3;

    // The longest MPEG-1 Layer III frame (320 kbps at 32 kHz: 1,441 bytes) fits many times over.
    private const int TailBytes = 16 * 1024;

    /// <summary>Bytes of the ID3v2 tag at the start of <paramref name="stream"/> (0 without one), with its header and footer.</summary>
    public static long TagLength(Stream stream)
    {
        Span<byte> header = stackalloc byte[10];
        stream.Position = 0;
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length || header[0] != 'I' || header[1] != 'D' || header[2] != '3')
        {
            return 0;
        }
        // ID3v2.4 §3.1: a 28-bit "synchsafe" size after the 10-byte header, a 10-byte footer when flag 0x10 is set.
        var size = (header[6] & 0x7F) << 21 | (header[7] & 0x7F) << 14 | (header[8] & 0x7F) << 7 | (header[9] & 0x7F);
        return 10L + size + ((header[5] & 0x10) != 0 ? 10 : 0);
    }

    /// <summary>The first frame's header after the tag, if the audio starts with one.</summary>
    public static Mp3FrameHeader? FirstFrame(Stream stream, long audioStart)
    {
        Span<byte> bytes = stackalloc byte[Mp3FrameHeader.Size];
        stream.Position = audioStart;
        return stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) == bytes.Length && Mp3FrameHeader.TryParse(bytes, out var header) ? header : null;
    }

    /// <summary>Seconds of audio in a CBR file: the audio's bytes at the first frame's bitrate; null when no frame is there yet.</summary>
    public static double? DurationSeconds(Stream stream)
    {
        var audioStart = TagLength(stream);
        return FirstFrame(stream, audioStart) is { } frame ? (stream.Length - audioStart) * 8.0 / (frame.BitrateKbps * 1000.0) : null;
    }

    /// <summary>
    /// Cuts a frame the file ends in the middle of (a process killed while writing), so what is appended starts on a
    /// frame boundary. Returns the bytes cut; 0 when the file ends on a whole frame or its tail is not a recognisable
    /// run of frames (then it is left alone).
    /// </summary>
    public static long TrimToWholeFrames(FileStream stream)
    {
        var length = stream.Length;
        var audioStart = TagLength(stream);
        var tailStart = Math.Max(audioStart, length - TailBytes);
        var tail = new byte[length - tailStart];
        stream.Position = tailStart;
        stream.ReadExactly(tail);
        // When the tail is the whole audio its first byte is a frame's; else the search starts anywhere inside one.
        var anchored = tailStart == audioStart;
        for (var start = 0; start + Mp3FrameHeader.Size <= tail.Length && (start == 0 || !anchored); start++)
        {
            if (WholeUpTo(tail, start, anchored ? 0 : ChainFrames) is { } end)
            {
                if (end < tail.Length)
                {
                    stream.SetLength(tailStart + end);
                }
                return tail.Length - end;
            }
        }
        return 0;
    }

    /// <summary>Where the run of frames starting at <paramref name="start"/> stops being whole, if it is a run at all and reaches the end.</summary>
    private static int? WholeUpTo(ReadOnlySpan<byte> data, int start, int minFrames)
    {
        if (!Mp3FrameHeader.TryParse(data[start..], out var first))
        {
            return null;
        }
        var frames = 0;
        var at = start;
        while (true)
        {
            if (at == data.Length)
            {
                return frames >= minFrames ? at : null;
            }
            if (!Mp3FrameHeader.TryParse(data[at..], out var header))
            {
                // A header cut short (fewer than 4 bytes left), or not a frame: the end of a run only when it is the tail.
                return data.Length - at < Mp3FrameHeader.Size && frames >= minFrames ? at : null;
            }
            if (header.Version != first.Version || header.Layer != first.Layer || header.SampleRate != first.SampleRate)
            {
                return null;
            }
            if (at + header.FrameLength > data.Length)
            {
                return frames >= minFrames ? at : null;
            }
            at += header.FrameLength;
            frames++;
        }
    }
}
