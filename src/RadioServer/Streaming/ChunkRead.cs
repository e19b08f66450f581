namespace RadioServer.Streaming;

/// <summary>What reading a chunk of the <see cref="BroadcastBuffer"/> found.</summary>
internal enum ChunkRead
{
    /// <summary>The chunk is there.</summary>
    Ok,

    /// <summary>The reader is at the live edge: the chunk is not published yet.</summary>
    NotYet,

    /// <summary>The reader fell out of the ring: the chunk was overwritten.</summary>
    Evicted,
}
