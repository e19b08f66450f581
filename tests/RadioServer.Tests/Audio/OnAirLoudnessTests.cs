using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using NAudio.Wave;
using RadioServer.Audio.Loudness;
using RadioServer.Operations;
using RadioServer.Tests.Infrastructure;
using RadioServer.Tests.Operations;

namespace RadioServer.Tests.Audio;

/// <summary>
/// The limiter and the meter on the real station (fake clock): what listeners decode from /stream, measured by an
/// independent meter (ffmpeg's ebur128 filter, true peak on), against what the station says in /api/status, /metrics
/// and the play history.
/// </summary>
public sealed partial class OnAirLoudnessTests : IDisposable
{
    private const int Rate = 44100;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task HotMaster_OnAir_HasATruePeakUnderTheCeiling_ByFfmpeg()
    {
        var master = _folder.File("Hot - Master.wav");
        WriteHotMaster(master, seconds: 12);
        var source = Ffmpeg(master);
        Assert.InRange(source.Integrated, -8, -4); // a loud master, about -6 LUFS
        Assert.True(source.TruePeak > 0.2, $"the master's own true peak is {source.TruePeak} dBTP: it must be over 0");

        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings(("Radio:Sound:Normalize", "false")));
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await station.AdvanceAsync(TimeSpan.FromSeconds(10));
        await listener.WaitForAudioAsync(8 * 16_000);

        var onAir = Ffmpeg(Save(listener.Audio));
        Assert.True(onAir.TruePeak <= -1 + 0.3, $"the stream's true peak is {onAir.TruePeak} dBTP, over the -1 dBTP ceiling (+0.3 for the meter)");
        Assert.True(onAir.Integrated > source.Integrated - 4, $"limited, not muted: {onAir.Integrated} LUFS on air from {source.Integrated}");
        var status = await Operators.StatusAsync(station);
        Assert.True(status.Loudness.LimiterGainDb < -1, $"the limiter works: gain {status.Loudness.LimiterGainDb} dB");
        Assert.True(status.Loudness.TruePeakDbtp <= -1, $"{status.Loudness.TruePeakDbtp} dBTP to the encoder");
        Assert.True(status.Loudness.InputTruePeakDbtp > 0, $"{status.Loudness.InputTruePeakDbtp} dBTP into the limiter");
    }

    [Fact]
    public async Task QuietTone_PassesUnchanged_AndTheStatusReadsWhatFfmpegReads()
    {
        // -18 dBFS at 997 Hz: -18 LUFS, far under the ceiling.
        var amplitude = (float)Math.Pow(10, -18 / 20.0);
        TestAudio.WriteToneWav(_folder.File("Steady - Tone.wav"), 997, 30, amplitude: amplitude);
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings(("Radio:Sound:Normalize", "false")));
        await station.AdvanceAsync(TimeSpan.FromSeconds(4));
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await station.AdvanceAsync(TimeSpan.FromSeconds(6));
        await listener.WaitForAudioAsync(8 * 16_000);

        var audio = listener.Audio;
        var (samples, _, channels) = TestAudio.DecodeMp3(audio);
        var left = TestAudio.Channel(samples, channels, 0);
        // Past the decoder's first frames; a whole number of the tone's periods does not matter over seconds.
        var rmsDb = 20 * Math.Log10(TestAudio.Rms(left.AsSpan(Rate, left.Length - (2 * Rate))));
        // The same tone through the same encoder (LAME, 128 kbps, -q 5) straight, no limiter: what the stream must match.
        var straight = _folder.File("straight.mp3.bin");
        TestAudio.WriteToneMp3(straight, 997, 10, amplitude: amplitude);
        var reference = TestAudio.Channel(TestAudio.DecodeMp3(File.ReadAllBytes(straight)).Samples, 2, 0);
        var sourceDb = 20 * Math.Log10(TestAudio.Rms(reference.AsSpan(Rate, reference.Length - (2 * Rate))));
        var seconds = string.Join(", ", Enumerable.Range(0, left.Length / Rate).Select(s => (20 * Math.Log10(TestAudio.Rms(left.AsSpan(s * Rate, Rate)))).ToString("F2", CultureInfo.InvariantCulture)));
        var measured = Ffmpeg(Save(audio));
        var loudness = (await Operators.StatusAsync(station)).Loudness;
        Assert.True(Math.Abs(rmsDb - sourceDb) < 0.05, $"{rmsDb:F2} dB on air, {sourceDb:F2} encoded straight; by the second: {seconds}; ffmpeg {measured}; {loudness}");

        Assert.InRange(measured.Integrated, -18.5, -17.5);
        Assert.Equal(0, loudness.LimiterGainDb);
        Assert.InRange(loudness.MomentaryLufs!.Value, measured.Integrated - 1, measured.Integrated + 1);
        Assert.InRange(loudness.ShortTermLufs!.Value, measured.Integrated - 1, measured.Integrated + 1);
        Assert.InRange(loudness.TruePeakDbtp!.Value, -18.3, -17.7);
        Assert.Equal(-16, loudness.TargetLufs);
        Assert.Equal(-1, loudness.CeilingDbtp);

        using var http = Operators.Http(station, key: null);
        var metrics = await http.GetStringAsync("/metrics");
        Assert.InRange(Gauge(metrics, "radio_loudness_momentary_lufs"), -19, -17);
        Assert.InRange(Gauge(metrics, "radio_loudness_shortterm_lufs"), -19, -17);
        Assert.InRange(Gauge(metrics, "radio_true_peak_dbtp"), -18.3, -17.7);
        Assert.Equal(0, Gauge(metrics, "radio_limiter_gain_reduction_db"));
    }

    [Fact]
    public async Task Silence_ReadsNullInTheStatus()
    {
        TestAudio.WriteToneWav(_folder.File("Silent - Track.wav"), 997, 5, amplitude: 0);
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings());
        await station.AdvanceAsync(TimeSpan.FromSeconds(2));
        using var http = Operators.Http(station, key: null);
        var loudness = (await http.GetFromJsonAsync<JsonElement>("/api/status")).GetProperty("loudness");
        Assert.Equal(JsonValueKind.Null, loudness.GetProperty("momentaryLufs").ValueKind);
        Assert.Equal(JsonValueKind.Null, loudness.GetProperty("shortTermLufs").ValueKind);
        Assert.Equal(JsonValueKind.Null, loudness.GetProperty("truePeakDbtp").ValueKind);
        Assert.Equal(0, loudness.GetProperty("limiterGainDb").GetDouble());
        Assert.Equal(-200, Gauge(await http.GetStringAsync("/metrics"), "radio_loudness_momentary_lufs"));
    }

    [Fact]
    public async Task History_KeepsEachItemsLoudnessOnAir()
    {
        TestAudio.WriteToneWav(_folder.File("01 A - Minus Twenty.wav"), 997, 3, amplitude: 0.1f);
        TestAudio.WriteToneWav(_folder.File("02 B - Minus Thirty.wav"), 997, 3, amplitude: 0.0316f);
        File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"), """
            { "timeZone": "UTC", "automation": { "title": "Automation", "playlist": { "items": ["."] } }, "shows": [] }
            """);
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings(("Radio:Sound:Normalize", "false")));
        await station.AdvanceAsync(TimeSpan.FromSeconds(7.5));
        using var http = Operators.Http(station);
        var result = await http.GetFromJsonAsync<JsonElement>("/api/history?from=2026-11-26&to=2026-11-27", Operators.Json);
        var plays = result.GetProperty("plays").Deserialize<List<HistoryEntry>>(Operators.Json)!;
        Assert.True(plays.Count >= 3, $"{plays.Count} plays");
        Assert.Equal("Minus Twenty", plays[0].Title);
        Assert.InRange(plays[0].LoudnessLufs!.Value, -20.5, -19.5);
        Assert.InRange(plays[0].TruePeakDbtp!.Value, -20.3, -19.7);
        Assert.Equal("Minus Thirty", plays[1].Title);
        Assert.InRange(plays[1].LoudnessLufs!.Value, -30.5, -29.5);
        Assert.InRange(plays[1].TruePeakDbtp!.Value, -30.3, -29.7);
        // The item on air so far (1.5 s of the first track again).
        Assert.Null(plays[^1].EndedAt);
        Assert.InRange(plays[^1].LoudnessLufs!.Value, -20.5, -19.5);

        var csv = await http.GetStringAsync("/api/history?from=2026-11-26&to=2026-11-27&format=csv");
        Assert.Matches(",Minus Twenty,,01 A - Minus Twenty.wav,0,0,-(19|20)\\.[0-9],-(19|20)\\.[0-9],false\r\n", csv);
    }

    [Fact]
    public async Task History_FromSchemaVersion2_KeepsItsRows_WithoutLoudness()
    {
        var database = Path.Combine(_folder.Path, "old.db");
        using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Pooling=false"))
        {
            old.Open();
            using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE plays (id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, ended_at TEXT, duration_seconds REAL, show_id TEXT, show TEXT NOT NULL,
                    artist TEXT NOT NULL, title TEXT NOT NULL, album TEXT, file TEXT, listeners_start INTEGER NOT NULL, listeners_peak INTEGER NOT NULL, live INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX plays_started_at ON plays (started_at);
                INSERT INTO plays (started_at, ended_at, duration_seconds, show, artist, title, listeners_start, listeners_peak, live)
                VALUES ('2026-11-26T11:00:00.0000000Z', '2026-11-26T11:03:00.0000000Z', 180, 'Automation', 'Old', 'Row', 1, 2, 0);
                PRAGMA user_version = 2;
                """;
            create.ExecuteNonQuery();
        }
        TestAudio.WriteToneWav(_folder.File("A - New.wav"), 997, 2, amplitude: 0.1f);
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings(("Radio:DatabasePath", database), ("Radio:Sound:Normalize", "false")));
        await station.AdvanceAsync(TimeSpan.FromSeconds(4.5));
        using var http = Operators.Http(station);
        var plays = (await http.GetFromJsonAsync<JsonElement>("/api/history?from=2026-11-26&to=2026-11-27", Operators.Json)).GetProperty("plays").Deserialize<List<HistoryEntry>>(Operators.Json)!;
        Assert.Equal("Row", plays[0].Title);
        Assert.Equal(2, plays[0].ListenersPeak);
        Assert.Null(plays[0].LoudnessLufs);
        Assert.Null(plays[0].TruePeakDbtp);
        Assert.Equal("New", plays[1].Title);
        Assert.NotNull(plays[1].EndedAt);
        Assert.InRange(plays[1].LoudnessLufs!.Value, -20.5, -19.5);
    }

    /// <summary>
    /// A loud master as mastering for loudness makes one: five tones clipped hard at 0 dBFS, about -6 LUFS, whose
    /// wave between the samples goes over full scale (a tone at a quarter of the sample rate, 45 degrees off the samples).
    /// </summary>
    private static void WriteHotMaster(string path, double seconds)
    {
        using var writer = new WaveFileWriter(path, new WaveFormat(Rate, 16, 2));
        var frames = (int)(seconds * Rate);
        var buffer = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            var t = i / (double)Rate;
            var v = (0.18 * (Math.Sin(2 * Math.PI * 150 * t) + Math.Sin((2 * Math.PI * 440 * t) + 1) + Math.Sin((2 * Math.PI * 1250 * t) + 2) + Math.Sin((2 * Math.PI * 3000 * t) + 3)))
                + (0.15 * Math.Sin((Math.PI / 2 * i) + (Math.PI / 4)));
            buffer[2 * i] = (float)Math.Clamp(v * 1.25, -1, 1);
            buffer[(2 * i) + 1] = (float)Math.Clamp(v * 1.1, -1, 1);
        }
        writer.WriteSamples(buffer, 0, buffer.Length);
    }

    private string Save(byte[] mp3)
    {
        var path = Path.Combine(_folder.Path, $"stream-{Guid.NewGuid():N}.mp3");
        File.WriteAllBytes(path, mp3);
        return path;
    }

    /// <summary>ffmpeg's EBU R128 meter with true peak (its own 4x oversampling): the summary's integrated loudness and peak.</summary>
    private static (double Integrated, double TruePeak) Ffmpeg(string path)
    {
        using var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg", ["-hide_banner", "-nostats", "-i", path, "-af", "ebur128=peak=true", "-f", "null", "-"]) { RedirectStandardError = true })!;
        var output = ffmpeg.StandardError.ReadToEnd();
        ffmpeg.WaitForExit();
        Assert.True(ffmpeg.ExitCode == 0, output);
        var summary = output[output.LastIndexOf("Summary:", StringComparison.Ordinal)..];
        return (Number(IntegratedLine().Match(summary)), Number(PeakLine().Match(summary)));
    }

    private static double Number(Match match)
    {
        Assert.True(match.Success, "no such line in ffmpeg's summary");
        return match.Groups[1].Value == "-inf" ? double.NegativeInfinity : double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static double Gauge(string metrics, string name)
    {
        var match = Regex.Match(metrics, $"^{name} (\\S+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"{name} is not in /metrics");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"I:\s+(-?[0-9.]+|-inf) LUFS")]
    private static partial Regex IntegratedLine();

    [GeneratedRegex(@"Peak:\s+(-?[0-9.]+|-inf) dBFS")]
    private static partial Regex PeakLine();
}
