namespace RadioServer.Audio;

/// <summary>
/// Collects encoder output and hands out only whole MP3 frames, so every chunk in the broadcast
/// buffer starts on a frame boundary and a listener can join at any chunk.
/// </summary>
internal sealed class Mp3FrameAssembler(int capacity)
{
    private readonly byte[] _buffer = new byte[capacity];
    private int _count;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_count + data.Length > _buffer.Length)
        {
            throw new InvalidOperationException($"MP3 assembler overflow: {_count} + {data.Length} > {_buffer.Length}; the encoder emitted no frame headers.");
        }
        data.CopyTo(_buffer.AsSpan(_count));
        _count += data.Length;
    }

    /// <summary>Whole frames collected so far.</summary>
    public int WholeFrames => Scan(out _);

    /// <summary>Copies out the whole frames collected so far and keeps the partial tail.</summary>
    public byte[] TakeWholeFrames(out int frames)
    {
        frames = Scan(out var offset);
        // On the pinned heap: listeners' sockets are written straight from these arrays (Streaming/README.md, "Pinned memory").
        var whole = GC.AllocateUninitializedArray<byte>(offset, pinned: true);
        _buffer.AsSpan(0, offset).CopyTo(whole);
        _buffer.AsSpan(offset, _count - offset).CopyTo(_buffer);
        _count -= offset;
        return whole;
    }

    private int Scan(out int length)
    {
        var frames = 0;
        length = 0;
        while (Mp3FrameHeader.TryParse(_buffer.AsSpan(length, _count - length), out var header) && length + header.FrameLength <= _count)
        {
            length += header.FrameLength;
            frames++;
        }
        if (frames == 0 && _count >= Mp3FrameHeader.Size && !Mp3FrameHeader.TryParse(_buffer.AsSpan(0, _count), out _))
        {
            throw new InvalidOperationException("Encoder output does not start with an MP3 frame header.");
        }
        return frames;
    }
}
