using System.Collections.Concurrent;
using System.Net;

namespace RadioServer.Auth;

/// <summary>
/// Wrong keys, logged so that someone guessing cannot flood the log: every refusal at Debug, and per address one
/// Warning at the first refusal, then at most one a minute, saying how many came since the last. (ASP.NET Core's
/// own two Information lines per refusal are turned off for the handler's category in appsettings.json.)
/// </summary>
internal sealed partial class FailedKeyLog(TimeProvider time, ILogger<FailedKeyLog> logger)
{
    private static readonly TimeSpan s_summaryInterval = TimeSpan.FromMinutes(1);

    // Bounded: past this many addresses the memory of who failed is dropped (each then warns once more).
    private const int MaxAddresses = 10_000;

    private readonly ConcurrentDictionary<IPAddress, Tally> _tallies = new();

    public void Refused(IPAddress? address, string path)
    {
        address ??= IPAddress.None;
        Log.Refused(logger, address, path);
        if (_tallies.Count >= MaxAddresses)
        {
            _tallies.Clear();
        }
        var tally = _tallies.GetOrAdd(address, static _ => new Tally());
        var now = time.GetUtcNow();
        long since;
        lock (tally)
        {
            if (tally.LastWarning is { } last && now - last < s_summaryInterval)
            {
                tally.Unreported++;
                return;
            }
            since = tally.Unreported;
            tally.Unreported = 0;
            tally.LastWarning = now;
        }
        Log.RefusedSummary(logger, address, path, since);
    }

    private sealed class Tally
    {
        public DateTimeOffset? LastWarning;
        public long Unreported;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "A key from {Address} was refused ({Path}).", EventName = "KeyRefused")]
        public static partial void Refused(ILogger logger, IPAddress address, string path);

        [LoggerMessage(2, LogLevel.Warning, "A key from {Address} was refused ({Path}); {Since} more refused since the last warning. The next warning for this address comes in a minute at the earliest.", EventName = "KeysRefusedFrom")]
        public static partial void RefusedSummary(ILogger logger, IPAddress address, string path, long since);
    }
}
