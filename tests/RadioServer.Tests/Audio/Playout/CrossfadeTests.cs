using Microsoft.Extensions.DependencyInjection;
using RadioServer.Library;
using RadioServer.Tests.Infrastructure;
using static RadioServer.Tests.Audio.Playout.PlayoutTestKit;

namespace RadioServer.Tests.Audio.Playout;

/// <summary>Crossfades as heard on the stream: the overlap's length, equal power, jingles whole, "off", and hard boundaries that stay exact.</summary>
public sealed class CrossfadeTests : IDisposable
{
    private const double Frame = 1152.0 / Rate;
    private readonly TempFolder _folder = new();
    private readonly FakeTrackSounds _sounds = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Heard: over -50 dB under the tone's full level.</summary>
    private static readonly double s_heard = Amplitude(-16 - 50);

    [Fact]
    public async Task Crossfade_FromTheSchedule_OverlapsTwoTonesForTheSetTime_AtEqualPower()
    {
        Track("01 A.wav", new Piece(440, -16, 10));
        Track("02 B.wav", new Piece(1000, -16, 10));
        Schedule("""{ "playlist": { "items": ["."] }, "crossfade": 4 }"""); // the station's default stays 6

        var left = await PlayAsync(TimeSpan.FromSeconds(12));
        var a = Envelope(left, Rate, 440);
        var b = Envelope(left, Rate, 1000);
        var heardA = Heard(a, Rate, s_heard);
        var heardB = Heard(b, Rate, s_heard);
        var together = heardA.Last - heardB.First;
        Assert.True(Math.Abs(together - 4) <= Frame, $"both tones heard together for {together:F3} s, not 4 s ±1 frame");
        Assert.InRange(heardB.First, 5.9, 6.1); // the overlap ends at A's cue-out, 10 s in
        // Equal power: in the middle each side is 3 dB under its own level (sin and cos of 45°).
        var middle = (int)((heardB.First + 2) * Rate / 64);
        Assert.InRange(Db(a[middle] / a[(int)((heardB.First - 1) * Rate / 64)]), -3.3, -2.7);
        Assert.InRange(Db(b[middle] / b[(int)((heardA.Last + 1) * Rate / 64)]), -3.3, -2.7);
    }

    [Fact]
    public async Task Crossfade_Off_PlaysInSequence_BackToBack_Unfaded()
    {
        // Long enough for the station's default 6 s crossfade (twice the overlap), which "off" turns off.
        Track("01 A.wav", new Piece(440, -16, 13));
        Track("02 B.wav", new Piece(1000, -16, 13));
        Schedule("""{ "playlist": { "items": ["."] }, "crossfade": "off" }""");

        var left = await PlayAsync(TimeSpan.FromSeconds(15));
        var a = Envelope(left, Rate, 440);
        var heardA = Heard(a, Rate, s_heard);
        var heardB = Heard(Envelope(left, Rate, 1000), Rate, s_heard);
        Assert.InRange(heardB.First - heardA.Last, -Frame, Frame); // no overlap, no gap
        Assert.InRange(Db(a[(int)((heardA.Last - 0.2) * Rate / 64)] / Amplitude(-16)), -0.5, 0.5); // A at full level to its end
    }

    [Fact]
    public async Task Jingle_ShorterThanTwiceTheOverlap_PlaysWhole_InSequence()
    {
        Track("01 Song.wav", new Piece(440, -16, 10));
        Track("02 Jingle.wav", new Piece(1000, -16, 3)); // 3 s, under twice the 4 s overlap
        Track("03 Song.wav", new Piece(2000, -16, 10));
        Schedule("""{ "playlist": { "items": ["."] }, "crossfade": 4 }""");

        var left = await PlayAsync(TimeSpan.FromSeconds(15));
        var jingle = Heard(Envelope(left, Rate, 1000), Rate, Amplitude(-16) / 2);
        Assert.InRange(jingle.Last - jingle.First, 3 - Frame, 3 + Frame);
        // Each side looked at away from the other's start at full level (a click across the spectrum).
        var before = Heard(Envelope(left, Rate, 440), Rate, s_heard, toSeconds: jingle.Last - 0.1);
        var after = Heard(Envelope(left, Rate, 2000), Rate, s_heard, fromSeconds: jingle.First + 0.1);
        Assert.True(before.Last <= jingle.First + Frame, $"the song before still sounds {before.Last - jingle.First:F3} s into the jingle");
        Assert.True(after.First >= jingle.Last - Frame, $"the song after starts {jingle.Last - after.First:F3} s before the jingle ends");
        // All of the jingle's energy is there: its whole 3 s at its steady level (the codec's ±0.5 dB on a pure tone
        // aside, the level it was rendered at), none of it faded.
        var start = (int)(jingle.First * Rate);
        var level = ToneAmplitude(left, Rate, 1000, start + (Rate * 3 / 2), 8192);
        Assert.InRange(Db(level / (Amplitude(-16) * Gain("02 Jingle.wav"))), -1, 1);
        var energy = 0.0;
        for (var c = start - (Rate / 10); c < start + (3.1 * Rate); c += 512)
        {
            energy += Math.Pow(ToneAmplitude(left, Rate, 1000, c, 512), 2) * 512;
        }
        Assert.InRange(energy / (level * level * 3 * Rate), 0.98, 1.02);
    }

    [Theory]
    [InlineData(18)] // ends 2 s before the show: its crossfade opens automation's next track, which the boundary cuts
    [InlineData(22)] // ends 2 s after it: its fading window spans the boundary, and the cut wins (no early choice, no early show)
    public async Task HardBoundary_WithCrossfadesOn_StillLandsWithinOneFrame(int firstSeconds)
    {
        // 12:00:40; a hard show at 12:01:00, 20 s into the stream; automation's tracks and the show's crossfade 6 s.
        Track("a1.wav", new Piece(440, -16, firstSeconds));
        Track("a2.wav", new Piece(1500, -16, 30));
        Directory.CreateDirectory(_folder.File("show"));
        Track("show/s1.wav", new Piece(1000, -16, 20));
        Schedule("""{ "playlist": { "items": ["a1.wav", "a2.wav"] } }""", """
            { "id": "news", "title": "News", "boundary": "hard", "crossfade": 6, "playlist": { "items": ["show"] }, "slots": [ { "days": ["thu"], "start": "12:01", "end": "12:30" } ] }
            """);

        await using var station = await StartAsync(new DateTimeOffset(2026, 11, 26, 12, 0, 40, TimeSpan.Zero));
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true);
        await station.AdvanceAsync(TimeSpan.FromSeconds(19));
        await station.AdvanceAsync(TimeSpan.FromSeconds(2.5), TimeSpan.FromMilliseconds(10)); // fine steps across the boundary
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);
        var (samples, rate, _) = TestAudio.DecodeMp3(listener.Audio);
        var left = TestAudio.Channel(samples, 2, 0);

        // The codec's delay, from the first track's start at sample 0 of the stream.
        var delay = Heard(Envelope(left, rate, 440), rate, Amplitude(-16) / 2, fromSeconds: 0).First;
        var show = Heard(Envelope(left, rate, 1000), rate, s_heard, fromSeconds: 1).First - delay;
        Assert.True(Math.Abs(show - 20) <= Frame, $"the show started {show - 20:+0.000;-0.000} s off the boundary");
        var a1 = Heard(Envelope(left, rate, 440), rate, s_heard, toSeconds: 19.9 + delay);
        Assert.InRange(a1.Last - delay, Math.Min(firstSeconds, 19.4) - 0.1, Math.Min(firstSeconds, 20)); // played to its end, or the cut
        var a2 = Heard(Envelope(left, rate, 1500), rate, s_heard, fromSeconds: 1, toSeconds: 19.9 + delay);
        var titles = listener.Blocks.Select(b => b.StreamTitle).OfType<string>().ToList();
        if (firstSeconds < 20)
        {
            Assert.InRange(a2.First - delay, firstSeconds - 6 - 0.1, firstSeconds - 6 + 0.1); // the crossfade into automation's next track...
            Assert.InRange(a2.Last - delay, 19.4, 20); // ...which the boundary's cut fades out by 12:01:00
            Assert.Equal(["a1", "a2", "s1"], titles);
        }
        else
        {
            Assert.Equal(-1, a2.First); // nothing chosen early: the cut, then the show
            Assert.Equal(["a1", "s1"], titles);
        }
        Assert.True(Heard(Envelope(left, rate, 1500), rate, s_heard, fromSeconds: 20.1 + delay).First < 0, "automation heard after the boundary");
    }

    /// <summary>The gain normalisation gives the file, linear: to -16 LUFS from its measured loudness.</summary>
    private double Gain(string name) => Amplitude(-16 - _sounds.Find(new TrackInfo(_folder.File(name), name, "", name, null, TimeSpan.Zero))!.IntegratedLufs);

    private void Track(string name, params Piece[] pieces) => _sounds.Add(Path.GetFileName(name), Measure(WriteWav(_folder.File(name), pieces)));

    private void Schedule(string automation, string shows = "") =>
        File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"), $$"""{ "timeZone": "UTC", "automation": {{automation}}, "shows": [ {{shows}} ] }""");

    private Task<TestStation> StartAsync(DateTimeOffset? start = null) =>
        TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:MetaInt"] = "2000" }, services: s => s.AddSingleton<ITrackSounds>(_sounds), start: start);

    /// <summary>Plays the station for <paramref name="length"/> from its start; the left channel of what a listener got.</summary>
    private async Task<float[]> PlayAsync(TimeSpan length)
    {
        await using var station = await StartAsync();
        Assert.Contains(station.Logs.Entries, e => e.Message.Contains("Schedule from", StringComparison.Ordinal));
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await station.AdvanceAsync(length);
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);
        var (samples, rate, _) = TestAudio.DecodeMp3(listener.Audio);
        Assert.Equal(Rate, rate);
        return TestAudio.Channel(samples, 2, 0);
    }
}
