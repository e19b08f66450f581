namespace RadioServer.Station;

/// <summary>
/// Declares metrics without naming the exporter: a name, a help text and where the value is read when
/// Prometheus scrapes, so nothing on the audio or listener paths changes and no feature needs prometheus-net.
/// </summary>
internal interface IMetricsBuilder
{
    /// <summary>A value that goes up and down.</summary>
    void Gauge(string name, string help, Func<double> read);

    /// <summary>A count that only grows (its name ends in <c>_total</c>).</summary>
    void Counter(string name, string help, Func<double> read);

    /// <summary>
    /// One value per label value, the set read with the values (a station's edges: a handful that come and go, never
    /// one per listener); a label value no longer read is removed.
    /// </summary>
    void Gauge(string name, string help, string label, Func<IEnumerable<(string Value, double Reading)>> read);

    /// <summary>One count per label value. The values are a fixed set, so no label can grow with listeners.</summary>
    void Counter(string name, string help, string label, IEnumerable<(string Value, Func<double> Read)> series);
}
