using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using RadioServer.Scheduling;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Properties;

/// <summary>
/// <see cref="ScheduleParser"/>, which reads what hosts write (schedule.json on disk, PUT and POST /api/schedule/validate):
/// valid schedules come back as written; anything else gives a bounded list of errors, each with its line, and
/// never an exception; the work stays bounded however many slots a document repeats.
/// </summary>
public sealed partial class ScheduleParserProperties : IDisposable
{
    private const int Week = 7 * 1440;

    /// <summary>
    /// What a parse may allocate per character of the document: about 40-70 bytes are used today (the document as
    /// UTF-8, the serializer's objects, the line map, the schedule). Before the sweep, 2,400 copies of a slot (113 KB)
    /// left the process holding 1.27 GB (issue 12): some 11,000 bytes a character.
    /// </summary>
    private const long MemoryPerChar = 200;

    private static readonly string[][] s_dayNames =
    [
        ["mon", "Monday", "MON"], ["tue", "tuesday", "Tue"], ["wed", "Wednesday", "WED"], ["thu", "thursday", "Thu"],
        ["fri", "FRIDAY", "fri"], ["sat", "Saturday", "sat"], ["sun", "sunday", "SUN"],
    ];

    /// <summary>Playlist items as a host may write them, with the folder-relative path each names.</summary>
    private static readonly (string Item, string Relative)[] s_items =
    [
        ("a.wav", "a.wav"), (".", ""), ("music", "music"), ("music/b.wav", "music/b.wav"), ("./a.wav", "a.wav"), ("music/../a.wav", "a.wav"), ("music/", "music"),
    ];

    private static readonly string[] s_zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Lord_Howe"];

    private readonly TempFolder _folder = new();

    public ScheduleParserProperties()
    {
        TestAudio.WriteToneWav(_folder.File("a.wav"), 440, 0.1);
        Directory.CreateDirectory(_folder.File("music"));
        TestAudio.WriteToneWav(_folder.File("music/b.wav"), 550, 0.1);
        Directory.CreateDirectory(_folder.File("empty"));
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>Text a host may put in a title, hosts or a description: any characters (JSON escapes what it must), none blank at the ends.</summary>
    private static readonly Gen<string> s_text = Gen.Frequency(
        (4, Gen.String[Gen.Char[' ', '~'], 1, 30]),
        (1, Gen.String[Gen.Char.Where(c => !char.IsSurrogate(c)), 1, 30]),
        (1, Gen.OneOf("Don't \"Stop\"", "a\\b", "</script>", "\u00e9t\u00e9 \uD83C\uDFB5", "\u0000\u001f\u007f", "line\nbreak", "{\"x\": 1}")))
        .Select(t => t.Trim() is { Length: > 0 } trimmed ? trimmed : "x");

    private static readonly Gen<PlaylistModel> s_playlist =
        from items in Gen.Int[0, s_items.Length - 1].Array[1, 4]
        from order in Gen.OneOf(null, "sequential", "shuffle", "Shuffle", "SEQUENTIAL")
        from jingle in Gen.Frequency((3, Gen.Const(((int[], int)?)null)), (1, Gen.Int[0, s_items.Length - 1].Array[1, 2].Select(Gen.Int[1, 100], (j, n) => ((int[], int)?)(j, n))))
        select new PlaylistModel([.. items.Select(i => s_items[i])], order, jingle is { } jj ? [.. jj.Item1.Select(i => s_items[i])] : null, jingle?.Item2);

    /// <summary>A weekly slot (some on a day named twice, as "mon" and "Monday") or a one-off, not yet checked for overlaps.</summary>
    private static readonly Gen<SlotModel> s_slot = Gen.Frequency(
        (4,
            from days in Gen.Int[0, 6].Array[1, 4]
            from spelling in Gen.Int[0, 2].Array[days.Length]
            from start in Gen.Int[0, 1439]
            from length in Gen.Int[1, 600]
            from midnightAs24 in Gen.Bool
            from range in Gen.Frequency((3, Gen.Const(((DateOnly, int)?)null)), (1, Gen.DateOnly[new DateOnly(2020, 1, 1), new DateOnly(2030, 1, 1)].Select(Gen.Int[0, 400], (f, d) => ((DateOnly, int)?)(f, d))))
            select new SlotModel([.. days.Select((d, i) => s_dayNames[d][spelling[i]])], [.. days.Distinct().Order()], start, length, midnightAs24,
                range?.Item1, range is { } r ? r.Item1.AddDays(r.Item2) : null, null)),
        (1,
            from date in Gen.DateOnly[new DateOnly(2020, 1, 1), new DateOnly(2030, 1, 1)]
            from start in Gen.Int[0, 1438]
            from end in Gen.Int[1, 1440]
            from midnightAs24 in Gen.Bool
            let s = Math.Min(start, end - 1)
            select new SlotModel([], [], s, end - s, midnightAs24 || end - s == 1440, null, null, date)));

    private static readonly Gen<ShowModel> s_show =
        from suffix in Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-"], 0, 10]
        from title in s_text
        from hosts in s_text.Array[0, 3]
        from description in Gen.Frequency((1, Gen.Const((string?)null)), (2, s_text.Select(t => (string?)t)))
        from boundary in Gen.OneOf(null, "hard", "soft", "Soft", "HARD")
        from overrun in Gen.Frequency((1, Gen.Const((int?)null)), (2, Gen.Int[0, 3600].Select(i => (int?)i)))
        from playlist in s_playlist
        from slots in s_slot.Array[1, 6]
        select new ShowModel(suffix, title, hosts, description, boundary, overrun, playlist, slots);

    /// <summary>A valid schedule: the shows' slots kept only where they meet no earlier one (weekly by minute of the week, one-offs by date).</summary>
    private static readonly Gen<ScheduleModel> s_schedule =
        from zone in Gen.OneOf(s_zones)
        from title in Gen.Frequency((1, Gen.Const((string?)null)), (2, s_text.Select(t => (string?)t)))
        from automation in s_playlist
        from shows in s_show.Array[0, 8]
        from indented in Gen.Bool
        select ScheduleModel.WithoutOverlaps(zone, title, automation, shows, indented);

    [Fact]
    public void ValidSchedule_IsParsedAsWritten()
    {
        Property.Run(s_schedule, model =>
        {
            var result = Parse(model.Json());
            Assert.True(result.IsValid, string.Join("\n", result.Errors));
            var schedule = result.Schedule!;
            Assert.Equal(model.Zone, schedule.Zone.Id);
            Assert.Equal(model.AutomationTitle ?? "Automation", schedule.AutomationTitle);
            AssertPlaylist(model.Automation, schedule.Automation);
            Assert.Equal(model.Shows.Select(s => s.Id), schedule.Shows.Select(s => s.Id));
            foreach (var (expected, show) in model.Shows.Zip(schedule.Shows))
            {
                Assert.Equal(expected.Title, show.Title);
                Assert.Equal(expected.Hosts, show.Hosts);
                Assert.Equal(expected.Description ?? "", show.Description);
                Assert.Equal(expected.Boundary?.ToLowerInvariant() == "soft" ? BoundaryMode.Soft : BoundaryMode.Hard, show.Boundary);
                Assert.Equal(TimeSpan.FromSeconds(expected.MaxOverrunSeconds ?? 300), show.MaxOverrun);
                AssertPlaylist(expected.Playlist, show.Playlist);
                var weekly = expected.Slots.Where(s => s.Date is null).ToList();
                Assert.Equal(weekly.Count, show.Weekly.Length);
                foreach (var (slot, parsed) in weekly.Zip(show.Weekly))
                {
                    Assert.Equal(slot.Days.Select(d => (DayOfWeek)((d + 1) % 7)).Order(), parsed.Days.Order());
                    AssertTimes(slot, parsed.Start, parsed.End, parsed.EndsAtMidnight);
                    Assert.Equal(slot.From, parsed.From);
                    Assert.Equal(slot.Until, parsed.Until);
                }
                var oneOffs = expected.Slots.Where(s => s.Date is not null).ToList();
                Assert.Equal(oneOffs.Count, show.OneOffs.Length);
                foreach (var (slot, parsed) in oneOffs.Zip(show.OneOffs))
                {
                    Assert.Equal(slot.Date, parsed.Date);
                    AssertTimes(slot, parsed.Start, parsed.End, parsed.EndsAtMidnight);
                }
            }
        }, seed: "scheduleRtp1", iter: 200, print: m => m.Json());
    }

    [Fact]
    public void MutatedSchedule_NeverThrows_AndGivesAScheduleOrABoundedListOfErrorsWithLines()
    {
        var mutated = Gen.Frequency((3, s_schedule.SelectMany(MutatedText)), (2, s_schedule.SelectMany(MutatedTree)));
        Property.Run(mutated, json =>
        {
            var result = Parse(json);
            AssertBounded(result);
            if (result.Schedule is { } schedule)
            {
                // Accepted: only what the format allows.
                Assert.All(schedule.Shows, s =>
                {
                    Assert.True(Enum.IsDefined(s.Boundary), $"boundary {s.Boundary}");
                    Assert.InRange(s.MaxOverrun, TimeSpan.Zero, TimeSpan.FromHours(1));
                    Assert.True(s.Weekly.Length + s.OneOffs.Length > 0, $"show {s.Id} has no slot");
                });
                Assert.All(schedule.Shows.Select(s => s.Playlist).Append(schedule.Automation), p => Assert.True(Enum.IsDefined(p.Order), $"order {p.Order}"));
            }
        }, seed: "scheduleMut1", iter: 400, print: Property.Escape);
    }

    [Fact]
    public void BoundaryAndOrder_TakeTheDocumentedNamesInAnyCase_AndNothingElse()
    {
        // docs/schedule.md: boundary "hard" or "soft", order "sequential" or "shuffle" (upper or lower case).
        string[] names = ["hard", "soft", "sequential", "shuffle"];
        var value = Gen.Frequency(
            (3, Gen.OneOf(names).SelectMany(n => Gen.Bool.Array[n.Length].Select(upper => string.Concat(n.Select((c, i) => upper[i] ? char.ToUpperInvariant(c) : c))))),
            (1, Gen.OneOf(names).Select(Gen.OneOf(" ", "\t", "  "), (n, space) => space + n + space)),
            (2, Gen.OneOf("0", "1", "2", "-1", "01", "+1", "1.0", "0x1", "hard,soft", "soft, hard", "sequential,shuffle", "", " ", "hardsoft", "har d", "hard\u0000")),
            (1, Gen.String[Gen.Char['!', '~'], 0, 10]));
        var gen = s_schedule.Where(m => m.Shows.Length > 0).Select(value, Gen.Bool, (model, text, isBoundary) => (model, text, isBoundary));
        Property.Run(gen, input =>
        {
            var (model, text, isBoundary) = input;
            var show = model.Shows[0] with
            {
                Boundary = isBoundary ? text : null,
                Playlist = model.Shows[0].Playlist with { Order = isBoundary ? null : text },
            };
            var result = Parse((model with { Shows = [show, .. model.Shows[1..]] }).Json());
            var documented = (isBoundary ? names[..2] : names[2..]).FirstOrDefault(n => n.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase));
            Assert.Equal(documented is not null, result.IsValid);
            if (documented is not null)
            {
                var parsed = result.Schedule!.Shows[0];
                Assert.Equal(documented, isBoundary ? parsed.Boundary.ToString().ToLowerInvariant() : parsed.Playlist.Order.ToString().ToLowerInvariant());
            }
            else
            {
                Assert.Contains(result.Errors, e => e.Path == (isBoundary ? "shows[0].boundary" : "shows[0].playlist.order"));
            }
        }, seed: "scheduleEnu1", iter: 200, print: i => $"{(i.isBoundary ? "boundary" : "order")}: {Property.Escape(i.text)}");
    }

    [Fact]
    public void ThousandsOfCopiesOfOneSlot_ParseInBoundedTimeAndMemory_WithACountedList()
    {
        // One show with n copies of one weekly slot: each copy overlaps another, listed up to MaxErrors and then counted.
        // Each copy is reported once, naming an earlier-starting one: n - 1 of them, or all n when the slot has several
        // days and a different copy comes first on each.
        var gen = Gen.Int[1000, 5000].Select(s_slot.Where(s => s.Date is null), (n, slot) => (n, slot));
        Property.Run(gen, input =>
        {
            var (n, slot) = input;
            var show = new ShowModel("copies", "Copies", [], null, null, null, new PlaylistModel([("a.wav", "a.wav")], null, null, null), [.. Enumerable.Repeat(slot, n)]);
            var json = new ScheduleModel("UTC", null, new PlaylistModel([(".", "")], null, null, null), [show], Indented: false).Json();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            var result = Parse(json);
            watch.Stop();
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            AssertBounded(result);
            Assert.Equal(ScheduleParser.MaxErrors + 1, result.Errors.Count);
            Assert.All(result.Errors.Take(ScheduleParser.MaxErrors), e => Assert.StartsWith("Overlaps slot", e.Message, StringComparison.Ordinal));
            var more = int.Parse(MoreErrors().Match(result.Errors[^1].Message).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(ScheduleParser.MaxErrors + more, n - 1, slot.Days.Length == 1 ? n - 1 : n);
            // A bound for quadratic work (minutes), wide enough for a loaded CI machine; speed itself is measured in bench/.
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"{n} slots ({json.Length} bytes) took {watch.Elapsed.TotalMilliseconds:0} ms");
            Assert.True(allocated < MemoryPerChar * json.Length, $"{n} slots ({json.Length} bytes) allocated {allocated:N0} bytes");
        }, seed: "scheduleDup1", iter: 3, print: i => $"{i.n} x {i.slot.Json().ToJsonString()}", shrinkIter: 0);
    }

    [Fact]
    public void ThousandsOfSlotsAtOneTimeInSeparateSeasons_ParseInBoundedTimeAndMemory()
    {
        // n slots at the same weekly time, each in a date range of its own: no two overlap, so the schedule is
        // valid, but each one meets every other at the same minute of the week.
        var gen = Gen.Int[2000, 6000].Select(Gen.Int[0, 6].Array[1, 7], Gen.Int[0, 1380], (n, days, start) => (n, days, start));
        Property.Run(gen, input =>
        {
            var (n, days, start) = input;
            var first = new DateOnly(2000, 1, 1);
            var slots = Enumerable.Range(0, n).Select(i => new SlotModel([.. days.Distinct().Select(d => s_dayNames[d][0])], [.. days.Distinct().Order()], start, 60, false,
                first.AddDays(2 * i), first.AddDays((2 * i) + 1), null)).ToArray();
            var show = new ShowModel("seasons", "Seasons", [], null, null, null, new PlaylistModel([("a.wav", "a.wav")], null, null, null), slots);
            var json = new ScheduleModel("UTC", null, new PlaylistModel([(".", "")], null, null, null), [show], Indented: false).Json();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            var result = Parse(json);
            watch.Stop();
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            Assert.True(result.IsValid, string.Join("\n", result.Errors.Take(5)));
            Assert.Equal(n, result.Schedule!.Shows.Single().Weekly.Length);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"{n} slots on {days.Distinct().Count()} days ({json.Length} bytes) took {watch.Elapsed.TotalMilliseconds:0} ms");
            Assert.True(allocated < MemoryPerChar * json.Length, $"{n} slots ({json.Length} bytes) allocated {allocated:N0} bytes");
        }, seed: "scheduleSea1", iter: 3, print: i => $"{i.n} slots on days {string.Join(",", i.days)} at minute {i.start}", shrinkIter: 0);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\.\.\. and ([1-9][0-9]*) more errors \(the first 100 are listed\)\.$")]
    private static partial System.Text.RegularExpressions.Regex MoreErrors();

    private ScheduleParseResult Parse(string json) => new ScheduleParser(_folder.Media).Parse(json);

    /// <summary>Either a schedule and no error, or errors and no schedule; at most MaxErrors listed, then one "and N more"; each listed one has a line and column.</summary>
    private static void AssertBounded(ScheduleParseResult result)
    {
        Assert.True(result.Schedule is null == result.Errors.Count > 0, $"schedule {(result.Schedule is null ? "null" : "given")} with {result.Errors.Count} errors");
        Assert.InRange(result.Errors.Count, 0, ScheduleParser.MaxErrors + 1);
        var listed = result.Errors.Count == ScheduleParser.MaxErrors + 1 ? result.Errors.Take(ScheduleParser.MaxErrors) : result.Errors;
        if (result.Errors.Count == ScheduleParser.MaxErrors + 1)
        {
            Assert.Matches(MoreErrors(), result.Errors[^1].Message);
        }
        Assert.All(listed, e =>
        {
            Assert.True(e.Line >= 1 && e.Column >= 1, $"no line and column: {e}");
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        });
    }

    private void AssertPlaylist(PlaylistModel expected, Playlist playlist)
    {
        Assert.Equal(expected.Items.Select(i => Full(i.Relative)), playlist.Items);
        Assert.Equal(expected.Order?.ToLowerInvariant() == "shuffle" ? PlaylistOrder.Shuffle : PlaylistOrder.Sequential, playlist.Order);
        Assert.Equal(expected.Jingles?.Select(i => Full(i.Relative)) ?? [], playlist.Jingles);
        Assert.Equal(expected.EveryTracks ?? 0, playlist.JingleEvery);
    }

    private string Full(string relative) => relative.Length == 0 ? _folder.Media : $"{_folder.Media}/{relative}";

    private static void AssertTimes(SlotModel slot, TimeOnly start, TimeOnly end, bool endsAtMidnight)
    {
        Assert.Equal(new TimeOnly(slot.Start / 60, slot.Start % 60), start);
        var endMinute = (slot.Start + slot.Length) % 1440;
        Assert.Equal(new TimeOnly(endMinute / 60, endMinute % 60), end);
        Assert.Equal(slot.Start + slot.Length == 1440 && slot.MidnightAs24, endsAtMidnight);
    }

    private static readonly string[] s_hostileStrings =
    [
        "", " ", "\u0000", ".\u0000", "\u0001a.wav", "../../etc/passwd", "/etc/passwd", "C:\\music", "music/../../x", "24:00", "25:00", "7:00", "23:60", "00:00",
        "2026-02-30", "9999-12-31", "0001-01-01", "mo", "funday", "UTC+1", "Mars/Olympus_Mons", "2", "-1", "1", "hard,soft", " soft ", "\uFEFF", "\u202e",
        "empty", "a.txt", new string('x', 5000), "\\u0000",
    ];

    /// <summary>Values of every JSON kind a field may wrongly hold.</summary>
    private static readonly Gen<Func<JsonNode?>> s_hostileValue = Gen.Frequency(
        (4, Gen.OneOf(s_hostileStrings).Select(s => (Func<JsonNode?>)(() => JsonValue.Create(s)))),
        (2, Gen.OneOf<Func<JsonNode?>>(() => null, () => JsonValue.Create(0), () => JsonValue.Create(-1), () => JsonValue.Create(3601), () => JsonValue.Create(int.MaxValue),
            () => JsonValue.Create(long.MaxValue), () => JsonValue.Create(1e300), () => JsonValue.Create(true), () => new JsonObject(), () => new JsonArray(),
            () => JsonNode.Parse("99999999999999999999999999999999"), () => JsonNode.Parse("1.5"), () => new JsonArray(JsonValue.Create("mon"), null))),
        (1, Gen.Int[1, 200].Select(depth => (Func<JsonNode?>)(() => Nested(depth)))));

    /// <summary>The document's UTF-8 mutated one to eight times, then decoded as the server decodes a file (invalid bytes become U+FFFD).</summary>
    private static Gen<string> MutatedText(ScheduleModel model) =>
        Gen.Select(Gen.Int[0, 8], Gen.UInt, Gen.Byte, Gen.Int[1, 40]).Array[1, 8].Select(mutations =>
        {
            var bytes = mutations.Aggregate(Encoding.UTF8.GetBytes(model.Json()).ToList(), (list, m) =>
            {
                var at = (int)(m.Item2 % (uint)(list.Count + 1));
                switch (m.Item1)
                {
                    case 0:
                        list.RemoveRange(at, list.Count - at); // truncated
                        break;
                    case 1:
                        list.RemoveRange(at, Math.Min(m.Item4, list.Count - at));
                        break;
                    case 2 when list.Count > 0:
                        list[Math.Min(at, list.Count - 1)] = m.Item3;
                        break;
                    case 3:
                        list.InsertRange(at, Encoding.UTF8.GetBytes(new[] { "\\u0000", "\0", "\"", ",", "{", "[", "]", "}", ":", "\\", "\u001f", "//", "/*", "\uFEFF", "\n" }[m.Item3 % 15]));
                        break;
                    case 4:
                        list.InsertRange(at, list.GetRange(at, Math.Min(m.Item4, list.Count - at)));
                        break;
                    case 5:
                        list.InsertRange(0, "\uFEFF"u8.ToArray()); // a byte-order mark
                        break;
                    default:
                        list.Insert(at, m.Item3);
                        break;
                }
                return list;
            });
            return Encoding.UTF8.GetString([.. bytes]);
        });

    /// <summary>One to four fields of the document given the wrong kind of value, a hostile string, a deep nest; or slots copied.</summary>
    private static Gen<string> MutatedTree(ScheduleModel model) =>
        Gen.Select(Gen.UInt, s_hostileValue, Gen.Int[0, 9]).Array[1, 4].Select(edits =>
        {
            var root = JsonNode.Parse(model.Json())!;
            foreach (var (where, value, kind) in edits)
            {
                var nodes = Descendants(root).ToList();
                var (parent, key, node) = nodes[(int)(where % (uint)nodes.Count)];
                if (kind == 0 && node is JsonArray array && array.Count > 0)
                {
                    var copies = (int)(where % 50) + 2; // an element repeated: duplicate slots, shows, items
                    for (var i = 0; i < copies; i++)
                    {
                        array.Add(array[0]?.DeepClone());
                    }
                }
                else if (kind == 1 && parent is JsonObject unknown)
                {
                    unknown["note" + (where % 7)] = value(); // an unknown property
                }
                else if (parent is JsonObject o)
                {
                    o[(string)key] = value();
                }
                else if (parent is JsonArray a)
                {
                    a[(int)key] = value();
                }
            }
            return root.ToJsonString();
        });

    private static IEnumerable<(JsonNode? Parent, object Key, JsonNode? Node)> Descendants(JsonNode root)
    {
        var stack = new Stack<JsonNode>([root]);
        while (stack.TryPop(out var node))
        {
            if (node is JsonObject o)
            {
                foreach (var (key, child) in o.ToList())
                {
                    yield return (o, key, child);
                    if (child is not null)
                    {
                        stack.Push(child);
                    }
                }
            }
            else if (node is JsonArray a)
            {
                for (var i = 0; i < a.Count; i++)
                {
                    yield return (a, i, a[i]);
                    if (a[i] is { } child)
                    {
                        stack.Push(child);
                    }
                }
            }
        }
    }

    private static JsonNode Nested(int depth)
    {
        JsonNode node = new JsonArray();
        for (var i = 1; i < depth; i++)
        {
            node = i % 2 == 0 ? new JsonArray(node) : new JsonObject { ["x"] = node };
        }
        return node;
    }

    internal sealed record PlaylistModel((string Item, string Relative)[] Items, string? Order, (string Item, string Relative)[]? Jingles, int? EveryTracks)
    {
        public JsonObject Json()
        {
            var playlist = new JsonObject { ["items"] = new JsonArray([.. Items.Select(i => JsonValue.Create(i.Item))]) };
            if (Order is not null)
            {
                playlist["order"] = Order;
            }
            if (Jingles is not null)
            {
                playlist["jingle"] = new JsonObject { ["items"] = new JsonArray([.. Jingles.Select(i => JsonValue.Create(i.Item))]), ["everyTracks"] = EveryTracks };
            }
            return playlist;
        }
    }

    /// <summary>A slot: weekly on <see cref="Days"/> (Monday = 0) as named by <see cref="DayNames"/>, or one-off on <see cref="Date"/>; start and length in minutes.</summary>
    internal sealed record SlotModel(string[] DayNames, int[] Days, int Start, int Length, bool MidnightAs24, DateOnly? From, DateOnly? Until, DateOnly? Date)
    {
        public JsonObject Json()
        {
            var end = Start + Length;
            var slot = new JsonObject();
            if (Date is { } date)
            {
                slot["date"] = date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                slot["days"] = new JsonArray([.. DayNames.Select(d => JsonValue.Create(d))]);
            }
            slot["start"] = Clock(Start);
            slot["end"] = end == 1440 && MidnightAs24 ? "24:00" : Clock(end % 1440);
            if (From is { } from)
            {
                slot["from"] = from.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            }
            if (Until is { } until)
            {
                slot["until"] = until.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            }
            return slot;
        }

        private static string Clock(int minute) => $"{minute / 60:00}:{minute % 60:00}";
    }

    internal sealed record ShowModel(string Id, string Title, string[] Hosts, string? Description, string? Boundary, int? MaxOverrunSeconds, PlaylistModel Playlist, SlotModel[] Slots)
    {
        public JsonObject Json()
        {
            var show = new JsonObject { ["id"] = Id, ["title"] = Title, ["hosts"] = new JsonArray([.. Hosts.Select(h => JsonValue.Create(h))]) };
            if (Description is not null)
            {
                show["description"] = Description;
            }
            if (Boundary is not null)
            {
                show["boundary"] = Boundary;
            }
            if (MaxOverrunSeconds is { } overrun)
            {
                show["maxOverrunSeconds"] = overrun;
            }
            show["playlist"] = Playlist.Json();
            show["slots"] = new JsonArray([.. Slots.Select(s => s.Json())]);
            return show;
        }
    }

    internal sealed record ScheduleModel(string Zone, string? AutomationTitle, PlaylistModel Automation, ShowModel[] Shows, bool Indented)
    {
        private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

        public string Json()
        {
            var root = new JsonObject { ["timeZone"] = Zone };
            var automation = new JsonObject { ["playlist"] = Automation.Json() };
            if (AutomationTitle is not null)
            {
                automation["title"] = AutomationTitle;
            }
            root["automation"] = automation;
            root["shows"] = new JsonArray([.. Shows.Select(s => s.Json())]);
            return root.ToJsonString(Indented ? s_indented : null);
        }

        /// <summary>Keeps each slot that meets no slot kept before it (weekly: minutes of the week; one-offs: one per date, none past midnight); shows left with none go; ids made unique.</summary>
        public static ScheduleModel WithoutOverlaps(string zone, string? title, PlaylistModel automation, ShowModel[] shows, bool indented)
        {
            var taken = new bool[Week];
            var dates = new HashSet<DateOnly>();
            var kept = new List<ShowModel>();
            foreach (var show in shows)
            {
                var slots = show.Slots.Where(slot =>
                {
                    if (slot.Date is { } date)
                    {
                        return slot.Start + slot.Length <= 1440 && dates.Add(date);
                    }
                    var minutes = slot.Days.SelectMany(d => Enumerable.Range((d * 1440) + slot.Start, slot.Length).Select(m => m % Week)).ToList();
                    if (minutes.Any(m => taken[m]))
                    {
                        return false;
                    }
                    minutes.ForEach(m => taken[m] = true);
                    return true;
                }).ToArray();
                if (slots.Length > 0)
                {
                    kept.Add(show with { Id = $"show-{kept.Count}{(show.Id.Length > 0 ? "-" : "")}{show.Id}", Slots = slots });
                }
            }
            return new ScheduleModel(zone, title, automation, [.. kept], indented);
        }
    }
}
