using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace RadioServer.Tests.Infrastructure;

/// <summary>
/// A real Icecast 2.4 (Debian's <c>icecast2</c>, <c>/usr/bin/icecast2</c>) on 127.0.0.1 and a free port, its config,
/// logs and base folder in a temp folder of its own; killed on dispose. Icecast refuses to run as root ("You should not
/// run icecast2 as root") unless told whom to become: as root, the config gets <c>&lt;security&gt;&lt;changeowner&gt;</c>
/// with Debian's <c>icecast2</c> user (or <c>nobody</c>), and the log folder is writable by it; as anyone else, none.
/// </summary>
internal sealed class IcecastServer : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/icecast2";

    private readonly Process _process;
    private readonly TempFolder _folder;
    private readonly List<string> _output = [];

    private IcecastServer(Process process, TempFolder folder, int port, string config)
    {
        _process = process;
        _folder = folder;
        Port = port;
        Config = config;
        BaseUri = new Uri($"http://127.0.0.1:{port}/");
    }

    public int Port { get; }

    public Uri BaseUri { get; }

    /// <summary>The icecast.xml it runs with.</summary>
    public string Config { get; }

    /// <summary>Icecast's error log (its INFO and WARN lines: "Master accepted streamlist request", relay failures) so far.</summary>
    public string ErrorLog
    {
        get
        {
            var path = Path.Combine(_folder.Path, "log", "error.log");
            return File.Exists(path) ? File.ReadAllText(path) : "";
        }
    }

    /// <summary>
    /// Starts Icecast with <paramref name="relaying"/> (the <c>&lt;relay&gt;</c> or <c>&lt;master-server&gt;</c> elements)
    /// inside its <c>&lt;icecast&gt;</c> root, and waits until it answers <c>/status-json.xsl</c>.
    /// </summary>
    public static async Task<IcecastServer> StartAsync(string relaying)
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: run scripts/setup.sh test (installs Debian's icecast2).");
        }
        var folder = new TempFolder();
        try
        {
            var logs = Directory.CreateDirectory(Path.Combine(folder.Path, "log")).FullName;
            var owner = RunningAsRoot() ? ChangeOwner() : "";
            if (owner.Length > 0 && !OperatingSystem.IsWindows())
            {
                // Icecast opens its logs after it became that user.
                File.SetUnixFileMode(logs, (UnixFileMode)0x1FF); // rwxrwxrwx
            }
            var port = FreePort();
            var config = $"""
                <icecast>
                  <hostname>127.0.0.1</hostname>
                  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
                  <limits><sources>4</sources><burst-size>65536</burst-size></limits>
                  <authentication>
                    <source-password>{Guid.NewGuid():N}</source-password>
                    <admin-user>admin</admin-user><admin-password>{Guid.NewGuid():N}</admin-password>
                  </authentication>
                {relaying}
                  <paths>
                    <basedir>{folder.Path}</basedir>
                    <logdir>{logs}</logdir>
                    <webroot>/usr/share/icecast2/web</webroot>
                    <adminroot>/usr/share/icecast2/admin</adminroot>
                  </paths>
                  <logging><errorlog>error.log</errorlog><accesslog>access.log</accesslog><loglevel>3</loglevel></logging>
                  <security><chroot>0</chroot>{owner}</security>
                </icecast>
                """;
            var path = Path.Combine(folder.Path, "icecast.xml");
            File.WriteAllText(path, config);
            var process = new Process
            {
                StartInfo = new ProcessStartInfo(ExecutablePath, ["-c", path])
                {
                    RedirectStandardError = true,
                    RedirectStandardOutput = true,
                    WorkingDirectory = folder.Path,
                },
            };
            var server = new IcecastServer(process, folder, port, config);
            process.OutputDataReceived += (_, e) => server.Record(e.Data);
            process.ErrorDataReceived += (_, e) => server.Record(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await server.WaitUntilUpAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
            return server;
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    public Uri Url(string path) => new(BaseUri, path);

    /// <summary>Icecast's <c>/status-json.xsl</c> now.</summary>
    public async Task<string> StatusJsonAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return await http.GetStringAsync(Url("/status-json.xsl"));
    }

    private async Task WaitUntilUpAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = Environment.TickCount64 + 10_000;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"icecast2 exited with {_process.ExitCode}: {Output()}\n{ErrorLog}");
            }
            try
            {
                using var response = await http.GetAsync(Url("/status-json.xsl"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }
            if (Environment.TickCount64 > until)
            {
                throw new TimeoutException($"icecast2 did not answer on port {Port} within 10 s: {Output()}\n{ErrorLog}");
            }
            await Task.Delay(50);
        }
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Add(line);
            }
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return string.Join('\n', _output);
        }
    }

    private static bool RunningAsRoot() =>
        File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?.Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, _, var effective, ..] &&
        effective == "0";

    /// <summary>Debian's icecast2 user (or nobody) and its primary group, as Icecast's &lt;changeowner&gt; names them.</summary>
    private static string ChangeOwner()
    {
        var users = File.ReadAllLines("/etc/passwd").Select(l => l.Split(':')).Where(f => f.Length >= 4).ToList();
        var user = users.FirstOrDefault(f => f[0] == "icecast2") ?? users.First(f => f[0] == "nobody");
        var group = File.ReadAllLines("/etc/group").Select(l => l.Split(':')).First(f => f.Length >= 3 && f[2] == user[3])[0];
        return $"<changeowner><user>{user[0]}</user><group>{group}</group></changeowner>";
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // never started
        }
        finally
        {
            _process.Dispose();
            _folder.Dispose();
        }
    }
}
