using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RadioServer.Audio;
using RadioServer.Library;
using RadioServer.Library.Analysis;
using RadioServer.Station;
using RadioServer.Tests.Infrastructure;
using static RadioServer.Tests.Library.Analysis.AnalysisMedia;

namespace RadioServer.Tests.Library.Analysis;

/// <summary>The analysis service over a real library folder and SQLite file: the cache, restarts, bad files, tag gains.</summary>
public sealed class LibraryAnalysisTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly TempFolder _folder = new();
    private readonly ListLoggerProvider _logs = new();

    public void Dispose() => _folder.Dispose();

    private string Database => Path.Combine(_folder.Path, "station.db");

    [Fact]
    public async Task Restart_KeepsTheCache_RedoesOnlyTheChangedFile()
    {
        Write(_folder.File("a.wav"), Segment.Tone(2, -20));
        Write(_folder.File("b.wav"), Segment.Silence(1), Segment.Tone(2, -14));
        Write(_folder.File("c.wav"), Segment.Tone(2, -30));

        await using (var first = await Run())
        {
            Assert.Equal(3, first.Analysed.Count);
            var status = first.Service.Status();
            Assert.Equal(new AnalysisStatus(true, false, 3, 3, 0, 0), status);
            Assert.InRange(first.Find("b.wav")!.CueIn.TotalSeconds, 0.9, 1.1);
        }

        await using (var second = await Run())
        {
            Assert.Empty(second.Analysed); // all three from the cache
            Assert.Equal(TrackSoundSource.Analysis, second.Find("a.wav")!.Source);
            Assert.InRange(second.Find("a.wav")!.IntegratedLufs, -20.1, -19.9);
            Assert.InRange(second.Find("b.wav")!.CueIn.TotalSeconds, 0.9, 1.1);
        }

        // The same size, another time: redone. Then a new file, seen at the next scan without a restart.
        Write(_folder.File("c.wav"), Segment.Tone(2, -10));
        File.SetLastWriteTimeUtc(_folder.File("c.wav"), DateTime.UtcNow.AddMinutes(1));
        await using (var third = await Run())
        {
            Assert.Equal([_folder.File("c.wav")], third.Analysed);
            Assert.InRange(third.Find("c.wav")!.IntegratedLufs, -10.1, -9.9);

            Write(_folder.File("d.wav"), Segment.Tone(2, -16));
            await third.ScanAsync();
            Assert.Equal([_folder.File("c.wav"), _folder.File("d.wav")], third.Analysed);
            Assert.InRange(third.Find("d.wav")!.IntegratedLufs, -16.1, -15.9);
            Assert.Equal(4, third.Service.Status().Analysed);
        }
    }

    [Fact]
    public async Task CorruptFile_ReportedOnce_NoSound_NotTriedAgainUntilItChanges()
    {
        Write(_folder.File("good.wav"), Segment.Tone(2, -20));
        File.WriteAllBytes(_folder.File("bad.wav"), [.. "RIFF\x10\0\0\0WAVEjunk"u8, .. new byte[5000]]);

        await using (var first = await Run())
        {
            Assert.Null(first.Find("bad.wav"));
            Assert.NotNull(first.Find("good.wav"));
            Assert.Equal(new AnalysisStatus(true, false, 2, 1, 1, 0), first.Service.Status());
            await first.ScanAsync();
            await first.ScanAsync();
        }
        await using (var restarted = await Run())
        {
            Assert.Empty(restarted.Analysed);
            Assert.Equal(1, restarted.Service.Status().Failed);
        }
        var failures = _logs.Entries.Where(e => e.EventId.Name == "TrackAnalysisFailed").ToList();
        var failure = Assert.Single(failures);
        Assert.Contains("bad.wav", failure.Message, StringComparison.Ordinal);

        // Mended: analysed at once.
        Write(_folder.File("bad.wav"), Segment.Tone(2, -12));
        await using var mended = await Run();
        Assert.Equal([_folder.File("bad.wav")], mended.Analysed);
        Assert.Equal(new AnalysisStatus(true, false, 2, 2, 0, 0), mended.Service.Status());
    }

    [Fact]
    public async Task ReplayGainTag_IsUsedBeforeTheAnalysis_ThenTheAnalysis()
    {
        var path = _folder.File("tagged.mp3");
        TestAudio.WriteToneMp3(path, 997, 3, amplitude: 0.1f); // -20 dBFS: about -20 LUFS
        ReplayGainTagsTests.WriteReplayGain(path, "+4.00 dB", "0.1");

        await using (var off = await Run(analysis: false))
        {
            var tagged = off.Find("tagged.mp3");
            Assert.NotNull(tagged);
            Assert.Equal(TrackSoundSource.Tags, tagged.Source);
            Assert.Equal(-22.0, tagged.IntegratedLufs, 2);
            Assert.Empty(off.Analysed);
            Assert.Equal(new AnalysisStatus(false, false, 1, 0, 0, 1), off.Service.Status());
        }

        await using var on = await Run();
        var analysed = on.Find("tagged.mp3");
        Assert.NotNull(analysed);
        Assert.Equal(TrackSoundSource.Analysis, analysed.Source);
        Assert.InRange(analysed.IntegratedLufs, -20.6, -19.4);
    }

    [Fact]
    public async Task Stop_DuringALongAnalysis_EndsPromptly_AndTheFileIsDoneAfterTheRestart()
    {
        Write(_folder.File("a.wav"), Segment.Tone(1, -20));
        Write16(_folder.File("b.wav"), Segment.Tone(240, -20)); // four minutes: a second or more of work
        var firstDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = await Run(wait: false, analysed: path => firstDone.TrySetResult());
        await firstDone.Task.WaitAsync(s_timeout); // a.wav done: b.wav is being analysed now
        Assert.Equal(19, AnalysisThreadNice()); // below the air chain (nice 0)

        await run.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal([_folder.File("a.wav")], run.Analysed);
        Assert.DoesNotContain(_logs.Entries, e => e.EventId.Name == "TrackAnalysisFailed"); // stopped, not failed
        await using var restarted = await Run();
        Assert.Equal([_folder.File("b.wav")], restarted.Analysed);
    }

    /// <summary>The nice value of this process' thread named "Library analysis" (Linux truncates names to 15 bytes).</summary>
    private static int AnalysisThreadNice()
    {
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith("Library analys", StringComparison.Ordinal))
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                // After "(comm)": state is field 3; nice is field 19.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return int.Parse(fields[19 - 3], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException("no thread named Library analysis");
    }

    private async Task<Running> Run(bool analysis = true, bool wait = true, Action<string>? analysed = null)
    {
        var factory = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Debug));
        var paths = new StationPaths(Options.Create(new RadioOptions { MediaPath = _folder.Media, DatabasePath = Database }));
        var library = new MediaLibrary(paths, factory.CreateLogger<MediaLibrary>());
        library.Scan();
        var service = new LibraryAnalysis(library, paths, Options.Create(new SoundOptions { Analysis = analysis }), TimeProvider.System, factory.CreateLogger<LibraryAnalysis>());
        var running = new Running(library, service, factory);
        if (analysed is not null)
        {
            service.Analysed += analysed;
        }
        await service.StartAsync(CancellationToken.None);
        if (wait)
        {
            await service.WhenIdleAsync().WaitAsync(s_timeout);
        }
        return running;
    }

    private sealed class Running : IAsyncDisposable
    {
        private readonly ConcurrentQueue<string> _analysed = new();
        private readonly ILoggerFactory _factory;

        public Running(MediaLibrary library, LibraryAnalysis service, ILoggerFactory factory)
        {
            Library = library;
            Service = service;
            _factory = factory;
            service.Analysed += _analysed.Enqueue;
        }

        public MediaLibrary Library { get; }

        public LibraryAnalysis Service { get; }

        public List<string> Analysed => [.. _analysed.Order(StringComparer.Ordinal)];

        public TrackSound? Find(string name) => Service.Find(Library.Tracks.Single(t => t.RelativePath == name));

        public async Task ScanAsync()
        {
            Library.Scan();
            await Service.WhenIdleAsync().WaitAsync(s_timeout);
        }

        public async ValueTask DisposeAsync()
        {
            await Service.StopAsync(CancellationToken.None);
            Service.Dispose();
            _factory.Dispose();
        }
    }
}
