namespace RadioServer.Library;

/// <summary>Scans the media folder once before the air chain starts, then again every minute, off the audio thread.</summary>
internal sealed class LibraryScanner(MediaLibrary library, TimeProvider time) : IHostedService, IDisposable
{
    // A minute keeps a new file's wait short while costing nothing on a small library (tags are cached by size and time).
    private static readonly TimeSpan s_interval = TimeSpan.FromMinutes(1);
    private ITimer? _timer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        library.Scan();
        _timer = time.CreateTimer(_ => library.Scan(), null, s_interval, s_interval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();
}
