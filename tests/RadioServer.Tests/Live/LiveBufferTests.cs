using RadioServer.Live;

namespace RadioServer.Tests.Live;

/// <summary>The live jitter buffer: small, grows after underruns, earns its delay back, catches up in pauses, never drops sound.</summary>
public sealed class LiveBufferTests
{
    private const int Frame = 1152 * 2;

    [Fact]
    public void ABurstAtConnect_IsCaughtUpInThePauses_AndNoSoundIsDropped()
    {
        var buffer = new LiveBuffer();
        // A client that sends 2.5 s at once (its own buffer), alternating 0.5 s of speech and 0.5 s of pause.
        var sound = 0;
        for (var half = 0; half < 5; half++)
        {
            var chunk = new float[22050 * 2];
            if (half % 2 == 0)
            {
                Array.Fill(chunk, 0.25f);
                sound += chunk.Length;
            }
            Assert.True(buffer.WriteAsync(chunk).IsCompleted);
        }
        var heard = 0;
        var read = new float[Frame];
        for (var i = 0; i < 300; i++) // 7 s: the excess goes at up to one extra frame per frame of pause
        {
            var n = buffer.Read(read);
            heard += read.AsSpan(0, n).ToArray().Count(x => x > 0.2f);
            buffer.WriteAsync(new float[Frame]); // then real time: a frame in for every frame out (a pause)
        }
        Assert.Equal(sound, heard); // every sample of speech played
        Assert.InRange(buffer.Count, 0, (int)((LiveBuffer.InitialTarget + LiveBuffer.Slack).TotalSeconds * 44100 * 2) + Frame);
        Assert.True(buffer.CaughtUp > 0);
    }

    [Fact]
    public void TheTarget_GrowsAfterAnUnderrun_AndComesBackAfterThirtySecondsOfFlow()
    {
        var buffer = new LiveBuffer();
        var read = new float[Frame];
        var tone = Enumerable.Repeat(0.5f, Frame).ToArray();
        for (var i = 0; i < 8; i++)
        {
            buffer.WriteAsync(tone);
        }
        while (buffer.Read(read) == read.Length)
        {
        }
        Assert.Equal(1, buffer.Underruns);
        Assert.Equal(TimeSpan.FromMilliseconds(300), buffer.Target);
        for (var i = 0; i < 32 * 44100 / 1152; i++)
        {
            buffer.WriteAsync(tone);
            buffer.Read(read);
        }
        Assert.Equal(1, buffer.Underruns);
        Assert.Equal(TimeSpan.FromMilliseconds(200), buffer.Target);
    }
}
