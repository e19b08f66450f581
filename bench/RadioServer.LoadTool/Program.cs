using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RadioServer.LoadTool;

// dotnet bench/RadioServer.LoadTool/bin/Release/net10.0/RadioServer.LoadTool.dll --url http://127.0.0.1:8000/stream --clients 1000 [--json] ...
if (!OperatingSystem.IsLinux())
{
    Console.Error.WriteLine("loadtool: Linux only (epoll)");
    return 2;
}
LoadOptions? o;
try
{
    o = LoadOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"loadtool: {e.Message}");
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}
if (o is null)
{
    Console.WriteLine(LoadOptions.Usage);
    return 0;
}
if (!Uri.TryCreate(o.Url, UriKind.Absolute, out var url) || url.Scheme != "http")
{
    Console.Error.WriteLine($"loadtool: --url must be an http:// URL, not '{o.Url}'");
    return 2;
}
IPAddress? ip;
if (!IPAddress.TryParse(url.Host, out ip) || ip.AddressFamily != AddressFamily.InterNetwork)
{
    try
    {
        ip = Dns.GetHostAddresses(url.Host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
    }
    catch (SocketException)
    {
        ip = null;
    }
    if (ip is null)
    {
        Console.Error.WriteLine($"loadtool: {url.Host} has no IPv4 address");
        return 2;
    }
}

// File descriptors: one per connection, plus what the runtime already holds.
if (!Setup.RaiseFileLimit(o.Total, out var fdMessage))
{
    Console.Error.WriteLine($"loadtool: {fdMessage}");
    return 2;
}

var request = Encoding.ASCII.GetBytes(
    $"GET {url.PathAndQuery} HTTP/1.0\r\nHost: {url.Authority}\r\nUser-Agent: radioserver-loadtool\r\n" +
    (o.Icy ? "Icy-MetaData: 1\r\n" : "") + "\r\n");
var sockaddr = new byte[16];
sockaddr[0] = Native.AF_INET; // sa_family, little-endian
sockaddr[2] = (byte)(url.Port >> 8); // sin_port, network order
sockaddr[3] = (byte)url.Port;
ip.GetAddressBytes().CopyTo(sockaddr, 4);
var kinds = Setup.Kinds(o);

var freq = Stopwatch.Frequency;
var cpu0 = Native.ProcessCpuSeconds();
var t0 = Stopwatch.GetTimestamp() + (freq / 20);
var rampSeconds = o.Rate > 0 ? o.Total / o.Rate : 0;
var end = t0 + (long)((rampSeconds + o.DurationSeconds) * freq);
var loops = new EventLoop[o.Threads];
for (var i = 0; i < loops.Length; i++)
{
    loops[i] = new EventLoop(o, i, loops.Length, kinds, request, sockaddr, t0, end);
}
var threads = loops.Select((loop, i) => new Thread(loop.Run, 256 * 1024) { Name = $"epoll-{i}", IsBackground = true }).ToArray();
foreach (var thread in threads)
{
    thread.Start();
}
foreach (var thread in threads)
{
    // Bounded: the loops stop at `end` and drain for at most 2 s more.
    if (!thread.Join(TimeSpan.FromSeconds(rampSeconds + o.DurationSeconds + 30)))
    {
        Console.Error.WriteLine("loadtool: an event loop did not finish in time");
        return 3;
    }
}
var wall = (double)(Stopwatch.GetTimestamp() - t0) / freq;
var cpu = Native.ProcessCpuSeconds() - cpu0;
if (loops.FirstOrDefault(l => l.Failure is not null) is { } failed)
{
    Console.Error.WriteLine($"loadtool: {failed.Failure!.Message}");
    return 3;
}

var report = Report.Build(o, loops, rampSeconds, wall, cpu);
foreach (var loop in loops)
{
    loop.Dispose();
}
if (o.Json)
{
    report.WriteJson(Console.OpenStandardOutput());
}
else
{
    report.WriteText(Console.Out);
}
return 0;
