using Prometheus;
using RadioServer.Station;

namespace RadioServer.Operations;

/// <summary>Turns the features' metric declarations into prometheus-net collectors, each set from its reader before a scrape.</summary>
internal sealed class PrometheusMetricsBuilder(IMetricFactory factory) : IMetricsBuilder
{
    private readonly List<Action> _reads = [];

    public void Gauge(string name, string help, Func<double> read)
    {
        var gauge = factory.CreateGauge(name, help);
        _reads.Add(() => gauge.Set(read()));
    }

    public void Counter(string name, string help, Func<double> read)
    {
        var counter = factory.CreateCounter(name, help);
        _reads.Add(() => counter.IncTo(read()));
    }

    public void Gauge(string name, string help, string label, Func<IEnumerable<(string Value, double Reading)>> read)
    {
        var family = factory.CreateGauge(name, help, [label]);
        _reads.Add(() =>
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (value, reading) in read())
            {
                seen.Add(value);
                family.WithLabels(value).Set(reading);
            }
            foreach (var values in family.GetAllLabelValues().ToList())
            {
                if (!seen.Contains(values[0]))
                {
                    family.RemoveLabelled(values);
                }
            }
        });
    }

    public void Counter(string name, string help, string label, IEnumerable<(string Value, Func<double> Read)> series)
    {
        var family = factory.CreateCounter(name, help, [label]);
        foreach (var (value, read) in series)
        {
            // Every child exists from the start, so a reason nobody left for yet reads 0 rather than missing.
            var counter = family.WithLabels(value);
            _reads.Add(() => counter.IncTo(read()));
        }
    }

    /// <summary>Reads every value; runs before each scrape.</summary>
    public void ReadAll()
    {
        foreach (var read in _reads)
        {
            read();
        }
    }
}
