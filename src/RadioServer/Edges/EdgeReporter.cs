using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using RadioServer.Streaming.Connections;
using RadioServer.Streaming.Listeners;

namespace RadioServer.Edges;

/// <summary>
/// An edge's reports to its origin (<c>POST /api/edges/report</c> every <see cref="EdgeOptions.EdgeReportSeconds"/>, edge key
/// in <see cref="RelayProtocol.KeyHeader"/>): its listeners and room. The answer carries the station's total and the
/// nodes with room, which this node sends players to when it is full (<see cref="Overflow"/>). A report that fails is
/// said once in the log and retried at the next tick; the origin forgets an edge it has not heard from for 10 s.
/// </summary>
internal sealed partial class EdgeReporter(
    EdgeHttp http,
    OriginRelay relay,
    ListenerRegistry listeners,
    DescriptorBudget budget,
    Overflow overflow,
    EdgeSelf self,
    IHostApplicationLifetime lifetime,
    IOptions<EdgeOptions> options,
    TimeProvider time,
    ILogger<EdgeReporter> logger) : BackgroundService
{
    private readonly EdgeOptions _options = options.Value;
    private volatile bool _reporting;
    private volatile int _stationListeners;
    private string? _lastError;

    public bool Reporting => _reporting;

    /// <summary>The station's listeners as the origin last answered (this node's own until it has).</summary>
    public int StationListeners => _reporting ? _stationListeners : listeners.Count;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.EdgeReportSeconds), time);
        try
        {
            // Not before the server listens: until then this node's address (with port 0 in tests) is not where it is reached.
            using (var started = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStarted, stoppingToken))
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, started.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            stoppingToken.ThrowIfCancellationRequested();
            do
            {
                await ReportAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal async Task ReportAsync(CancellationToken cancellationToken)
    {
        var report = new EdgeReport(self.Name, self.Url(), listeners.Count, self.Room(budget), relay.Connected);
        string? error;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(http.Origin!, "api/edges/report"))
            {
                Content = JsonContent.Create(report, EdgesJson.Default.EdgeReport),
            };
            request.Headers.Add(RelayProtocol.KeyHeader, _options.EdgeKey);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, _options.EdgeReportSeconds)));
            using var response = await http.Client.SendAsync(request, deadline.Token);
            if (response.IsSuccessStatusCode)
            {
                var answer = await response.Content.ReadFromJsonAsync(EdgesJson.Default.EdgeReportAnswer, deadline.Token);
                if (answer is not null)
                {
                    _stationListeners = answer.StationListeners;
                    overflow.Offer(answer.WithRoom.Where(n => n.Name != report.Name && n.Url != report.Url).Select(n => n.Url));
                    _reporting = true;
                    if (_lastError is not null)
                    {
                        Log.ReportsAgain(logger);
                        _lastError = null;
                    }
                    return;
                }
                error = "the origin's answer was empty";
            }
            else
            {
                var body = await response.Content.ReadAsStringAsync(deadline.Token);
                error = $"{(int)response.StatusCode} {response.ReasonPhrase}: {(body.Length > 300 ? body[..300] : body)}";
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or System.Text.Json.JsonException)
        {
            error = ex is OperationCanceledException ? "no answer in time" : ex.Message;
        }
        _reporting = false;
        overflow.Offer([]); // what the origin said about room is no longer known
        if (error != _lastError)
        {
            _lastError = error;
            Log.ReportFailed(logger, http.Origin!, error);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Reporting listeners to {Origin} failed: {Error}. The origin's total lacks this edge until a report gets through.", EventName = "EdgeReportFailed")]
        public static partial void ReportFailed(ILogger logger, Uri origin, string error);

        [LoggerMessage(2, LogLevel.Information, "Reporting listeners to the origin again.", EventName = "EdgeReportsAgain")]
        public static partial void ReportsAgain(ILogger logger);
    }
}
