using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using RadioServer.Audio.Decoding;
using RadioServer.Library;

namespace RadioServer.Scheduling;

/// <summary>
/// Reads schedule.json into a <see cref="Schedule"/>, reporting every error and warning in one pass
/// (as reverse-proxy's ConfigValidator does), each with its JSON path, line and column.
/// </summary>
internal sealed partial class ScheduleParser(string mediaRoot)
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        // Unknown properties are reported by CheckUnknownProperties, all of them, rather than thrown one at a time.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    private static readonly HashSet<string> s_knownPaths = BuildKnownPaths();

    private static readonly Dictionary<string, DayOfWeek> s_days = new(StringComparer.OrdinalIgnoreCase)
    {
        ["mon"] = DayOfWeek.Monday, ["monday"] = DayOfWeek.Monday,
        ["tue"] = DayOfWeek.Tuesday, ["tuesday"] = DayOfWeek.Tuesday,
        ["wed"] = DayOfWeek.Wednesday, ["wednesday"] = DayOfWeek.Wednesday,
        ["thu"] = DayOfWeek.Thursday, ["thursday"] = DayOfWeek.Thursday,
        ["fri"] = DayOfWeek.Friday, ["friday"] = DayOfWeek.Friday,
        ["sat"] = DayOfWeek.Saturday, ["saturday"] = DayOfWeek.Saturday,
        ["sun"] = DayOfWeek.Sunday, ["sunday"] = DayOfWeek.Sunday,
    };

    private readonly string _mediaRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(mediaRoot));
    private readonly List<ScheduleIssue> _errors = [];
    private readonly List<ScheduleIssue> _warnings = [];
    private JsonLineMap _lines = null!;

    public ScheduleParseResult Parse(string json)
    {
        _errors.Clear();
        _warnings.Clear();
        _moreErrors = 0;
        _moreWarnings = 0;
        _folderCounts.Clear();
        _slotsForOverlap.Clear();
        _showIndexes.Clear();
        _slotIndexes.Clear();
        // Editors on Windows save UTF-8 with a byte-order mark; File.ReadAllText drops it, a request body keeps it.
        if (json.StartsWith('\uFEFF'))
        {
            json = json[1..];
        }
        _lines = JsonLineMap.Build(json);
        ScheduleFile? file;
        try
        {
            file = JsonSerializer.Deserialize<ScheduleFile>(json, s_json);
        }
        catch (JsonException ex)
        {
            var message = ex.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0];
            return Fail(new ScheduleIssue(ex.Path?.TrimStart('$', '.') ?? "", (int?)ex.LineNumber + 1, (int?)ex.BytePositionInLine + 1, message));
        }
        if (file is null)
        {
            return Fail(new ScheduleIssue("", 1, 1, "The schedule is empty (null)."));
        }
        CheckUnknownProperties();

        TimeZoneInfo? zone = null;
        if (string.IsNullOrWhiteSpace(file.TimeZone))
        {
            Error("timeZone", "A time zone is required, as an IANA id such as \"Europe/Berlin\".");
        }
        else if (!TimeZoneInfo.TryFindSystemTimeZoneById(file.TimeZone, out zone))
        {
            Error("timeZone", $"Unknown time zone \"{file.TimeZone}\"; use an IANA id such as \"Europe/Berlin\".");
        }

        var automationCrossfade = ReadCrossfade(file.Automation?.Crossfade, "automation.crossfade");
        Playlist? automation = null;
        if (file.Automation?.Playlist is null)
        {
            Error("automation.playlist", "The automation playlist is required: it plays whenever no show is on.");
        }
        else
        {
            automation = ReadPlaylist(file.Automation.Playlist, "automation.playlist");
        }

        var shows = new List<Show>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var shelf = file.Shows ?? [];
        for (var i = 0; i < shelf.Count; i++)
        {
            if (ReadShow(shelf[i], i, ids) is { } show)
            {
                shows.Add(show);
            }
        }
        CheckOverlaps(_slotsForOverlap);
        if (_moreErrors > 0)
        {
            _errors.Add(new ScheduleIssue("", null, null, $"... and {_moreErrors} more errors (the first {MaxErrors} are listed)."));
        }
        if (_moreWarnings > 0)
        {
            _warnings.Add(new ScheduleIssue("", null, null, $"... and {_moreWarnings} more warnings (the first {MaxErrors} are listed)."));
        }

        if (_errors.Count > 0 || zone is null || automation is null)
        {
            return new ScheduleParseResult(null, [.. _errors], [.. _warnings]);
        }
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
        var schedule = new Schedule(zone, file.Automation?.Title?.Trim() is { Length: > 0 } t ? t : "Automation", automation, [.. shows], json, hash) { AutomationCrossfade = automationCrossfade };
        return new ScheduleParseResult(schedule, [], [.. _warnings]);
    }

    private Show? ReadShow(ShowFile? show, int index, HashSet<string> ids)
    {
        var path = $"shows[{index}]";
        if (show is null)
        {
            Error(path, "A show must be an object.");
            return null;
        }
        var errorsBefore = _errors.Count;
        if (string.IsNullOrWhiteSpace(show.Id) || !ShowId().IsMatch(show.Id))
        {
            Error($"{path}.id", "A show needs an id of lowercase letters, digits and dashes, such as \"morning-show\".");
        }
        else if (!ids.Add(show.Id))
        {
            Error($"{path}.id", $"The id \"{show.Id}\" is used by another show.");
        }
        if (string.IsNullOrWhiteSpace(show.Title))
        {
            Error($"{path}.title", "A show needs a title.");
        }
        var boundary = BoundaryMode.Hard;
        if (show.Boundary is not null && !TryParseName(show.Boundary, out boundary))
        {
            Error($"{path}.boundary", $"Boundary must be \"hard\" or \"soft\", not \"{show.Boundary}\".");
        }
        var overrun = show.MaxOverrunSeconds ?? 300;
        if (overrun is < 0 or > 3600)
        {
            Error($"{path}.maxOverrunSeconds", $"maxOverrunSeconds must be between 0 and 3600, not {overrun}.");
        }
        var crossfade = ReadCrossfade(show.Crossfade, $"{path}.crossfade");
        Playlist? playlist = null;
        if (show.Playlist is null)
        {
            Error($"{path}.playlist", "A show needs a playlist.");
        }
        else
        {
            playlist = ReadPlaylist(show.Playlist, $"{path}.playlist");
        }
        var weekly = new List<WeeklySlot>();
        var oneOffs = new List<OneOffSlot>();
        if (show.Slots is not { Count: > 0 })
        {
            Error($"{path}.slots", "A show needs at least one slot.");
        }
        else
        {
            for (var i = 0; i < show.Slots.Count; i++)
            {
                var (weeklyBefore, oneOffsBefore) = (weekly.Count, oneOffs.Count);
                ReadSlot(show.Slots[i], $"{path}.slots[{i}]", weekly, oneOffs);
                if (weekly.Count > weeklyBefore)
                {
                    _slotIndexes[(string.IsNullOrWhiteSpace(show.Id) ? $"#{index}" : show.Id, false, weekly.Count - 1)] = i;
                }
                else if (oneOffs.Count > oneOffsBefore)
                {
                    _slotIndexes[(string.IsNullOrWhiteSpace(show.Id) ? $"#{index}" : show.Id, true, oneOffs.Count - 1)] = i;
                }
            }
        }
        var live = ReadLive(show.Live, $"{path}.live");
        var hosts = (show.Hosts ?? []).Where(h => !string.IsNullOrWhiteSpace(h)).Select(h => h!.Trim()).ToImmutableArray();
        // Overlaps are checked for every show's valid slots, even a show with other errors: all reasons in one pass.
        var id = string.IsNullOrWhiteSpace(show.Id) ? $"#{index}" : show.Id;
        var compiled = new Show(id, show.Title?.Trim() ?? "", hosts, show.Description?.Trim() ?? "", boundary, TimeSpan.FromSeconds(overrun), playlist ?? EmptyPlaylist, [.. weekly], [.. oneOffs]) { Live = live, Crossfade = crossfade };
        _slotsForOverlap.Add(compiled);
        _showIndexes.TryAdd(id, index);
        return _errors.Count > errorsBefore || playlist is null ? null : compiled;
    }

    /// <summary>A <c>crossfade</c>: seconds from 0 to 20 (0 is none), or "off"; absent: the station's Radio:Sound:CrossfadeSeconds.</summary>
    private TimeSpan? ReadCrossfade(JsonElement? value, string path)
    {
        if (value is not { } element || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (element.ValueKind == JsonValueKind.String && string.Equals(element.GetString()?.Trim(), "off", StringComparison.OrdinalIgnoreCase))
        {
            return TimeSpan.Zero;
        }
        if (element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var seconds) && seconds is >= 0 and <= MaxCrossfadeSeconds)
        {
            return TimeSpan.FromSeconds(seconds);
        }
        var shown = element.ValueKind == JsonValueKind.String ? $"\"{element.GetString()}\"" : element.GetRawText();
        Error(path, $"crossfade must be a number of seconds from 0 to {MaxCrossfadeSeconds} or \"off\", not {(shown.Length > 40 ? shown[..40] + "..." : shown)}.");
        return null;
    }

    /// <summary>The longest crossfade a schedule may set (Radio:Sound:CrossfadeSeconds has the same range).</summary>
    internal const int MaxCrossfadeSeconds = 20;

    private LiveRules ReadLive(LiveFile? live, string path)
    {
        if (live is null)
        {
            return LiveRules.Default;
        }
        var early = live.EarlyMinutes ?? (int)LiveRules.Default.Early.TotalMinutes;
        if (early is < 0 or > 120)
        {
            Error($"{path}.earlyMinutes", $"earlyMinutes must be between 0 and 120, not {early}.");
        }
        var takeover = LiveRules.Default.Takeover;
        if (live.Takeover is not null && !TryParseName(live.Takeover, out takeover))
        {
            Error($"{path}.takeover", $"Takeover must be \"boundary\", \"trackEnd\" or \"immediate\", not \"{live.Takeover}\".");
        }
        if (live.GraceSeconds is { } grace && (grace < 0.5 || grace > 60 || double.IsNaN(grace)))
        {
            Error($"{path}.graceSeconds", $"graceSeconds must be between 0.5 and 60, not {grace}.");
        }
        var silence = live.SilenceFallbackSeconds ?? (int)LiveRules.Default.SilenceFallback.TotalSeconds;
        if (silence is < 5 or > 3600)
        {
            Error($"{path}.silenceFallbackSeconds", $"silenceFallbackSeconds must be between 5 and 3600, not {silence}.");
        }
        return new LiveRules(TimeSpan.FromMinutes(early), takeover, live.GraceSeconds is { } g ? TimeSpan.FromSeconds(g) : null, TimeSpan.FromSeconds(silence));
    }

    private void ReadSlot(SlotFile? slot, string path, List<WeeklySlot> weekly, List<OneOffSlot> oneOffs)
    {
        if (slot is null)
        {
            Error(path, "A slot must be an object.");
            return;
        }
        var start = ReadTime(slot.Start, $"{path}.start", allowMidnightEnd: false)?.Time;
        var end = ReadTime(slot.End, $"{path}.end", allowMidnightEnd: true);
        if (start is { } s && end is { } e && s == e.Time && !e.Midnight)
        {
            Error($"{path}.end", $"The slot ends when it starts ({slot.Start}); a slot must last at least a minute.");
        }
        if (slot.Date is not null && slot.Days is not null)
        {
            Error(path, "A slot has either \"days\" (weekly) or \"date\" (one-off), not both.");
            return;
        }
        if (slot.Date is not null)
        {
            var date = ReadDate(slot.Date, $"{path}.date");
            if (slot.From is not null || slot.Until is not null)
            {
                Error(path, "\"from\" and \"until\" belong to weekly slots; a one-off slot has only a \"date\".");
            }
            if (date is { } d && start is { } st && end is { } en)
            {
                oneOffs.Add(new OneOffSlot(d, st, en.Time, en.Midnight));
            }
            return;
        }
        if (slot.Days is not { Count: > 0 })
        {
            Error(path, "A slot needs \"days\" (e.g. [\"mon\", \"fri\"]) or a \"date\" (e.g. \"2026-12-24\").");
            return;
        }
        var days = new List<DayOfWeek>();
        var allDaysKnown = true;
        for (var i = 0; i < slot.Days.Count; i++)
        {
            if (slot.Days[i] is { } name && s_days.TryGetValue(name.Trim(), out var day))
            {
                if (!days.Contains(day))
                {
                    days.Add(day);
                }
            }
            else
            {
                allDaysKnown = false;
                Error($"{path}.days[{i}]", $"Unknown day \"{slot.Days[i]}\"; use mon, tue, wed, thu, fri, sat or sun.");
            }
        }
        var from = slot.From is null ? null : ReadDate(slot.From, $"{path}.from");
        var until = slot.Until is null ? null : ReadDate(slot.Until, $"{path}.until");
        if (from is { } f && until is { } u && f > u)
        {
            Error($"{path}.until", $"The slot's range ends ({slot.Until}) before it starts ({slot.From}).");
        }
        // Every day known, whether or not one is named twice ("mon", "monday"): counting the distinct days against the
        // names dropped such a slot without a word.
        if (start is { } st2 && end is { } en2 && allDaysKnown)
        {
            weekly.Add(new WeeklySlot([.. days], st2, en2.Time, en2.Midnight, from, until));
        }
    }

    private Playlist? ReadPlaylist(PlaylistFile playlist, string path)
    {
        var errorsBefore = _errors.Count;
        var items = ReadItems(playlist.Items, $"{path}.items", out var files);
        if (items.IsDefaultOrEmpty && _errors.Count == errorsBefore)
        {
            Error($"{path}.items", "The playlist is empty: list at least one file or folder of the media library.");
        }
        else if (files == 0 && _errors.Count == errorsBefore)
        {
            Error($"{path}.items", "The playlist has no playable file (.mp3, .wav, .aif, .aiff) in any of its items.");
        }
        var order = PlaylistOrder.Sequential;
        if (playlist.Order is not null && !TryParseName(playlist.Order, out order))
        {
            Error($"{path}.order", $"Order must be \"sequential\" or \"shuffle\", not \"{playlist.Order}\".");
        }
        ImmutableArray<string> jingles = [];
        var every = 0;
        if (playlist.Jingle is { } jingle)
        {
            jingles = ReadItems(jingle.Items, $"{path}.jingle.items", out var jingleFiles);
            if (jingles.IsDefaultOrEmpty || jingleFiles == 0)
            {
                Error($"{path}.jingle.items", "A jingle needs at least one playable file or folder.");
            }
            every = jingle.EveryTracks ?? 0;
            if (every is < 1 or > 100)
            {
                Error($"{path}.jingle.everyTracks", "everyTracks must be between 1 and 100.");
            }
        }
        return _errors.Count > errorsBefore ? null : new Playlist(items, order, jingles.IsDefault ? [] : jingles, every);
    }

    private ImmutableArray<string> ReadItems(List<string?>? items, string path, out int playableFiles)
    {
        playableFiles = 0;
        if (items is null)
        {
            return [];
        }
        var result = ImmutableArray.CreateBuilder<string>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var itemPath = $"{path}[{i}]";
            if (string.IsNullOrWhiteSpace(item))
            {
                Error(itemPath, "An empty item; name a file or folder relative to the media folder.");
                continue;
            }
            if (item.Any(char.IsControl))
            {
                Error(itemPath, "The item contains a control character (such as \\u0000); name a file or folder relative to the media folder.");
                continue;
            }
            if (Path.IsPathRooted(item))
            {
                Error(itemPath, $"\"{item}\" is an absolute path; items are relative to the media folder.");
                continue;
            }
            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine(_mediaRoot, item)));
            if (full != _mediaRoot && !full.StartsWith(_mediaRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                Error(itemPath, $"\"{item}\" is outside the media folder.");
                continue;
            }
            if (File.Exists(full))
            {
                if (!TrackDecoder.IsSupported(full))
                {
                    Error(itemPath, $"\"{item}\" is not an audio file the station plays (.mp3, .wav, .aif, .aiff).");
                    continue;
                }
                playableFiles++;
            }
            else if (Directory.Exists(full))
            {
                // Each folder listed once per document, however many items name it (100,000 "." items listed the
                // whole media folder 100,000 times).
                if (!_folderCounts.TryGetValue(full, out var count))
                {
                    count = _folderCounts[full] = MediaFiles.Enumerate(full).Count(TrackDecoder.IsSupported);
                }
                if (count == 0)
                {
                    Warning(itemPath, $"The folder \"{item}\" has no audio files yet.");
                }
                playableFiles += count;
            }
            else
            {
                Error(itemPath, $"\"{item}\" does not exist in the media folder.");
                continue;
            }
            result.Add(full);
        }
        return result.ToImmutable();
    }

    private (TimeOnly Time, bool Midnight)? ReadTime(string? text, string path, bool allowMidnightEnd)
    {
        if (text is null)
        {
            Error(path, "A time is required, as \"HH:mm\" (e.g. \"07:00\").");
            return null;
        }
        if (allowMidnightEnd && text == "24:00")
        {
            return (TimeOnly.MinValue, true);
        }
        if (!ClockTime().IsMatch(text) || !TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            Error(path, $"\"{text}\" is not a time of day; use \"HH:mm\" from 00:00 to 23:59{(allowMidnightEnd ? " (or 24:00 for midnight)" : "")}.");
            return null;
        }
        return (time, false);
    }

    private DateOnly? ReadDate(string text, string path)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }
        Error(path, $"\"{text}\" is not a date; use \"yyyy-MM-dd\" (e.g. \"2026-12-24\").");
        return null;
    }

    /// <summary>Weekly slots of all shows, compared minute by minute of the week where their date ranges meet; one-offs against each other.</summary>
    private void CheckOverlaps(List<Show> shows)
    {
        const int week = 7 * 1440;
        var spans = new List<(Show Show, int Slot, WeeklySlot Weekly, int From, int To)>();
        foreach (var show in shows)
        {
            for (var i = 0; i < show.Weekly.Length; i++)
            {
                var slot = show.Weekly[i];
                var start = (slot.Start.Hour * 60) + slot.Start.Minute;
                var end = slot.EndsAtMidnight ? 1440 : (slot.End.Hour * 60) + slot.End.Minute;
                var length = end > start ? end - start : 1440 - start + end;
                foreach (var day in slot.Days)
                {
                    var from = (((int)day + 6) % 7 * 1440) + start; // Monday-based minute of the week
                    spans.Add((show, i, slot, from, from + length));
                    if (from + length > week)
                    {
                        spans.Add((show, i, slot, from - week, from + length - week));
                    }
                }
            }
        }
        // A sweep over the week in start order (O(n log n) for the sort): each slot is reported once, naming the
        // first earlier-starting slot it overlaps. Comparing every pair reported n(n-1)/2 errors for n copies
        // of one slot (2,400 copies: a 397 MB answer). Of the slots on air at a minute, one whose date range meets
        // this one's is found in the ActiveRanges tree: looking through them one by one took seconds for thousands
        // of slots at one time in separate seasons (none overlapping, each compared with all the others).
        spans.Sort((p, q) => p.From.CompareTo(q.From));
        var active = new PriorityQueue<int, int>(); // indexes into spans, by end
        var ranges = new ActiveRanges(spans.Select(s => FirstDay(s.Weekly)));
        var reported = new HashSet<(string, int)>();
        for (var j = 0; j < spans.Count; j++)
        {
            var y = spans[j];
            while (active.TryPeek(out var ended, out var end) && end <= y.From)
            {
                active.Dequeue();
                ranges.Remove(FirstDay(spans[ended].Weekly), LastDay(spans[ended].Weekly), ended);
            }
            if (!reported.Contains((y.Show.Id, y.Slot)))
            {
                var (lastDay, meeting) = ranges.LatestLastDay(LastDay(y.Weekly));
                var candidates = meeting < 0 || lastDay < FirstDay(y.Weekly) ? []
                    : !ReferenceEquals(spans[meeting].Weekly, y.Weekly) ? [meeting]
                    : active.UnorderedItems.Select(a => a.Element); // its own other span: look at them all (a slot cannot meet itself)
                foreach (var i in candidates)
                {
                    var x = spans[i];
                    if (!ReferenceEquals(x.Weekly, y.Weekly) && RangesMeet(x.Weekly, y.Weekly))
                    {
                        reported.Add((y.Show.Id, y.Slot));
                        var day = (DayOfWeek)(((y.From / 1440) + 1 + 7) % 7);
                        Error(SlotPath(shows, y.Show, y.Slot), $"Overlaps slot {FileSlot(x.Show, x.Slot)} of show \"{x.Show.Id}\" on {day} ({x.Weekly.Start:HH\\:mm}-{End(x.Weekly)} and {y.Weekly.Start:HH\\:mm}-{End(y.Weekly)}).");
                        break;
                    }
                }
            }
            active.Enqueue(j, y.To);
            ranges.Add(FirstDay(y.Weekly), LastDay(y.Weekly), j);
        }
        var oneOffs = shows.SelectMany(s => s.OneOffs.Select((o, i) => (Show: s, Index: i, Start: o.Date.ToDateTime(o.Start), End: (o.EndsAtMidnight || o.End <= o.Start ? o.Date.AddDays(1) : o.Date).ToDateTime(o.EndsAtMidnight ? TimeOnly.MinValue : o.End))))
            .OrderBy(o => o.Start).ToList();
        var open = new PriorityQueue<(Show Show, int Index, DateTime Start, DateTime End), DateTime>(); // by end
        foreach (var b in oneOffs)
        {
            while (open.TryPeek(out _, out var end) && end <= b.Start)
            {
                open.Dequeue();
            }
            if (open.TryPeek(out var a, out _))
            {
                Error(SlotPath(shows, b.Show, b.Index, oneOff: true), $"Overlaps the one-off slot of show \"{a.Show.Id}\" on {a.Start:yyyy-MM-dd}.");
            }
            open.Enqueue(b, b.End);
        }
    }

    private void CheckUnknownProperties()
    {
        foreach (var path in _lines.Paths)
        {
            if (path.Length > 0 && !s_knownPaths.Contains(ArrayIndex().Replace(path, "[]")))
            {
                var name = path[(Math.Max(path.LastIndexOf('.'), path.LastIndexOf(']')) + 1)..];
                Error(path, $"Unknown property \"{name.TrimStart('.')}\" (see docs/schedule.md for the format).");
            }
        }
    }

    private static HashSet<string> BuildKnownPaths()
    {
        string[] playlist = ["", ".items", ".items[]", ".order", ".jingle", ".jingle.items", ".jingle.items[]", ".jingle.everyTracks"];
        string[] slot = ["", ".days", ".days[]", ".start", ".end", ".date", ".from", ".until"];
        string[] show = ["", ".id", ".title", ".hosts", ".hosts[]", ".description", ".boundary", ".maxOverrunSeconds", ".crossfade", ".slots", ".live", ".live.earlyMinutes", ".live.takeover", ".live.graceSeconds", ".live.silenceFallbackSeconds"];
        var known = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "$schema", "timeZone", "automation", "automation.title", "automation.crossfade", "shows" };
        known.UnionWith(playlist.Select(p => "automation.playlist" + p));
        known.UnionWith(show.Select(p => "shows[]" + p));
        known.UnionWith(playlist.Select(p => "shows[].playlist" + p));
        known.UnionWith(slot.Select(p => "shows[].slots[]" + p));
        return known;
    }

    /// <summary>One of the enum's names, in any case: Enum.TryParse alone also took numbers ("2", "01") and lists ("hard,soft").</summary>
    private static bool TryParseName<T>(string text, out T value) where T : struct, Enum
    {
        value = default;
        var name = Enum.GetNames<T>().FirstOrDefault(n => n.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase));
        return name is not null && Enum.TryParse(name, out value);
    }

    private static int FirstDay(WeeklySlot slot) => slot.From?.DayNumber ?? int.MinValue;

    private static int LastDay(WeeklySlot slot) => slot.Until?.DayNumber ?? int.MaxValue;

    /// <summary>
    /// The date ranges (first and last day) of the weekly spans on air at one point of the sweep: a segment tree over
    /// the first days, each node holding the latest last day below it, so the one with the latest last day among those
    /// that start by a given day is found in O(log n). Two ranges meet when each starts by the other's last day.
    /// </summary>
    private sealed class ActiveRanges
    {
        private static readonly (int LastDay, int Span) s_none = (int.MinValue, -1);
        private readonly int[] _firstDays;
        private readonly SortedSet<(int LastDay, int Span)>?[] _leaves;
        private readonly (int LastDay, int Span)[] _latest;
        private readonly int _size;

        public ActiveRanges(IEnumerable<int> firstDays)
        {
            _firstDays = [.. firstDays.Distinct().Order()];
            _size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, _firstDays.Length));
            _leaves = new SortedSet<(int, int)>?[_size];
            _latest = new (int, int)[2 * _size];
            Array.Fill(_latest, s_none);
        }

        public void Add(int firstDay, int lastDay, int span)
        {
            var leaf = Array.BinarySearch(_firstDays, firstDay);
            (_leaves[leaf] ??= []).Add((lastDay, span));
            Update(leaf);
        }

        public void Remove(int firstDay, int lastDay, int span)
        {
            var leaf = Array.BinarySearch(_firstDays, firstDay);
            _leaves[leaf]!.Remove((lastDay, span));
            Update(leaf);
        }

        /// <summary>Of the ranges that start by <paramref name="day"/>, the latest last day and its span (-1: none).</summary>
        public (int LastDay, int Span) LatestLastDay(int day)
        {
            var count = UpperBound(day); // leaves [0, count) start by the day
            var latest = s_none;
            for (int lo = _size, hi = _size + count; lo < hi; lo /= 2, hi /= 2)
            {
                if ((lo & 1) == 1)
                {
                    latest = Max(latest, _latest[lo++]);
                }
                if ((hi & 1) == 1)
                {
                    latest = Max(latest, _latest[--hi]);
                }
            }
            return latest;
        }

        private void Update(int leaf)
        {
            var node = _size + leaf;
            _latest[node] = _leaves[leaf] is { Count: > 0 } set ? set.Max : s_none;
            for (node /= 2; node > 0; node /= 2)
            {
                _latest[node] = Max(_latest[2 * node], _latest[(2 * node) + 1]);
            }
        }

        private int UpperBound(int day)
        {
            var index = Array.BinarySearch(_firstDays, day);
            return index >= 0 ? index + 1 : ~index;
        }

        private static (int LastDay, int Span) Max((int LastDay, int Span) a, (int LastDay, int Span) b) => a.LastDay >= b.LastDay ? a : b;
    }

    private static bool RangesMeet(WeeklySlot x, WeeklySlot y) =>
        (x.Until is null || y.From is null || x.Until >= y.From) && (y.Until is null || x.From is null || y.Until >= x.From);

    private static string End(WeeklySlot slot) => slot.EndsAtMidnight ? "24:00" : slot.End.ToString("HH\\:mm", CultureInfo.InvariantCulture);

    // Slot indexes in the compiled show count weekly and one-off slots separately; map back to the file's index by order.
    private string SlotPath(List<Show> shows, Show show, int index, bool oneOff = false)
    {
        var showIndex = _showIndexes.TryGetValue(show.Id, out var si) ? si : shows.IndexOf(show);
        return $"shows[{showIndex}].slots[{FileSlot(show, index, oneOff)}]";
    }

    private static readonly Playlist EmptyPlaylist = new([], PlaylistOrder.Sequential, [], 0);
    private readonly List<Show> _slotsForOverlap = [];

    /// <summary>Errors (and warnings) listed in full; a host fixes these first, and an answer stays small (see Error).</summary>
    internal const int MaxErrors = 100;

    private int _moreErrors;
    private int _moreWarnings;
    private readonly Dictionary<string, int> _folderCounts = new(StringComparer.Ordinal);
    private int FileSlot(Show show, int index, bool oneOff = false) =>
        _slotIndexes.TryGetValue((show.Id, oneOff, index), out var fileIndex) ? fileIndex : index;

    private readonly Dictionary<string, int> _showIndexes = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, bool, int), int> _slotIndexes = [];

    private ScheduleParseResult Fail(ScheduleIssue issue) => new(null, [issue], []);

    private void Error(string path, string message)
    {
        // Bounded output whatever the document: the first errors in full, then only a count.
        if (_errors.Count >= MaxErrors)
        {
            _moreErrors++;
            return;
        }
        var (line, column) = _lines.Find(path);
        _errors.Add(new ScheduleIssue(path, line, column, message));
    }

    private void Warning(string path, string message)
    {
        if (_warnings.Count >= MaxErrors)
        {
            _moreWarnings++;
            return;
        }
        var (line, column) = _lines.Find(path);
        _warnings.Add(new ScheduleIssue(path, line, column, message));
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex ShowId();

    [GeneratedRegex(@"\[\d+\]")]
    private static partial Regex ArrayIndex();

    [GeneratedRegex(@"^([01]\d|2[0-3]):[0-5]\d$")]
    private static partial Regex ClockTime();
}
