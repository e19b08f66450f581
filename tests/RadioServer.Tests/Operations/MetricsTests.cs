using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using RadioServer.Streaming;
using RadioServer.Streaming.Listeners;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Operations;

/// <summary>/metrics in Prometheus' text exposition format, read back with a strict parser.</summary>
public sealed partial class MetricsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public MetricsTests() => TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 500, 2);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Metrics_ParseAsPrometheusText_AndTheListenerGaugeFollowsAListener()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings());
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        using var http = Operators.Http(station, key: null);

        var before = await ScrapeAsync(http);
        Assert.Equal(0, before["radio_listeners"]);
        Assert.Equal(0, before["radio_listener_connects_total"]);
        Assert.Equal(1, before["radio_encoder_running"]);
        Assert.True(before["radio_encoder_frames_total"] > 30);
        Assert.Equal(1, before["radio_track_changes_total"]);
        Assert.Equal(0, before["radio_dead_air_seconds_total"]);
        Assert.Equal(0, before["radio_history_write_errors_total"]);
        Assert.True(before.ContainsKey("radio_schedule_reloads_total"));
        Assert.True(before.ContainsKey("radio_hub_connections"));
        Assert.True(before.ContainsKey("process_cpu_seconds_total"));

        var left = new TaskCompletionSource<ListenerSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        station.Listeners.Left += s => left.TrySetResult(s);
        var listener = await StreamClient.ConnectAsync(station.Url("/stream"));
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        await listener.WaitForAudioAsync(16_000);
        var during = await ScrapeAsync(http);
        Assert.Equal(1, during["radio_listeners"]);
        Assert.Equal(1, during["radio_listener_connects_total"]);
        Assert.True(during["radio_bytes_sent_total"] >= 16_000);

        await listener.DisposeAsync();
        await station.AdvanceUntilAsync(left.Task); // the server notices at its next write
        var after = await ScrapeAsync(http);
        Assert.Equal(0, after["radio_listeners"]);
        Assert.Equal(1, after["radio_listener_disconnects_total{reason=\"clientClosed\"}"]);
        Assert.Equal(0, after["radio_listener_disconnects_total{reason=\"tooSlow\"}"]);
        Assert.True(after["radio_bytes_sent_total"] >= during["radio_bytes_sent_total"]);
    }

    /// <summary>Parses the exposition format strictly: every sample belongs to a family declared by # TYPE before it.</summary>
    private static async Task<Dictionary<string, double>> ScrapeAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("version=0.0.4", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.Equal(4, parts.Length);
                Assert.Matches(MetricName(), parts[2]);
                Assert.Contains(parts[3], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                types[parts[2]] = parts[3];
                continue;
            }
            var match = Sample().Match(line);
            Assert.True(match.Success, $"not a Prometheus sample line: {line}");
            var name = match.Groups["name"].Value;
            var family = types.Keys.Where(t => name == t || name.StartsWith(t + "_", StringComparison.Ordinal)).OrderByDescending(t => t.Length).FirstOrDefault();
            Assert.True(family is not null, $"{name} has no # TYPE before it");
            if (types[family!] == "counter")
            {
                Assert.EndsWith("_total", name, StringComparison.Ordinal);
            }
            var value = match.Groups["value"].Value;
            samples[name + match.Groups["labels"].Value] = value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
        }
        return samples;
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (?<value>[-+]?(\d+(\.\d*)?([eE][-+]?\d+)?|NaN|\+Inf|-Inf))( -?\d+)?$""")]
    private static partial Regex Sample();
}
