using System.Globalization;
using System.Net;
using System.Text.Json;
using CsCheck;
using RadioServer.Operations;
using RadioServer.Tests.Infrastructure;
using RadioServer.Tests.Operations;

namespace RadioServer.Tests.Properties;

/// <summary>
/// The history query: <c>from</c>/<c>to</c> of <c>GET /api/history</c> as <see cref="OperationsEndpoints.TryTime"/> reads
/// them (ISO 8601 dates and date-times between 1970-01-01 and 9000-01-01, else refused with the reason), and the
/// endpoint itself over HTTP: always 200 or 400, never 500.
/// </summary>
public sealed class HistoryQueryProperties : IDisposable
{
    private static readonly DateTime s_earliest = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime s_latest = new(9000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly TempFolder _folder = new();

    public HistoryQueryProperties() => TestAudio.WriteToneWav(_folder.File("History - Tone.wav"), 500, 1);

    public void Dispose() => _folder.Dispose();

    private static readonly Gen<int> s_year = Gen.Frequency(
        (2, Gen.OneOf(1, 2, 1969, 1970, 1971, 2026, 8999, 9000, 9001, 9998, 9999)),
        (2, Gen.Int[1, 9999]),
        (2, Gen.Int[2020, 2030]));

    private static readonly Gen<string> s_space = Gen.Frequency((6, Gen.Const("")), (1, Gen.OneOf(" ", "\t", "  ")));

    /// <summary>A yyyy-MM-dd date, now and then a day its month does not have.</summary>
    private static readonly Gen<Written> s_date =
        from year in s_year
        from month in Gen.Int[1, 12]
        from day in Gen.Frequency((8, Gen.Int[1, 28]), (1, Gen.Int[29, 31]))
        from space in s_space
        select new Written($"{space}{year:0000}-{month:00}-{day:00}{space}", year, month, day, null);

    /// <summary>An ISO 8601 date-time: seconds or not, a fraction or not, Z, no offset (UTC) or an offset up to 14 hours.</summary>
    private static readonly Gen<Written> s_dateTime =
        from date in s_date
        from hour in Gen.Int[0, 23]
        from minute in Gen.Int[0, 59]
        from second in Gen.Frequency((1, Gen.Const((int?)null)), (3, Gen.Int[0, 59].Select(s => (int?)s)))
        from fraction in Gen.Frequency((3, Gen.Const("")), (1, Gen.String[Gen.Char['0', '9'], 1, 7].Select(f => "." + f)))
        from offset in Gen.Frequency((2, Gen.Const((int?)null)), (1, Gen.Const((int?)0)), (2, Gen.Int[-14 * 60, 14 * 60].Select(m => (int?)m)))
        from zulu in Gen.Bool
        let written = $"{date.Year:0000}-{date.Month:00}-{date.Day:00}T{hour:00}:{minute:00}{(second is { } s ? $":{s:00}{fraction}" : "")}{Offset(offset, zulu)}"
        select new Written(written, date.Year, date.Month, date.Day,
            new TimeSpan(0, hour, minute, second ?? 0).Ticks + (second is null || fraction.Length == 0 ? 0 : long.Parse(fraction[1..].PadRight(7, '0'), CultureInfo.InvariantCulture)) - ((offset ?? 0) * TimeSpan.TicksPerMinute));

    private static readonly Gen<string> s_garbage = Gen.Frequency(
        (3, Gen.OneOf("", " ", "yesterday", "now", "today", "2026-11-26 07:00", "26/11/2026", "11/26/2026", "1700000000", "2026-11-26T", "T", "2026-W48", "2026-330",
            "+002026-11-26", "-2026-11-26", "2026-11-26T25:00:00Z", "2026-11-26T07:00:00+15:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
            "0000-01-01", "10000-01-01", "2026-1-1", "2026-11-26T07:00:00ZZ", "Thu, 26 Nov 2026 07:00:00 GMT", "2026-11-26\u0000", "\u0662\u0660\u0662\u0666-11-26",
            "NaN", "null", "undefined", "9".PadLeft(1000, '9'), "2026-11-26T07:00:00.12345678Z", "P1D", "2026-11-26/2026-11-27")),
        (1, Gen.String[Gen.Char, 0, 40]),
        (1, Gen.String[Gen.Char["0123456789-:TZ+. "], 0, 30]));

    [Fact]
    public void Dates_AreAcceptedExactlyWithinTheBounds_AsAWholeDay()
    {
        Property.Run(s_date.Select(Gen.Bool), input =>
        {
            var (written, endOfDay) = input;
            var ok = OperationsEndpoints.TryTime(written.Text, endOfDay, out var value, out var error, "to");
            if (written.Day > DateTime.DaysInMonth(written.Year, written.Month))
            {
                Assert.False(ok, $"{written.Text} taken as {value:O}");
                Assert.Contains("'to' must be an ISO 8601", error, StringComparison.Ordinal);
                return;
            }
            var day = new DateTime(written.Year, written.Month, written.Day, 0, 0, 0, DateTimeKind.Utc);
            Assert.Equal(day >= s_earliest && day <= s_latest, ok);
            if (ok)
            {
                Assert.Equal(new DateTimeOffset(endOfDay ? day.AddDays(1) : day), value);
                Assert.Equal(TimeSpan.Zero, value!.Value.Offset);
            }
            else
            {
                Assert.Contains("'to' must lie between 1970-01-01 and 9000-01-01", error, StringComparison.Ordinal);
            }
        }, seed: "historyDate1", iter: 1500, print: i => $"{Property.Escape(i.Item1.Text)} endOfDay={i.Item2}");
    }

    [Fact]
    public void DateTimes_AreAcceptedExactlyWithinTheBounds_AsTheInstantTheySay()
    {
        Property.Run(s_dateTime.Select(Gen.Bool), input =>
        {
            var (written, endOfDay) = input;
            var ok = OperationsEndpoints.TryTime(written.Text, endOfDay, out var value, out var error, "from");
            if (written.Day > DateTime.DaysInMonth(written.Year, written.Month))
            {
                Assert.False(ok, $"{written.Text} taken as {value:O}");
                return;
            }
            // The instant in ticks since 0001-01-01 UTC; outside DateTimeOffset's range it is no instant at all.
            var ticks = new DateTime(written.Year, written.Month, written.Day).Ticks + written.TicksIntoDay!.Value;
            var inRange = ticks >= s_earliest.Ticks && ticks <= s_latest.Ticks;
            Assert.Equal(inRange, ok);
            if (ok)
            {
                Assert.Equal(new DateTimeOffset(ticks, TimeSpan.Zero), value); // endOfDay is for dates only
                Assert.Equal(TimeSpan.Zero, value!.Value.Offset);
            }
            else
            {
                Assert.StartsWith("'from' must", error, StringComparison.Ordinal);
            }
        }, seed: "historyTime1", iter: 1500, print: i => $"{Property.Escape(i.Item1.Text)} endOfDay={i.Item2}");
    }

    [Fact]
    public void AnyText_NeverThrows_AndIsEitherATimeWithinTheBoundsOrRefusedWithTheReason()
    {
        Property.Run(Gen.Frequency((2, s_garbage), (1, s_date.Select(d => d.Text)), (1, s_dateTime.Select(d => d.Text))).Select(Gen.Bool), input =>
        {
            var (text, endOfDay) = input;
            var ok = OperationsEndpoints.TryTime(text, endOfDay, out var value, out var error, "to");
            if (!ok)
            {
                Assert.Null(value);
                Assert.StartsWith("'to' must", error, StringComparison.Ordinal);
            }
            else if (string.IsNullOrWhiteSpace(text))
            {
                Assert.Null(value); // not given: the default applies
            }
            else
            {
                // Within the bounds, where a day added for the end of a date or taken for a default start cannot overflow.
                Assert.InRange(value!.Value.UtcDateTime, s_earliest, s_latest.AddDays(1));
                Assert.Equal(TimeSpan.Zero, value.Value.Offset);
                _ = value.Value.AddDays(-401).AddDays(802);
            }
        }, seed: "historyText1", iter: 2000, print: i => $"{Property.Escape(i.Item1)} endOfDay={i.Item2}");
    }

    [Fact]
    public async Task HistoryQuery_OverHttp_IsAlways200Or400_AndA400SaysWhy()
    {
        // Around the station's day (it starts 2026-11-26 12:00 UTC, on the fake clock), so that many queries find plays.
        var near = Gen.Int[-30 * 1440, 30 * 1440].Select(Gen.Bool, (minutes, date) =>
            new DateTime(2026, 11, 26, 12, 0, 0, DateTimeKind.Utc).AddMinutes(minutes).ToString(date ? "yyyy-MM-dd" : "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        var value = Gen.Frequency((3, near), (2, s_date.Select(d => d.Text)), (2, s_dateTime.Select(d => d.Text)), (2, s_garbage));
        var parameter = Gen.Frequency(
            (4, Gen.OneOf("from", "to").Select(value, (name, v) => $"{name}={Uri.EscapeDataString(v)}")),
            (2, Gen.OneOf("json", "csv", "xml", "", "CSV", "json,csv").Select(f => $"format={Uri.EscapeDataString(f)}")),
            (1, Gen.OneOf("from", "to", "format", "limit", "x", "FROM", "").Select(Gen.String[Gen.Char['!', '~'], 0, 12], (name, v) => $"{name}={v}")),
            (1, Gen.OneOf("from", "to", "from=", "to=", "&", "=", "%", "%zz", "from=%00", "to=%E2%80%AE2026-11-26")));
        var query = parameter.Array[0, 5].Select(p => string.Join("&", p));

        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings());
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        using var http = Operators.Http(station);
        await Property.RunAsync(query, async q =>
        {
            using var response = await http.GetAsync($"/api/history?{q}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body[..Math.Min(body.Length, 500)]}");
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                using var problem = JsonDocument.Parse(body);
                Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("title").GetString()), body);
                Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()), body);
            }
            else if (response.Content.Headers.ContentType?.MediaType == "text/csv")
            {
                Assert.StartsWith("started_at_utc,ended_at_utc,", body, StringComparison.Ordinal);
            }
            else
            {
                using var result = JsonDocument.Parse(body);
                var from = result.RootElement.GetProperty("from").GetDateTimeOffset();
                var to = result.RootElement.GetProperty("to").GetDateTimeOffset();
                Assert.True(from <= to && to - from <= TimeSpan.FromDays(400), $"{from:O} to {to:O}");
                var plays = result.RootElement.GetProperty("plays");
                Assert.Equal(result.RootElement.GetProperty("count").GetInt32(), plays.GetArrayLength());
                Assert.All(plays.EnumerateArray(), p => Assert.InRange(p.GetProperty("startedAt").GetDateTimeOffset(), from, to));
            }
        }, seed: "historyHttp1", iter: 100, print: q => q);
    }

    private static string Offset(int? minutes, bool zulu) => minutes switch
    {
        null => "",
        0 when zulu => "Z",
        { } m => $"{(m < 0 ? '-' : '+')}{Math.Abs(m) / 60:00}:{Math.Abs(m) % 60:00}",
    };

    /// <summary>What was written, and what it says: a date, and for a date-time the ticks into that day in UTC (may leave it).</summary>
    private sealed record Written(string Text, int Year, int Month, int Day, long? TicksIntoDay);
}
