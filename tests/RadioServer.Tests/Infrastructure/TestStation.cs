using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using RadioServer.Audio;
using RadioServer.Library;
using RadioServer.Streaming;
using RadioServer.Streaming.Listeners;

namespace RadioServer.Tests.Infrastructure;

/// <summary>
/// The real server on 127.0.0.1, port 0 (or <c>urls</c>), with its own media folder. With a fake clock (the default)
/// a test steps time and the air chain makes exactly that much audio, as fast as the CPU allows (<see cref="SteppedAirChain"/>).
/// </summary>
internal sealed class TestStation : IAsyncDisposable
{
    private TestStation(WebApplication app, FakeTimeProvider? time, ListLoggerProvider logs, Uri baseUri)
    {
        App = app;
        Time = time;
        Logs = logs;
        BaseUri = baseUri;
    }

    private string? _database;

    public WebApplication App { get; }

    public FakeTimeProvider? Time { get; }

    public ListLoggerProvider Logs { get; }

    public Uri BaseUri { get; }

    public AirChain Chain => App.Services.GetRequiredService<AirChain>();

    public BroadcastBuffer Buffer => App.Services.GetRequiredService<BroadcastBuffer>();

    public ListenerRegistry Listeners => App.Services.GetRequiredService<ListenerRegistry>();

    public MediaLibrary Library => App.Services.GetRequiredService<MediaLibrary>();

    public RadioServer.Scheduling.ScheduleStore Schedule => App.Services.GetRequiredService<RadioServer.Scheduling.ScheduleStore>();

    public static async Task<TestStation> StartAsync(string mediaPath, IDictionary<string, string?>? settings = null, bool fakeTime = true, Action<IServiceCollection>? services = null, DateTimeOffset? start = null, string urls = "http://127.0.0.1:0")
    {
        var args = new List<string> { "--urls", urls, $"--Radio:MediaPath={mediaPath}", $"--Radio:RootPath={Path.GetDirectoryName(mediaPath)}" };
        settings ??= new Dictionary<string, string?>();
        foreach (var (key, value) in settings)
        {
            args.Add($"--{key}={value}");
        }
        if (!settings.ContainsKey("Radio:Sound:Analysis"))
        {
            // The library analysis runs on a thread of its own, on the real clock: a track analysed or not by the time it
            // opens plays with another gain and other transitions. Off unless a test asks for it, so every run hears the same.
            args.Add("--Radio:Sound:Analysis=false");
        }
        string? database = null;
        if (!settings.ContainsKey("Radio:DatabasePath"))
        {
            // Each station its own play history, deleted afterwards, wherever its media folder is.
            database = Path.Combine(Path.GetTempPath(), $"radioserver-test-{Guid.NewGuid():N}.db");
            args.Add($"--Radio:DatabasePath={database}");
        }
        // A fixed, arbitrary start: a Thursday in the middle of the day, UTC.
        var time = fakeTime ? new FakeTimeProvider(start ?? new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero)) : null;
        var logs = new ListLoggerProvider();
        var app = StationApp.Build([.. args], builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            if (time is not null)
            {
                builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time));
                ReplaceAirChainDriver(builder.Services);
            }
            services?.Invoke(builder.Services);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestStation(app, time, logs, new Uri(address)) { _database = database };
    }

    /// <summary>The stepped driver takes the real one's place in the list, so the hosted services start in the same order.</summary>
    private static void ReplaceAirChainDriver(IServiceCollection services)
    {
        var driver = services.SingleOrDefault(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(AirChainDriver));
        if (driver is null)
        {
            return; // an edge: its relay took the driver's place
        }
        var index = services.IndexOf(driver);
        services[index] = ServiceDescriptor.Singleton<IHostedService, SteppedAirChain>();
    }

    /// <summary>Steps the fake clock by <paramref name="total"/> in <paramref name="step"/>s; after each the air chain makes the audio now due.</summary>
    public async Task AdvanceAsync(TimeSpan total, TimeSpan? step = null, Func<Task>? afterEachStep = null)
    {
        var time = Time ?? throw new InvalidOperationException("This station runs on the real clock.");
        var stride = step ?? TimeSpan.FromMilliseconds(100);
        for (var done = TimeSpan.Zero; done < total; done += stride)
        {
            time.Advance(stride < total - done ? stride : total - done);
            Chain.ProduceDue();
            if (afterEachStep is not null)
            {
                await afterEachStep();
            }
        }
    }

    /// <summary>
    /// Steps the clock 100 ms at a time (the air chain producing) until <paramref name="task"/> completes: for
    /// events that need the station to go on (a listener's loop notices a hang-up or a drop at its next chunk).
    /// </summary>
    public async Task AdvanceUntilAsync(Task task, TimeSpan? max = null)
    {
        var limit = max ?? TimeSpan.FromSeconds(10);
        for (var done = TimeSpan.Zero; !task.IsCompleted && done < limit; done += TimeSpan.FromMilliseconds(100))
        {
            await AdvanceAsync(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(task, Task.Delay(10));
        }
        await task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public Uri Url(string path) => new(BaseUri, path);

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await App.StopAsync(timeout.Token);
        }
        finally
        {
            await App.DisposeAsync();
            foreach (var file in _database is null ? [] : new[] { _database, _database + "-wal", _database + "-shm" })
            {
                File.Delete(file);
            }
        }
    }
}
