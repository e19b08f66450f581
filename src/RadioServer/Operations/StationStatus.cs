using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Microsoft.Extensions.Options;
using RadioServer.Audio;
using RadioServer.Library;
using RadioServer.Scheduling;
using RadioServer.Station;
using RadioServer.Streaming;

namespace RadioServer.Operations;

/// <summary>Reads every part of the station into one <see cref="StatusReport"/>; nothing is cached, so a report is always now.</summary>
internal sealed class StationStatus(
    IOptions<RadioOptions> options,
    IOptions<OperationsOptions> operations,
    IOptions<DeadAirOptions> deadAirOptions,
    AirChain chain,
    DeadAirDetector deadAir,
    BroadcastBuffer buffer,
    ListenerRegistry listeners,
    MediaLibrary library,
    ScheduleStore schedule,
    PlayHistory history,
    AlarmLog alarms,
    TimeProvider time)
{
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    public static string Version { get; } =
        typeof(StationStatus).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public DateTimeOffset StartedAt => _startedAt;

    public StatusReport Report()
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var current = listeners.Count;
        var track = buffer.CurrentTrack; // one read: NOW PLAYING and the mount's title always agree
        var disconnects = Enum.GetValues<LeaveReason>()
            .Select(r => new DisconnectCount(ReasonName(r), listeners.Leaves(r)))
            .ToArray();
        var streamTime = chain.SamplesProduced / (double)StationFormat.SampleRate;
        return new StatusReport(
            new ServerStatus(o.StationName, Version, _startedAt, Math.Round((now - _startedAt).TotalSeconds, 3), now),
            ScheduleView.OnAir(schedule.Current, now),
            track is null ? null : TrackMessage.From(track, o.BitrateKbps),
            new EncoderStatus(chain.IsRunning, "mp3", o.BitrateKbps, StationFormat.SampleRate, StationFormat.Channels, o.EncoderQuality,
                chain.FramesEncoded, Math.Round(streamTime, 3), Math.Round(chain.Lag.TotalSeconds, 3), chain.Underruns, Level(deadAir.LevelDbfs)),
            new ListenerStats(current, listeners.Peak, listeners.TotalSessions, disconnects, listeners.BytesSent),
            [new MountStatus(o.MountPath, "audio/mpeg", o.BitrateKbps, current, listeners.Peak, track?.StreamTitle, _startedAt)],
            new DeadAirStatus(deadAir.Active, deadAir.ThresholdDbfs, deadAir.LimitSeconds, deadAir.Alarms, Math.Round(deadAir.DeadAirSeconds, 3), deadAirOptions.Value.EmergencyPlaylist.Length > 0),
            new LibraryStatus(library.Tracks.Length, library.SkippedFiles),
            new ScheduleStatus(schedule.LoadedAt, schedule.Current.Hash, schedule.LastError, schedule.Reloads, schedule.Errors),
            history.Status(),
            alarms.Recent());
    }

    /// <summary>Listeners connected now, longest-connected first, at most <paramref name="limit"/>; and how many there are.</summary>
    public (IReadOnlyList<ListenerInfo> Table, int Total) Listeners(int limit)
    {
        var edge = buffer.EndPosition;
        var bytesPerSecond = options.Value.BitrateKbps * 1000.0 / 8;
        var show = operations.Value.ShowListenerAddresses;
        var sessions = listeners.Sessions.ToList();
        var table = sessions
            .OrderBy(s => s.Id)
            .Take(limit)
            .Select(s =>
            {
                var lag = s.Position < 0 ? 0 : Math.Max(0, edge - s.Position);
                return new ListenerInfo(s.Id, Describe(s.Address, show), s.UserAgent, s.ConnectedAt, s.BytesSent, lag, Math.Round(lag / bytesPerSecond, 3), s.MetaInt > 0);
            })
            .ToList();
        return (table, sessions.Count);
    }

    internal static string ReasonName(LeaveReason reason) => reason switch
    {
        LeaveReason.ClientClosed => "clientClosed",
        LeaveReason.TooSlow => "tooSlow",
        LeaveReason.Error => "error",
        LeaveReason.Kicked => "kicked",
        LeaveReason.ServerStopping => "serverStopping",
        _ => reason.ToString(),
    };

    /// <summary>An address as operators may see it: whole when configured, else IPv4 /24 or IPv6 /48 (the rest zeroed).</summary>
    internal static string Describe(IPAddress? address, bool whole)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (whole)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        var keep = address.AddressFamily == AddressFamily.InterNetwork ? 3 : 6;
        for (var i = keep; i < bytes.Length; i++)
        {
            bytes[i] = 0;
        }
        return new IPAddress(bytes).ToString();
    }

    // JSON has no -Infinity: digital silence reads as -200 dBFS.
    private static double Level(double dbfs) => double.IsFinite(dbfs) ? Math.Round(Math.Max(dbfs, -200), 1) : -200;
}
