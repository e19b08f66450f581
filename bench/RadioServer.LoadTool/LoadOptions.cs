using System.Globalization;

namespace RadioServer.LoadTool;

internal sealed class LoadOptions
{
    public const string Usage = """
        RadioServer.LoadTool: N listeners on one stream URL over raw epoll sockets (Linux).
          --url URL          stream to load (default http://127.0.0.1:8000/stream; IPv4 or a name resolving to one)
          --clients N        measured listeners (default 100)
          --rate R           new connections per second, spread evenly; 0 = all at once (default 1000)
          --duration S       seconds to keep going after the ramp ends (default 30)
          --icy              send Icy-MetaData: 1 and strip the metadata blocks (icy-metaint)
          --stalled K        K extra connections that send the request and never read
          --hangup K         K extra connections that hang up after the first ~4 KiB of the burst
          --threads K        epoll loops, each on its own thread (default 1)
          --rcvlowat BYTES   SO_RCVLOWAT once a listener has its first 16 KiB (default 0 = off)
          --rcvbuf BYTES     SO_RCVBUF for every connection (default 0 = kernel default)
          --bitrate KBPS     stream bitrate for the stall rule (default 128)
          --burst BYTES      burst the server sends at once, for the stall rule (default 65536)
          --copy             copy every byte to user space; by default audio is read with MSG_TRUNC (counted, not copied)
          --sources K        bind connections to K loopback source addresses in turn (127.0.0.1 .. 127.0.0.K), each with
                             its own ephemeral ports: ~20,000 connections from one address fill 70% of the port range and
                             collide with the previous run's TIME_WAIT (1 s SYN retries); loopback URLs only (default 1)
          --json             one JSON object instead of the table
        A listener is stalled when, at a check (once a second) at least 10 s after its first byte, its audio
        received minus the burst is below (seconds since first byte - 2) x bitrate/8.
        """;

    public string Url { get; private set; } = "http://127.0.0.1:8000/stream";
    public int Clients { get; private set; } = 100;
    public double Rate { get; private set; } = 1000;
    public double DurationSeconds { get; private set; } = 30;
    public bool Icy { get; private set; }
    public int StalledExtras { get; private set; }
    public int HangupExtras { get; private set; }
    public int Threads { get; private set; } = 1;
    public int RcvLowat { get; private set; }
    public int RcvBuf { get; private set; }
    public int BitrateKbps { get; private set; } = 128;
    public int BurstBytes { get; private set; } = 65536;
    public bool Json { get; private set; }
    public bool Copy { get; private set; }
    public int Sources { get; private set; } = 1;

    public int Total => Clients + StalledExtras + HangupExtras;

    /// <summary>Null when --help was asked for; ArgumentException on a bad argument.</summary>
    public static LoadOptions? Parse(string[] args)
    {
        var o = new LoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Int(int min) => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min
                ? v : throw new ArgumentException($"{name} must be an integer >= {min}");
            double Number(double min) => double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min
                ? v : throw new ArgumentException($"{name} must be a number >= {min}");
            switch (name)
            {
                case "-h" or "--help":
                    return null;
                case "--url":
                    o.Url = Value();
                    break;
                case "--clients":
                    o.Clients = Int(1);
                    break;
                case "--rate":
                    o.Rate = Number(0);
                    break;
                case "--duration":
                    o.DurationSeconds = Number(0);
                    break;
                case "--icy":
                    o.Icy = true;
                    break;
                case "--stalled":
                    o.StalledExtras = Int(0);
                    break;
                case "--hangup":
                    o.HangupExtras = Int(0);
                    break;
                case "--threads":
                    o.Threads = Int(1);
                    break;
                case "--rcvlowat":
                    o.RcvLowat = Int(0);
                    break;
                case "--rcvbuf":
                    o.RcvBuf = Int(0);
                    break;
                case "--bitrate":
                    o.BitrateKbps = Int(1);
                    break;
                case "--burst":
                    o.BurstBytes = Int(0);
                    break;
                case "--copy":
                    o.Copy = true;
                    break;
                case "--json":
                    o.Json = true;
                    break;
                case "--sources":
                    o.Sources = Int(1);
                    if (o.Sources > 254)
                    {
                        throw new ArgumentException("--sources must be at most 254");
                    }
                    break;
                default:
                    throw new ArgumentException($"unknown option {name}");
            }
        }
        if (o.Threads > o.Total)
        {
            o.Threads = o.Total;
        }
        return o;
    }
}
