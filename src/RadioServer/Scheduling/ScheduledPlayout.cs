using Microsoft.Extensions.Options;
using RadioServer.Audio;
using RadioServer.Library;

namespace RadioServer.Scheduling;

/// <summary>
/// What plays next, by the schedule: the playlist of the show on air now, or automation between shows.
/// It also tells the air chain when the running track must end: at a hard boundary, or a soft one's
/// overrun limit, recomputed whenever a new schedule comes into force. Called on the audio thread only.
/// </summary>
internal sealed partial class ScheduledPlayout(
    ScheduleStore store, MediaLibrary library, DeadAirDetector deadAir, IOptions<DeadAirOptions> deadAirOptions, TimeProvider time, ILogger<ScheduledPlayout> logger) : IPlayoutSource
{
    private const string AutomationKey = "";
    private readonly PlaylistCursor? _emergency = deadAirOptions.Value.EmergencyPlaylist is { Length: > 0 } items
        ? new PlaylistCursor(new Playlist([.. items.Select(i => Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine(library.Root, i))))], PlaylistOrder.Sequential, [], 0), new Random())
        : null;
    private bool _currentIsEmergency;
    private readonly Dictionary<string, PlaylistCursor> _cursors = new(StringComparer.Ordinal);
    private readonly Random _random = new();
    private TrackInfo? _current;
    private DateTimeOffset _currentStarted;
    private TimeSpan? _currentCrossfade;
    private Schedule? _cutComputedFor;
    private DateTimeOffset? _cutAt;

    public TrackInfo? Next() => Choose(time.GetUtcNow());

    /// <summary>Chosen early for a crossfade: for the instant the current item ends, so a soft boundary's show follows it, not one more automation track.</summary>
    public TrackInfo? Next(DateTimeOffset currentEnds) => Choose(currentEnds > time.GetUtcNow() ? currentEnds : time.GetUtcNow());

    /// <summary>The show's (or automation's) <c>crossfade</c> for the item it chose last; null: the station's default.</summary>
    public TimeSpan? CrossfadeFor(TrackInfo track) => ReferenceEquals(track, _current) ? _currentCrossfade : null;

    private TrackInfo? Choose(DateTimeOffset now)
    {
        // Dead air: the emergency playlist, if one is set, until the level returns.
        if (_emergency is not null && deadAir.Active && _emergency.Next(library.Tracks) is { } rescue)
        {
            Log.EmergencyTrack(logger, rescue.Path);
            _current = rescue;
            _currentIsEmergency = true;
            _currentStarted = time.GetUtcNow();
            _currentCrossfade = null;
            _cutComputedFor = null;
            return rescue;
        }
        _currentIsEmergency = false;
        // A track cut for a boundary ends a fade's length before it: choose for the boundary, not for now,
        // or automation would start one more track half a second before the show.
        if (_current is not null && _cutAt is { } cut && ReferenceEquals(_cutComputedFor, store.Current) && now < cut && now >= cut - PlayoutSampleProvider.CutFade - PlayoutSampleProvider.BoundaryChoiceSlack)
        {
            now = cut;
        }
        var schedule = store.Current;
        var (slot, _) = schedule.At(now);
        var tracks = library.Tracks;
        var track = Cursor(slot?.Show.Id ?? AutomationKey, slot?.Show.Playlist ?? schedule.Automation).Next(tracks);
        var crossfade = slot is null ? schedule.AutomationCrossfade : slot.Show.Crossfade;
        if (track is null && slot is not null)
        {
            Log.ShowHasNothing(logger, slot.Show.Id);
            track = Cursor(AutomationKey, schedule.Automation).Next(tracks);
            crossfade = schedule.AutomationCrossfade;
        }
        _current = track;
        _currentCrossfade = crossfade;
        _currentStarted = now;
        _cutComputedFor = null;
        return track;
    }

    public void Failed(TrackInfo track) => library.MarkFailed(track);

    public DateTimeOffset? CutAt(TrackInfo track)
    {
        if (!ReferenceEquals(track, _current))
        {
            return null;
        }
        if (_emergency is not null && deadAir.Active && !_currentIsEmergency)
        {
            return time.GetUtcNow(); // the silent item gives way to the emergency playlist now
        }
        var schedule = store.Current;
        if (!ReferenceEquals(schedule, _cutComputedFor))
        {
            _cutAt = CutFor(schedule, _currentStarted);
            _cutComputedFor = schedule;
        }
        return _cutAt;
    }

    /// <summary>
    /// The first slot boundary after the track started decides: a show starting there uses its own mode;
    /// a show ending there (into automation) uses the ending show's mode.
    /// </summary>
    internal static DateTimeOffset? CutFor(Schedule schedule, DateTimeOffset started)
    {
        var occurrences = schedule.Occurrences(started.AddDays(-2), started.AddDays(2));
        (DateTimeOffset At, Show Show, bool Starting)? first = null;
        foreach (var o in occurrences)
        {
            if (o.StartUtc > started && (first is null || o.StartUtc < first.Value.At || (o.StartUtc == first.Value.At && !first.Value.Starting)))
            {
                first = (o.StartUtc, o.Show, true);
            }
            if (o.EndUtc > started && (first is null || o.EndUtc < first.Value.At))
            {
                first = (o.EndUtc, o.Show, false);
            }
        }
        if (first is not { } boundary)
        {
            return null;
        }
        return boundary.Show.Boundary == BoundaryMode.Hard ? boundary.At : boundary.At + boundary.Show.MaxOverrun;
    }

    private PlaylistCursor Cursor(string key, Playlist playlist)
    {
        if (!_cursors.TryGetValue(key, out var cursor) || cursor.Playlist != playlist)
        {
            cursor = new PlaylistCursor(playlist, _random);
            _cursors[key] = cursor;
        }
        return cursor;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Show {ShowId} is on air but none of its playlist's files can be played; automation fills in.", EventName = "ShowHasNothing")]
        public static partial void ShowHasNothing(ILogger logger, string showId);

        [LoggerMessage(2, LogLevel.Warning, "Dead air: playing {File} from the emergency playlist.", EventName = "EmergencyTrack")]
        public static partial void EmergencyTrack(ILogger logger, string file);
    }
}
