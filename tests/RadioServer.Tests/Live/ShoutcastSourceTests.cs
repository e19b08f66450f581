using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RadioServer.Live;
using RadioServer.Live.Accounts;
using RadioServer.Streaming.Connections;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Live;

/// <summary>
/// SHOUTcast v1 source clients on their own port: the password line, OK2, the icy- lines and the audio, as Winamp's
/// DSP, SAM, libshout's ICY protocol and Liquidsoap's output.shoutcast send them; admitted by the same rules as
/// PUT/SOURCE, heard decoded by listeners, titled by admin.cgi.
/// </summary>
public sealed class ShoutcastSourceTests : IDisposable
{
    private const string Password = "test-master-password";
    private const string Ok2 = "OK2\r\nicy-caps:11\r\n\r\n";
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(20);
    private readonly TempFolder _folder = new();

    public ShoutcastSourceTests() => TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 500, 60);

    public void Dispose() => _folder.Dispose();

    private static Dictionary<string, string?> Settings(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Radio:Live:MasterPassword"] = Password,
            ["Radio:Live:Shoutcast"] = "true",
            ["Radio:Live:ShoutcastPort"] = "0", // the station is on port 0 too: any free port, read back from ShoutcastSources
        };
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }
        return settings;
    }

    [Fact]
    public async Task OnePacketOfPasswordHeadersAndAudio_IsAnsweredOk2_HeardAsTheTone_TitledByItsNameThenByAdminCgi()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Settings());
        var live = station.App.Services.GetRequiredService<LiveSources>();
        await using var listener = await StreamClient.ConnectAsync(station.Url("/stream"), icyMetadata: true);
        await station.AdvanceAsync(TimeSpan.FromSeconds(3));
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);
        var automationEnd = listener.AudioBytes;

        var mp3 = _folder.File("live.mp3");
        TestAudio.WriteToneMp3(mp3, 1000, 12, sampleRate: 48000, channels: 1, bitrateKbps: 64);
        var audio = await File.ReadAllBytesAsync(mp3);
        using var source = await ConnectAsync(station);
        // What Winamp's DSP with "send headers at once" (and libshout's ICY protocol) writes before reading a byte: one send.
        var head = Encoding.ASCII.GetBytes($"{Password}\r\nicy-name:Night Live\r\nicy-genre:Jazz\r\nicy-url:http://example.org/night\r\n" +
            "icy-pub:0\r\nicy-br:64\r\ncontent-type:audio/mpeg\r\n\r\n");
        Assert.Equal(head.Length + 4096, await source.SendAsync((byte[])[.. head, .. audio.AsSpan(0, 4096)]));
        Assert.Equal(Ok2, await ReadAsync(source, Ok2.Length));
        var sending = source.SendAsync(audio.AsMemory(4096)).AsTask();

        await UntilAsync(() => live.Buffered >= 44100 * 2);
        await station.AdvanceAsync(TimeSpan.FromSeconds(4), TimeSpan.FromMilliseconds(100), () => UntilAsync(() => live.Buffered >= 44100 || live.Current is null));
        Assert.True(station.Chain.LiveOnAir);
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);
        var liveEnd = listener.AudioBytes;
        Assert.Contains(listener.Blocks, b => b.StreamTitle == "Night Live");
        // The same fields as a PUT's ice-/icy- headers, for status and the hosts' page.
        var request = live.Current!.Request;
        Assert.Equal(("Night Live", "Jazz", "http://example.org/night", 64, false, "audio/mpeg", "ICY"),
            (request.Name, request.Genre, request.Url, request.Bitrate, request.Public, request.ContentType, request.Protocol));
        Assert.Equal("Night Live", Assert.Single(live.Status(withSources: true, withAddresses: false).Sources).Name);

        // SHOUTcast's metadata update, on the station's port, with the bare password: the listeners' ICY title changes.
        using (var http = new HttpClient { BaseAddress = station.BaseUri })
        {
            using var updated = await http.GetAsync($"/admin.cgi?mode=updinfo&pass={Password}&song=Alex%20Morgan%20-%20Talk");
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
            Assert.Contains("Metadata update successful", await updated.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        await station.AdvanceAsync(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100), () => UntilAsync(() => live.Buffered >= 44100 || live.Current is null));
        await listener.WaitForAudioAsync(station.Buffer.EndPosition);
        liveEnd = listener.AudioBytes;
        Assert.Equal("Alex Morgan - Talk", listener.Blocks.Last(b => b.StreamTitle is not null).StreamTitle);

        // It hangs up: every byte after the head reached the decoder (the head reader took the head and nothing more).
        await sending;
        source.Shutdown(SocketShutdown.Send);
        await station.AdvanceAsync(TimeSpan.FromSeconds(12), TimeSpan.FromMilliseconds(100), () => UntilAsync(() => live.Buffered >= 44100 || live.Current is null));
        Assert.Null(live.Current);
        Assert.Equal("", await ReadToEndAsync(source)); // OK2 once, nothing after it
        Assert.Contains(station.Logs.Entries, e => e.EventId.Name == "SourceEnded" && e.Message.Contains($"({audio.Length} bytes", StringComparison.Ordinal));

        var (samples, rate, channels) = TestAudio.DecodeMp3(listener.Audio);
        var perByte = samples.Length / (double)listener.AudioBytes / channels;
        double ToneBefore(long bytes)
        {
            var end = (int)(bytes * perByte);
            return TestAudio.ToneFrequency(TestAudio.Channel(samples, channels, 0).AsSpan(end - rate, rate / 2), rate);
        }
        Assert.InRange(ToneBefore(automationEnd), 495, 505);
        Assert.InRange(ToneBefore(liveEnd), 990, 1010);
        Assert.Equal(1, live.Connects);
    }

    [Fact]
    public async Task PasswordThenHeadersInSeparatePackets_Ok2ComesBeforeTheHeaders_AndTheSourceConnects()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Settings());
        var live = station.App.Services.GetRequiredService<LiveSources>();
        using var source = await ConnectAsync(station);
        // Liquidsoap's output.shoutcast and the newer DarkIce wait for the answer before their icy- lines.
        await source.SendAsync(Encoding.ASCII.GetBytes($"{Password}\r\n"));
        Assert.Equal(Ok2, await ReadAsync(source, Ok2.Length));
        Assert.Null(live.Current);
        await source.SendAsync(Encoding.Latin1.GetBytes("icy-name:Split Packets\r\nicy-genre:Caf\u00e9 Talk\r\n")); // Latin-1, as Winamp's DSP
        await source.SendAsync(Encoding.ASCII.GetBytes("icy-br:128\r\n\r\n"));
        var mp3 = _folder.File("live.mp3");
        TestAudio.WriteToneMp3(mp3, 1000, 2);
        await source.SendAsync(await File.ReadAllBytesAsync(mp3));
        await UntilAsync(() => live.Buffered >= 44100);
        Assert.Equal(("Split Packets", "Café Talk", 128), (live.Current!.Request.Name, live.Current.Request.Genre, live.Current.Request.Bitrate));
        Assert.Equal("MP3", live.Current.Decoder.Codec);
    }

    [Fact]
    public async Task OtherRefusals_AreOneLineTheClientCanLog_BeforeOrAfterOk2_AndTheFirstSourceStays()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Settings());
        var live = station.App.Services.GetRequiredService<LiveSources>();
        using var first = await ConnectAsync(station);
        await first.SendAsync(Encoding.ASCII.GetBytes($"{Password}\r\nicy-name:First\r\n\r\n"));
        Assert.Equal(Ok2, await ReadAsync(first, Ok2.Length));
        await UntilAsync(() => live.Current is not null);

        // All at once: the refusal instead of OK2.
        using (var aac = await ConnectAsync(station))
        {
            await aac.SendAsync(Encoding.ASCII.GetBytes($"{Password}\r\ncontent-type:audio/aacp\r\n\r\n"));
            Assert.Equal("Content-type not supported.\r\n", await ReadToEndAsync(aac));
        }
        // Waiting for OK2 first: OK2, then the refusal once its head is there.
        using (var second = await ConnectAsync(station))
        {
            await second.SendAsync(Encoding.ASCII.GetBytes($"{Password}\r\n"));
            Assert.Equal(Ok2, await ReadAsync(second, Ok2.Length));
            await second.SendAsync(Encoding.ASCII.GetBytes("icy-name:Second\r\n\r\n"));
            Assert.Equal("Mountpoint in use.\r\n", await ReadToEndAsync(second));
        }
        Assert.Equal("First", live.Current!.Request.Name);
        Assert.Equal((1, 1), (live.Refusals["contentType"], live.Refusals["inUse"]));
    }

    [Fact]
    public async Task PasswordLineForms_AreTakenForTheirAccount()
    {
        // Thursday 2026-11-26 12:00 UTC, the test station's start: Alex Morgan's slot is open.
        File.WriteAllText(Path.Combine(_folder.Path, "schedule.json"), """
            { "timeZone": "UTC", "automation": { "title": "Automation", "playlist": { "items": ["."] } },
              "shows": [ { "id": "noon", "title": "Noon Live", "hosts": ["Alex Morgan"], "playlist": { "items": ["."] },
                           "slots": [ { "days": ["thu"], "start": "11:00", "end": "13:00" } ] } ] }
            """);
        await using var station = await TestStation.StartAsync(_folder.Media, Settings(),
            services: s => s.Replace(ServiceDescriptor.Singleton<IHostAccounts>(new FakeHostAccounts().Add("Alex Morgan", "host-pass"))));
        var live = station.App.Services.GetRequiredService<LiveSources>();
        (string Line, string Account)[] forms =
        [
            ("source:" + Password + "\r\n", "source"), // user:password, the master's
            (Password + ":#1\r\n", "source"), // SHOUTcast 2's stream id after the password
            (Password + "\n", "source"), // LF only
            ("SOURCE " + Password + "\n /live\n", "source"), // DarkIce with a mount point set
            ("Alex Morgan:host-pass\r\n", "Alex Morgan"), // a host's account, in their slot
        ];
        foreach (var (line, account) in forms)
        {
            using var source = await ConnectAsync(station);
            await source.SendAsync(Encoding.ASCII.GetBytes(line));
            Assert.Equal(Ok2, await ReadAsync(source, Ok2.Length));
            await source.SendAsync(Encoding.ASCII.GetBytes("icy-name:Forms\n\n"));
            await UntilAsync(() => live.Current is not null);
            Assert.Equal(account, live.Current!.Account);
            source.Shutdown(SocketShutdown.Both);
            await UntilAsync(() => live.Current is null); // the mount is free for the next form
        }
        Assert.Equal(forms.Length, live.Connects);
    }

    [Fact]
    public async Task WrongPassword_IsAnsweredInvalidPassword_RefusalLoggedAndCounted_AndRepeatedFailuresAreLimited()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Settings());
        var live = station.App.Services.GetRequiredService<LiveSources>();
        var budget = station.App.Services.GetRequiredService<DescriptorBudget>();
        var connections = budget.Connections;
        // The master's password wrong, a wrong one for source, an account that does not exist: the same answer.
        string[] wrong = ["wrong", "source:wrong", "nobody:" + Password, "Wrong", "source:"];
        Assert.Equal(LiveSources.FailuresAllowed, wrong.Length);
        foreach (var passwordLine in wrong)
        {
            using var source = await ConnectAsync(station);
            // Headers and audio already sent, as a client that does not wait: the answer is still read, not reset away.
            await source.SendAsync(Encoding.ASCII.GetBytes($"{passwordLine}\r\nicy-name:Intruder\r\n\r\n" + new string('x', 2000)));
            Assert.Equal("invalid password\r\n", await ReadToEndAsync(source));
        }
        Assert.Contains(station.Logs.Entries, e => e.EventId.Name == "SourceRefused" && e.Message.Contains("wrong credentials", StringComparison.Ordinal));
        Assert.Equal(LiveSources.FailuresAllowed, live.Refusals["credentials"]);
        Assert.Null(live.Current);

        // The address has failed as often as allowed: even the right password waits (LiveSources' limit, as for PUT/SOURCE).
        using (var again = await ConnectAsync(station))
        {
            await again.SendAsync(Encoding.ASCII.GetBytes($"{Password}\r\n"));
            Assert.StartsWith("Too many failed logins", await ReadToEndAsync(again), StringComparison.Ordinal);
        }
        Assert.Equal(1, live.Refusals["rateLimited"]);
        await UntilAsync(() => budget.Connections == connections); // every place given back
    }

    [Theory]
    [InlineData("", false)] // connects and says nothing
    [InlineData("test-mas", false)] // a password line that never ends
    [InlineData(Password + "\r\nicy-name:Stuck\r\n", true)] // answered, then no blank line
    public async Task HeadThatNeverEnds_IsClosedAfterTheHeadTimeout(string sent, bool answered)
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Settings());
        var live = station.App.Services.GetRequiredService<LiveSources>();
        var shoutcast = station.App.Services.GetRequiredService<ShoutcastSources>();
        var budget = station.App.Services.GetRequiredService<DescriptorBudget>();
        var connections = budget.Connections;
        using var source = await ConnectAsync(station);
        if (sent.Length > 0)
        {
            await source.SendAsync(Encoding.ASCII.GetBytes(sent));
        }
        if (answered)
        {
            Assert.Equal(Ok2, await ReadAsync(source, Ok2.Length));
        }
        else
        {
            await UntilAsync(() => budget.Connections > connections); // accepted: its head's clock runs
        }
        var from = station.Time!.GetUtcNow();
        var closed = ReadToEndAsync(source);
        await station.AdvanceUntilAsync(closed);
        var waited = station.Time.GetUtcNow() - from;
        Assert.InRange(waited, TimeSpan.FromSeconds(4.9), TimeSpan.FromSeconds(6)); // Radio:RequestHeadTimeoutSeconds, 5
        Assert.Equal(sent.Length > 0 ? "The head did not arrive within 5 s.\r\n" : "", await closed);
        Assert.Equal(1, shoutcast.TimedOut);
        Assert.Null(live.Current);
        await UntilAsync(() => budget.Connections == connections);
    }

    [Fact]
    public async Task OffByDefault_NothingListensOnPortPlusOne_AndOnItIsThere()
    {
        var port = FreePortWithNextFree();
        var urls = $"http://127.0.0.1:{port}";
        await using (var off = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:Live:MasterPassword"] = Password }, urls: urls))
        {
            Assert.Empty(off.App.Services.GetRequiredService<ShoutcastSources>().EndPoints);
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var refused = await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, port + 1).WaitAsync(s_guard));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
        var on = await TestStation.StartAsync(_folder.Media, new Dictionary<string, string?> { ["Radio:Live:MasterPassword"] = Password, ["Radio:Live:Shoutcast"] = "true" }, urls: urls);
        await using (on)
        {
            Assert.Equal(new IPEndPoint(IPAddress.Loopback, port + 1), Assert.Single(on.App.Services.GetRequiredService<ShoutcastSources>().EndPoints));
            using var source = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await source.ConnectAsync(IPAddress.Loopback, port + 1);
            await source.SendAsync(Encoding.ASCII.GetBytes($"{Password}\r\n"));
            Assert.Equal(Ok2, await ReadAsync(source, Ok2.Length));
        }
    }

    [Fact]
    public async Task AdminCgi_WrongPasswordIsRefused_UserPasswordAndLatin1Work_AndThePasswordIsNeverLogged()
    {
        // ASP.NET Core's own request log on, which writes each request's URL with its query.
        await using var station = await TestStation.StartAsync(_folder.Media, Settings(new() { ["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug" }));
        var live = station.App.Services.GetRequiredService<LiveSources>();
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        using (var early = await http.GetAsync($"/admin.cgi?mode=updinfo&pass={Password}&song=Too%20Early"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, early.StatusCode); // right password, no source connected
        }

        using var source = await ConnectAsync(station);
        await source.SendAsync(Encoding.ASCII.GetBytes($"{Password}\r\nicy-name:First Title\r\n\r\n"));
        Assert.Equal(Ok2, await ReadAsync(source, Ok2.Length));
        await UntilAsync(() => live.Current is not null);

        using (var wrong = await http.GetAsync("/admin.cgi?mode=updinfo&pass=not-the-password&song=Hijack"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Contains("Invalid password", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal("First Title", live.Current!.Title!.Title);

        // user:password, and a title in Latin-1 (%E9 alone is no UTF-8), as SHOUTcast-era Windows clients send it.
        using (var updated = await http.GetAsync($"/admin.cgi?pass=source:{Password}&mode=updinfo&song=Caf%E9%20del%20Mar"))
        {
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        }
        Assert.Equal("Café del Mar", live.Current.Title!.Title);

        var logged = station.Logs.Entries;
        Assert.Contains(logged, e => e.Category.StartsWith("Microsoft.AspNetCore.Hosting", StringComparison.Ordinal) && e.Message.Contains("/admin.cgi?pass=***", StringComparison.Ordinal));
        Assert.DoesNotContain(logged, e => e.Message.Contains(Password, StringComparison.Ordinal) || e.Message.Contains("not-the-password", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("hackme", "source", "hackme")]
    [InlineData("source:hack:me", "source", "hack:me")]
    [InlineData("Alex Morgan:p4ss", "Alex Morgan", "p4ss")]
    [InlineData("hackme:#2", "source", "hackme")]
    [InlineData("Alex:p4ss:#1", "Alex", "p4ss")]
    [InlineData("hack:#me", "hack", "#me")] // not a stream id: a user and a password
    [InlineData("", "source", "")]
    public void Credentials_ReadsThePasswordLineForms(string line, string user, string password) =>
        Assert.Equal((user, password), ShoutcastSources.Credentials(line));

    [Fact]
    public void AdminCgiQuery_KeepsPlusInThePassword_DecodesLatin1_AndHidesThePassword()
    {
        var query = ShoutcastAdmin.Parse("?mode=updinfo&PASS=a+b%2Bc&song=Caf%E9+au+lait&song=second");
        Assert.Equal(("updinfo", "a+b+c", "Café au lait"), (query["mode"], query["pass"], query["song"]));
        Assert.Equal("?mode=updinfo&pass=***&song=x", ShoutcastAdmin.Redact("?mode=updinfo&Pass=secret&song=x"));
        Assert.Null(ShoutcastAdmin.Redact("?mode=viewxml&page=1"));
    }

    private static async Task<Socket> ConnectAsync(TestStation station)
    {
        var endpoint = station.App.Services.GetRequiredService<ShoutcastSources>().EndPoints[0];
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endpoint);
        return socket;
    }

    /// <summary>Exactly <paramref name="count"/> bytes of the answer, as text.</summary>
    private static async Task<string> ReadAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        for (var read = 0; read < count;)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read)).AsTask().WaitAsync(s_guard);
            if (n == 0)
            {
                return Encoding.ASCII.GetString(buffer, 0, read);
            }
            read += n;
        }
        return Encoding.ASCII.GetString(buffer);
    }

    private static async Task<string> ReadToEndAsync(Socket socket)
    {
        var received = new MemoryStream();
        var buffer = new byte[4096];
        while (await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(s_guard) is var n and > 0)
        {
            received.Write(buffer, 0, n);
        }
        return Encoding.UTF8.GetString(received.ToArray());
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        var until = Environment.TickCount64 + (long)s_guard.TotalMilliseconds;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < until, "the server did not reach the expected state in time");
            await Task.Delay(5);
        }
    }

    /// <summary>A free port whose next one is free too (SHOUTcast's port + 1).</summary>
    private static int FreePortWithNextFree()
    {
        while (true)
        {
            using var first = new TcpListener(IPAddress.Loopback, 0);
            first.Start();
            var port = ((IPEndPoint)first.LocalEndpoint).Port;
            if (port >= IPEndPoint.MaxPort)
            {
                continue;
            }
            try
            {
                using var next = new TcpListener(IPAddress.Loopback, port + 1);
                next.Start();
                next.Stop();
                return port;
            }
            catch (SocketException)
            {
            }
        }
    }
}
