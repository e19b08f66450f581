using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace RadioServer.LoadTool;

internal sealed class Report
{
    private readonly LoadOptions _o;

    private Report(LoadOptions o) => _o = o;

    public int Connected { get; private set; }
    public int AliveAtEnd { get; private set; }
    public int Stalled { get; private set; }
    public int Errors { get; private set; }
    public SortedDictionary<string, int> ErrorKinds { get; } = new(StringComparer.Ordinal);
    public Percentiles ConnectMs { get; private set; }
    public Percentiles TtfbMs { get; private set; }
    public Percentiles Audio16KiBMs { get; private set; }
    public double MeanKbps { get; private set; }
    public double TotalMB { get; private set; }
    public long IcyBlocks { get; private set; }
    public ExtraCounts StalledExtras { get; } = new();
    public ExtraCounts HangupExtras { get; } = new();
    public long Waits { get; private set; }
    public long RecvCalls { get; private set; }
    public double RampSeconds { get; private set; }
    public double WallSeconds { get; private set; }
    public double ToolCpuSeconds { get; private set; }
    public double ToolCpuPercent => WallSeconds > 0 ? 100 * ToolCpuSeconds / WallSeconds : 0;

    internal sealed class ExtraCounts
    {
        public int Requested { get; set; }
        public int Connected { get; set; }
        /// <summary>Stalled: closed or reset by the server. Hangup: hung up as planned.</summary>
        public int Done { get; set; }
        public int StillOpen { get; set; }
        public int Errors { get; set; }
        /// <summary>Seconds from connect to the drop or hang-up.</summary>
        public List<double> DoneAfter { get; } = [];
        public double DoneAfterP50 => DoneAfter.Count == 0 ? double.NaN : DoneAfter.Order().ElementAt((DoneAfter.Count - 1) / 2);
        public double DoneAfterMax => DoneAfter.Count == 0 ? double.NaN : DoneAfter.Max();
    }

    internal readonly record struct Percentiles(int Count, double P50, double P99, double Max)
    {
        public static Percentiles Of(List<double> values)
        {
            if (values.Count == 0)
            {
                return new(0, double.NaN, double.NaN, double.NaN);
            }
            values.Sort();
            double Rank(double p) => values[Math.Clamp((int)Math.Ceiling(p / 100 * values.Count) - 1, 0, values.Count - 1)];
            return new(values.Count, Rank(50), Rank(99), values[^1]);
        }
    }

    public static Report Build(LoadOptions o, EventLoop[] loops, double rampSeconds, double wall, double cpu)
    {
        var r = new Report(o) { RampSeconds = rampSeconds, WallSeconds = wall, ToolCpuSeconds = cpu };
        r.StalledExtras.Requested = o.StalledExtras;
        r.HangupExtras.Requested = o.HangupExtras;
        var msPerTick = 1000.0 / Stopwatch.Frequency;
        List<double> connect = [], ttfb = [], audio16K = [];
        double kbpsSum = 0;
        var kbpsCount = 0;
        long bytes = 0;
        foreach (var loop in loops)
        {
            r.Waits += loop.Waits;
            r.RecvCalls += loop.RecvCalls;
            foreach (ref readonly var c in loop.Connections)
            {
                bytes += c.TotalBytes;
                r.IcyBlocks += c.MetaBlocks;
                var connected = c.ConnectedTicks > 0;
                switch (c.Kind)
                {
                    case ConnKind.Measured:
                        if (connected)
                        {
                            r.Connected++;
                            connect.Add((c.ConnectedTicks - c.StartTicks) * msPerTick);
                        }
                        if (c.FirstByteTicks > 0)
                        {
                            ttfb.Add((c.FirstByteTicks - c.StartTicks) * msPerTick);
                        }
                        if (c.Audio16KTicks > 0)
                        {
                            audio16K.Add((c.Audio16KTicks - c.StartTicks) * msPerTick);
                        }
                        if (c.Stalled)
                        {
                            r.Stalled++;
                        }
                        if (c.State == ConnState.Failed)
                        {
                            r.Errors++;
                            var key = KindName(c.Fail);
                            if (c.Fail is FailKind.SocketFailed or FailKind.ConnectFailed or FailKind.SendFailed or FailKind.RecvFailed or FailKind.HttpStatus)
                            {
                                key += $"({c.Errno})";
                            }
                            r.ErrorKinds[key] = r.ErrorKinds.GetValueOrDefault(key) + 1;
                        }
                        if (c.AliveAtEnd)
                        {
                            r.AliveAtEnd++;
                            var seconds = (c.EndTicks - c.FirstByteTicks) * msPerTick / 1000;
                            if (seconds >= 1)
                            {
                                // After the burst, which arrives ahead of real time.
                                kbpsSum += Math.Max(0, c.AudioBytes - o.BurstBytes) * 8 / 1000.0 / seconds;
                                kbpsCount++;
                            }
                        }
                        break;
                    case ConnKind.Stalled:
                        Count(r.StalledExtras, c, connected, ConnState.Dropped);
                        break;
                    default:
                        Count(r.HangupExtras, c, connected, ConnState.HungUp);
                        break;
                }
            }
        }
        r.ConnectMs = Percentiles.Of(connect);
        r.TtfbMs = Percentiles.Of(ttfb);
        r.Audio16KiBMs = Percentiles.Of(audio16K);
        r.MeanKbps = kbpsCount > 0 ? kbpsSum / kbpsCount : double.NaN;
        r.TotalMB = bytes / 1e6;
        return r;
    }

    private static void Count(ExtraCounts counts, in Connection c, bool connected, ConnState done)
    {
        if (connected)
        {
            counts.Connected++;
        }
        if (c.State == done)
        {
            counts.Done++;
            counts.DoneAfter.Add((double)(c.EndTicks - c.StartTicks) / Stopwatch.Frequency);
        }
        else if (c.State == ConnState.ClosedAtEnd)
        {
            counts.StillOpen++;
        }
        else if (c.State == ConnState.Failed)
        {
            counts.Errors++;
        }
    }

    private static string DoneAfter(ExtraCounts c) =>
        c.Done > 0 ? $" (after {F(c.DoneAfterP50, "0.0")} s median, {F(c.DoneAfterMax, "0.0")} s max)" : "";

    private static string KindName(FailKind kind)
    {
        var name = kind.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    private static string F(double v, string format = "0.0") =>
        double.IsNaN(v) ? "-" : v.ToString(format, CultureInfo.InvariantCulture);

    public void WriteText(TextWriter w)
    {
        var perK = _o.Clients > 0 ? ToolCpuPercent * 1000 / _o.Clients : 0;
        w.WriteLine($"loadtool  {_o.Url}  {_o.Clients} listeners at {(_o.Rate > 0 ? F(_o.Rate, "0.#") + "/s" : "once")}, " +
            $"{F(_o.DurationSeconds, "0.#")} s after a {F(RampSeconds, "0.0")} s ramp, ICY {(_o.Icy ? "on" : "off")}, {_o.Threads} loop(s)" +
            (_o.RcvLowat > 0 ? $", SO_RCVLOWAT {_o.RcvLowat}" : "") + (_o.Sources > 1 ? $", {_o.Sources} source addresses" : "") + (_o.Copy ? ", copying reads" : ""));
        w.WriteLine($"  requested        {_o.Clients,8}");
        w.WriteLine($"  connected        {Connected,8}");
        w.WriteLine($"  alive at end     {AliveAtEnd,8}");
        w.WriteLine($"  stalled          {Stalled,8}");
        w.WriteLine($"  errors           {Errors,8}{(ErrorKinds.Count > 0 ? "   " + string.Join(", ", ErrorKinds.Select(e => $"{e.Key} {e.Value}")) : "")}");
        w.WriteLine($"  connect ms       p50 {F(ConnectMs.P50, "0.00"),8}   p99 {F(ConnectMs.P99, "0.00"),8}   max {F(ConnectMs.Max, "0.00"),8}");
        w.WriteLine($"  first byte ms    p50 {F(TtfbMs.P50, "0.00"),8}   p99 {F(TtfbMs.P99, "0.00"),8}   max {F(TtfbMs.Max, "0.00"),8}");
        w.WriteLine($"  16 KiB audio ms  p50 {F(Audio16KiBMs.P50, "0.00"),8}   p99 {F(Audio16KiBMs.P99, "0.00"),8}   max {F(Audio16KiBMs.Max, "0.00"),8}   ({Audio16KiBMs.Count} reached)");
        w.WriteLine($"  mean kbps        {F(MeanKbps, "0.0"),8}   per listener alive at end, audio after the {_o.BurstBytes}-byte burst");
        w.WriteLine($"  received         {F(TotalMB, "0.0"),8} MB{(_o.Icy ? $"   ({IcyBlocks} ICY metadata blocks stripped)" : "")}");
        if (StalledExtras.Requested > 0)
        {
            w.WriteLine($"  stalled extras   {StalledExtras.Requested,8}   connected {StalledExtras.Connected}, dropped by the server {StalledExtras.Done}{DoneAfter(StalledExtras)}, still open {StalledExtras.StillOpen}, errors {StalledExtras.Errors}");
        }
        if (HangupExtras.Requested > 0)
        {
            w.WriteLine($"  hangup extras    {HangupExtras.Requested,8}   connected {HangupExtras.Connected}, hung up {HangupExtras.Done}, errors {HangupExtras.Errors}");
        }
        w.WriteLine($"  tool CPU         {F(ToolCpuSeconds, "0.00"),8} s = {F(ToolCpuPercent, "0.0")}% of one core ({F(perK, "0.00")}% per 1,000 listeners)");
        w.WriteLine($"  wake-ups         {F(Waits / WallSeconds, "0"),8} epoll_wait/s, {F(RecvCalls / WallSeconds, "0")} recv/s");
        w.WriteLine($"  duration         {F(WallSeconds, "0.0"),8} s");
    }

    public void WriteJson(Stream output)
    {
        using var w = new Utf8JsonWriter(output);
        w.WriteStartObject();
        w.WriteString("url", _o.Url);
        w.WriteNumber("clients", _o.Clients);
        w.WriteNumber("rate", _o.Rate);
        w.WriteNumber("durationSeconds", _o.DurationSeconds);
        w.WriteBoolean("icy", _o.Icy);
        w.WriteNumber("threads", _o.Threads);
        w.WriteNumber("bitrateKbps", _o.BitrateKbps);
        w.WriteNumber("burstBytes", _o.BurstBytes);
        w.WriteNumber("rcvlowat", _o.RcvLowat);
        w.WriteNumber("sources", _o.Sources);
        w.WriteNumber("rcvbuf", _o.RcvBuf);
        w.WriteBoolean("copy", _o.Copy);
        w.WriteNumber("connected", Connected);
        w.WriteNumber("aliveAtEnd", AliveAtEnd);
        w.WriteNumber("stalled", Stalled);
        w.WriteNumber("errors", Errors);
        w.WriteStartObject("errorKinds");
        foreach (var (kind, count) in ErrorKinds)
        {
            w.WriteNumber(kind, count);
        }
        w.WriteEndObject();
        Write(w, "connect", ConnectMs);
        Write(w, "ttfb", TtfbMs);
        Write(w, "audio16KiB", Audio16KiBMs);
        Number(w, "meanKbps", MeanKbps, 1);
        Number(w, "totalMB", TotalMB, 2);
        w.WriteNumber("icyBlocks", IcyBlocks);
        Write(w, "stalledExtras", StalledExtras, "droppedByServer");
        Write(w, "hangupExtras", HangupExtras, "hungUp");
        Number(w, "rampSeconds", RampSeconds, 2);
        Number(w, "wallSeconds", WallSeconds, 2);
        Number(w, "epollWaitsPerSecond", Waits / WallSeconds, 0);
        Number(w, "recvPerSecond", RecvCalls / WallSeconds, 0);
        Number(w, "toolCpuSeconds", ToolCpuSeconds, 3);
        Number(w, "toolCpuPercent", ToolCpuPercent, 2);
        w.WriteEndObject();
        w.Flush();
        output.Write("\n"u8);
        output.Flush();
    }

    private static void Write(Utf8JsonWriter w, string name, Percentiles p)
    {
        Number(w, name + "P50Ms", p.P50, 3);
        Number(w, name + "P99Ms", p.P99, 3);
        Number(w, name + "MaxMs", p.Max, 3);
    }

    private static void Write(Utf8JsonWriter w, string name, ExtraCounts c, string doneName)
    {
        w.WriteStartObject(name);
        w.WriteNumber("requested", c.Requested);
        w.WriteNumber("connected", c.Connected);
        w.WriteNumber(doneName, c.Done);
        w.WriteNumber("stillOpen", c.StillOpen);
        w.WriteNumber("errors", c.Errors);
        Number(w, doneName + "AfterP50Seconds", c.DoneAfterP50, 2);
        Number(w, doneName + "AfterMaxSeconds", c.DoneAfterMax, 2);
        w.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter w, string name, double value, int digits)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteNumber(name, Math.Round(value, digits));
        }
    }
}
