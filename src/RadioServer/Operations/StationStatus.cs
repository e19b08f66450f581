using System.Reflection;
using Microsoft.Extensions.Options;
using RadioServer.Audio;
using RadioServer.Hls;
using RadioServer.Library;
using RadioServer.Live;
using RadioServer.Scheduling;
using RadioServer.Station;
using RadioServer.Streaming;
using RadioServer.Streaming.Listeners;

namespace RadioServer.Operations;

/// <summary>
/// One <see cref="StatusReport"/> from every feature's own section (each feature's reporter builds it) plus
/// the server's and the history's; nothing is cached, so a report is always now.
/// </summary>
internal sealed class StationStatus(
    IOptions<RadioOptions> options,
    ScheduleReporter schedule,
    StreamingReporter streaming,
    AudioReporter audio,
    LibraryReporter library,
    LiveSources live,
    PlayHistory history,
    AlarmLog alarms,
    RadioServer.Backplane.RedisBackplane redis,
    TimeProvider time,
    RadioServer.Edges.EdgesReporter edges,
    HlsReporter hls)
{
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    public static string Version { get; } =
        typeof(StationStatus).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public DateTimeOffset StartedAt => _startedAt;

    /// <summary>The status now; its live section with the sources for hosts and operators, their addresses for operators only (the default: the operators' hub).</summary>
    public StatusReport Report(bool withLiveSources = true, bool withLiveAddresses = true)
    {
        var now = time.GetUtcNow();
        var (nowPlaying, listeners, mount) = streaming.Report(_startedAt);
        return new StatusReport(
            new ServerStatus(options.Value.StationName, Version, _startedAt, Math.Round((now - _startedAt).TotalSeconds, 3), now),
            schedule.OnAir(now),
            nowPlaying,
            audio.Encoder(),
            listeners,
            [mount],
            audio.DeadAir(),
            library.Status(),
            schedule.Status(),
            history.Status(),
            alarms.Recent(),
            live.Status(withLiveSources || withLiveAddresses, withLiveAddresses),
            audio.Loudness(),
            redis.Status(),
            edges.Status(),
            hls.Status());
    }
}
