using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RadioServer.Library;
using RadioServer.Station;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Library;

public sealed class MediaLibraryTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("01 The Test Tones - Morning Sine.mp3", "The Test Tones", "Morning Sine")]
    [InlineData("Artist - Title - Remix.wav", "Artist", "Title - Remix")]
    [InlineData("07. Just A Title.mp3", "", "Just A Title")]
    [InlineData("1999 - Year Song.mp3", "1999", "Year Song")]
    public void FromFileName_SplitsArtistAndTitle(string fileName, string artist, string title) =>
        Assert.Equal((artist, title), MediaLibrary.FromFileName(fileName));

    [Fact]
    public void Scan_SampleMedia_ReadsTagsOfEveryFormat()
    {
        var repoMedia = Path.Combine(StationPaths.FindRoot(AppContext.BaseDirectory), "media");
        var library = NewLibrary(repoMedia);
        var tracks = library.Scan();
        Assert.InRange(tracks.Length, 4, 6);
        Assert.All(tracks, t =>
        {
            Assert.False(string.IsNullOrWhiteSpace(t.Artist), t.Path);
            Assert.False(string.IsNullOrWhiteSpace(t.Title), t.Path);
            Assert.Equal("RadioServer Samples", t.Album); // only tags carry the album: proves TagLib read them
            Assert.InRange(t.Duration.TotalSeconds, 20, 90);
        });
        Assert.Contains(tracks, t => t.Path.EndsWith(".wav", StringComparison.Ordinal));
        // Each sample MP3 has a cover of its own in its tag; the WAV has none.
        var covers = tracks.Where(t => t.Path.EndsWith(".mp3", StringComparison.Ordinal)).Select(t => t.ArtKey).ToList();
        Assert.All(covers, Assert.NotNull);
        Assert.Equal(covers.Count, covers.Distinct().Count());
        Assert.All(tracks.Where(t => t.Path.EndsWith(".wav", StringComparison.Ordinal)), t => Assert.Null(t.ArtKey));
    }

    [Fact]
    public void Scan_Recursive_SortedByPath_NewAndRemovedFilesFollowTheDisk()
    {
        Directory.CreateDirectory(_folder.File("sub"));
        TestAudio.WriteToneWav(_folder.File("b - Two.wav"), 500, 1);
        TestAudio.WriteToneWav(_folder.File(Path.Combine("sub", "c - Three.wav")), 500, 1);
        var library = NewLibrary(_folder.Media);
        Assert.Equal(["b - Two.wav", Path.Combine("sub", "c - Three.wav")], library.Scan().Select(t => t.RelativePath));

        TestAudio.WriteToneWav(_folder.File("a - One.wav"), 500, 1);
        File.Delete(_folder.File("b - Two.wav"));
        Assert.Equal(["One", "Three"], library.Scan().Select(t => t.Title));
    }

    [Fact]
    public void MarkFailed_KeepsTheFileOut_UntilItChanges()
    {
        TestAudio.WriteToneWav(_folder.File("a - One.wav"), 500, 1);
        var library = NewLibrary(_folder.Media);
        var track = Assert.Single(library.Scan());
        library.MarkFailed(track);
        Assert.Empty(library.Tracks);
        Assert.Empty(library.Scan());
        Assert.Equal(1, library.SkippedFiles);

        File.SetLastWriteTimeUtc(track.Path, DateTime.UtcNow.AddMinutes(1));
        Assert.Single(library.Scan());
    }

    [Fact]
    public void LoopPlayout_PlaysInOrder_AndWrapsAround()
    {
        foreach (var name in new[] { "a - 1.wav", "b - 2.wav", "c - 3.wav" })
        {
            TestAudio.WriteToneWav(_folder.File(name), 500, 1);
        }
        var library = NewLibrary(_folder.Media);
        library.Scan();
        var playout = new LibraryLoopPlayout(library);
        Assert.Equal(["1", "2", "3", "1", "2"], Enumerable.Range(0, 5).Select(_ => playout.Next()!.Title));
    }

    [Fact]
    public void Scan_FolderLinkLoop_IsWalkedOnce_WithOneWarning()
    {
        TestAudio.WriteToneWav(_folder.File("A - One.wav"), 440, 0.2);
        Directory.CreateDirectory(Path.Combine(_folder.Media, "sub"));
        TestAudio.WriteToneWav(Path.Combine(_folder.Media, "sub", "B - Two.wav"), 550, 0.2);
        Directory.CreateSymbolicLink(Path.Combine(_folder.Media, "sub", "loop"), _folder.Media); // back up the tree
        Directory.CreateSymbolicLink(Path.Combine(_folder.Media, "zz-alias"), Path.Combine(_folder.Media, "sub")); // a second name
        var logs = new ListLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var library = new MediaLibrary(new StationPaths(Options.Create(new RadioOptions { MediaPath = _folder.Media })), factory.CreateLogger<MediaLibrary>());

        var tracks = library.Scan();
        library.Scan();

        // Before: the loop was followed until paths grew too long, every track listed many times over.
        Assert.Equal(["A - One", "B - Two"], tracks.Select(t => t.DisplayTitle).Order(StringComparer.Ordinal));
        Assert.Single(logs.Entries, e => e.EventId.Name == "FolderLinksSkipped" && e.Level == LogLevel.Warning);
    }

    private static MediaLibrary NewLibrary(string media) =>
        new(new StationPaths(Options.Create(new RadioOptions { MediaPath = media })), NullLogger<MediaLibrary>.Instance);
}
