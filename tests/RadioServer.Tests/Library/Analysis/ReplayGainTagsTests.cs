using System.Diagnostics;
using RadioServer.Library;
using RadioServer.Library.Analysis;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Library.Analysis;

/// <summary>ReplayGain 2.0 and R128 tags, written here with TagLib#, read back as the loudness they imply.</summary>
public sealed class ReplayGainTagsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Read_Id3v2TxxxTrackGain_IsMinus18MinusTheGain()
    {
        var path = _folder.File("tagged.mp3");
        TestAudio.WriteToneMp3(path, 997, 1);
        WriteReplayGain(path, "-3.50 dB", "0.501187");

        var sound = ReplayGainTags.Read(path);

        Assert.NotNull(sound);
        Assert.Equal(TrackSoundSource.Tags, sound.Source);
        Assert.Equal(-14.5, sound.IntegratedLufs, 2);
        Assert.Equal(-6.0, sound.TruePeakDbtp!.Value, 1);
        Assert.Equal(TimeSpan.Zero, sound.CueIn);
        Assert.Null(sound.CueOut);
    }

    [Fact]
    public void Read_NoTags_IsNull()
    {
        var path = _folder.File("plain.mp3");
        TestAudio.WriteToneMp3(path, 997, 1);

        Assert.Null(ReplayGainTags.Read(path));
    }

    [Fact]
    public void Read_OpusR128TrackGain_IsMinus23MinusQ78()
    {
        var path = _folder.File("tagged.opus");
        using (var ffmpeg = Process.Start("ffmpeg", ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=f=997:d=1", "-c:a", "libopus", path]))
        {
            ffmpeg.WaitForExit();
            Assert.Equal(0, ffmpeg.ExitCode);
        }
        using (var file = TagLib.File.Create(path))
        {
            ((TagLib.Ogg.XiphComment)file.GetTag(TagLib.TagTypes.Xiph, true)).SetField("R128_TRACK_GAIN", "-1280"); // -5 dB
            file.Save();
        }

        var sound = ReplayGainTags.Read(path);

        Assert.NotNull(sound);
        Assert.Equal(-18.0, sound.IntegratedLufs, 2);
    }

    [Theory]
    [InlineData("-7.35 dB", -7.35)]
    [InlineData("+1.20 dB", 1.2)]
    [InlineData(" 0,5 dB", 0.5)]
    [InlineData("0.988547", 0.988547)]
    [InlineData("loud", null)]
    public void ParseNumber_TaggersWays(string text, double? expected) => Assert.Equal(expected, ReplayGainTags.ParseNumber(text));

    internal static void WriteReplayGain(string path, string gain, string? peak = null)
    {
        using var file = TagLib.File.Create(path);
        var tag = (TagLib.Id3v2.Tag)file.GetTag(TagLib.TagTypes.Id3v2, true);
        TagLib.Id3v2.UserTextInformationFrame.Get(tag, "REPLAYGAIN_TRACK_GAIN", true).Text = [gain];
        if (peak is not null)
        {
            TagLib.Id3v2.UserTextInformationFrame.Get(tag, "REPLAYGAIN_TRACK_PEAK", true).Text = [peak];
        }
        file.Save();
    }
}
