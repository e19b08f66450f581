using RadioServer.Station;

namespace RadioServer.Scheduling;

/// <summary>The schedule's part of the status (ON AIR, the schedule in force) and its metrics.</summary>
internal sealed class ScheduleReporter(ScheduleStore store) : IMetricSource
{
    public OnAirMessage OnAir(DateTimeOffset now) => ScheduleView.OnAir(store.Current, now);

    public ScheduleStatus Status() => new(store.LoadedAt, store.Current.Hash, store.LastError, store.Reloads, store.Errors);

    public void Describe(IMetricsBuilder metrics)
    {
        metrics.Counter("radio_schedule_reloads_total", "Schedules put in force (file or host API).", () => store.Reloads);
        metrics.Counter("radio_schedule_errors_total", "Schedules refused as invalid.", () => store.Errors);
    }
}
