using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text.Json;
using RadioServer.Art;
using RadioServer.Audio;
using RadioServer.Library;
using RadioServer.Live;
using RadioServer.Streaming;

namespace RadioServer.Edges;

/// <summary>
/// The origin-to-edge stream (<c>GET /api/edges/stream</c>, <c>application/x-radio-relay</c>): the origin's broadcast
/// buffer as it is, chunk by chunk. Each record is a kind byte, a 4-byte big-endian length and that many bytes:
/// <list type="bullet">
/// <item><c>A</c>: an audio chunk, the 8-byte big-endian stream position of its first byte, then whole MP3 frames.</item>
/// <item><c>T</c>: a title mark (JSON <see cref="RelayMark"/>), sent before the first chunk and before each chunk whose title changed.</item>
/// </list>
/// ICY in a plain GET of the mount would carry titles only every <c>metaint</c> bytes (about a second late); this carries
/// the exact positions, so NOW PLAYING on an edge is as in sync as on the origin. The response's
/// <see cref="PositionHeader"/> announces the position of the first chunk.
/// </summary>
internal static class RelayProtocol
{
    public const string Path = "/api/edges/stream";
    public const string ContentType = "application/x-radio-relay";
    public const string PositionHeader = "X-Radio-Position";
    public const string BitrateHeader = "X-Radio-Bitrate";
    public const string KeyHeader = "X-Edge-Key";
    public const byte Audio = (byte)'A';
    public const byte Mark = (byte)'T';
    public const int HeadSize = 5;

    /// <summary>No record is larger: a chunk is ~100 ms of audio (a few KiB); an origin sending more is not a radio origin.</summary>
    public const int MaxRecord = 1 << 20;

    public static void WriteAudio(PipeWriter writer, AudioChunk chunk)
    {
        var length = 8 + chunk.Data.Length;
        var span = writer.GetSpan(HeadSize + length);
        span[0] = Audio;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], length);
        BinaryPrimitives.WriteInt64BigEndian(span[HeadSize..], chunk.Position);
        chunk.Data.CopyTo(span[(HeadSize + 8)..]);
        writer.Advance(HeadSize + length);
    }

    public static void WriteMark(PipeWriter writer, TrackMark mark)
    {
        var track = mark.Track;
        var path = track is null ? null : LiveTrack.IsLive(track) ? track.Path : track.RelativePath;
        var json = JsonSerializer.SerializeToUtf8Bytes(
            new RelayMark(mark.Position, mark.StreamTitle, mark.StartedAt, path, track?.Artist, track?.Title, track?.Album, track?.Duration.TotalSeconds ?? 0, mark.HeardPosition, track?.ArtKey),
            EdgesJson.Default.RelayMark);
        var span = writer.GetSpan(HeadSize + json.Length);
        span[0] = Mark;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], json.Length);
        json.CopyTo(span[HeadSize..]);
        writer.Advance(HeadSize + json.Length);
    }

    /// <summary>The track a relayed mark names, as the edge's hub and history show it (null: station silence, as on the origin).</summary>
    public static TrackInfo? TrackOf(RelayMark mark) => mark.Title is null
        ? null
        : new TrackInfo(mark.Path ?? "", mark.Path ?? "", mark.Artist ?? "", mark.Title, mark.Album, TimeSpan.FromSeconds(Math.Max(0, mark.DurationSeconds)), mark.Art is { } art && CoverArt.IsKey(art) ? art : null);

    /// <summary>
    /// Frames in <paramref name="data"/> when it is nothing but whole MP3 frames at <paramref name="bitrateKbps"/>; else
    /// throws, naming what is wrong (the origin sends garbage, or another bitrate than this node's).
    /// </summary>
    public static int CountFrames(ReadOnlySpan<byte> data, int bitrateKbps)
    {
        var frames = 0;
        var offset = 0;
        while (offset < data.Length)
        {
            if (!Mp3FrameHeader.TryParse(data[offset..], out var header) || offset + header.FrameLength > data.Length)
            {
                throw new InvalidDataException($"the origin's audio is not whole MP3 frames (at byte {offset} of a {data.Length}-byte chunk).");
            }
            if (header.BitrateKbps != bitrateKbps || header.SampleRate != StationFormat.SampleRate)
            {
                throw new InvalidDataException($"the origin sends {header.BitrateKbps} kbps at {header.SampleRate} Hz; this edge is set to {bitrateKbps} kbps (Radio:BitrateKbps must be the origin's).");
            }
            offset += header.FrameLength;
            frames++;
        }
        if (frames == 0)
        {
            throw new InvalidDataException("the origin sent an empty audio chunk.");
        }
        return frames;
    }
}
