using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using RadioServer.Operations;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Operations;

/// <summary>Keys and small HTTP/hub helpers shared by the operators' tests.</summary>
internal static class Operators
{
    public const string OperatorKey = "operator-key-for-tests";
    public const string HostKey = "host-key-for-tests";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Dictionary<string, string?> Settings(params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Radio:Auth:OperatorKey"] = OperatorKey,
            ["Radio:Auth:HostKey"] = HostKey,
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }
        return settings;
    }

    public static HttpClient Http(TestStation station, string? key = OperatorKey)
    {
        var http = new HttpClient { BaseAddress = station.BaseUri, Timeout = TimeSpan.FromSeconds(20) };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return http;
    }

    public static async Task<StatusReport> StatusAsync(TestStation station)
    {
        using var http = Http(station, key: null);
        return (await http.GetFromJsonAsync<StatusReport>("/api/status", Json))!;
    }

    /// <summary>An operator on the hub: joined to the operators' group, its pushes in channels.</summary>
    public sealed class HubOperator : IAsyncDisposable
    {
        private HubOperator(HubConnection connection) => Connection = connection;

        public HubConnection Connection { get; }

        public Channel<AlarmMessage> Alarms { get; } = Channel.CreateUnbounded<AlarmMessage>();

        public Channel<OperatorUpdate> Updates { get; } = Channel.CreateUnbounded<OperatorUpdate>();

        public Channel<HistoryEntry> Played { get; } = Channel.CreateUnbounded<HistoryEntry>();

        public Channel<RadioServer.Live.LiveStatus> Live { get; } = Channel.CreateUnbounded<RadioServer.Live.LiveStatus>();

        public Channel<RadioServer.Audio.Loudness.LoudnessStatus> Loudness { get; } = Channel.CreateUnbounded<RadioServer.Audio.Loudness.LoudnessStatus>();

        public OperatorState? State { get; private set; }

        public static async Task<HubOperator> JoinAsync(TestStation station, string key = OperatorKey)
        {
            var connection = new HubConnectionBuilder()
                .WithUrl(station.Url("/hubs/operators"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(key))
                .Build();
            var op = new HubOperator(connection);
            connection.On<AlarmMessage>("Alarm", a => op.Alarms.Writer.TryWrite(a));
            connection.On<OperatorUpdate>("OperatorUpdate", u => op.Updates.Writer.TryWrite(u));
            connection.On<HistoryEntry>("Played", p => op.Played.Writer.TryWrite(p));
            connection.On<RadioServer.Live.LiveStatus>("Live", l => op.Live.Writer.TryWrite(l));
            connection.On<RadioServer.Audio.Loudness.LoudnessStatus>("Loudness", l => op.Loudness.Writer.TryWrite(l));
            await connection.StartAsync();
            op.State = await connection.InvokeAsync<OperatorState>("JoinOperators");
            return op;
        }

        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }
}
