using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RadioServer.Operations;

/// <summary>Operator-facing settings (<c>Radio:Operations</c>).</summary>
public sealed class OperationsOptions
{
    public const string Section = "Radio:Operations";

    /// <summary>/readyz fails when the encoder runs further behind real time than this.</summary>
    [Range(0.1, 600)]
    public double ReadyMaxLagSeconds { get; set; } = 2;

    /// <summary>Show listeners' full IP addresses to operators (GDPR: off by default; then IPv4 /24 and IPv6 /48).</summary>
    public bool ShowListenerAddresses { get; set; }

    /// <summary>How often a failing history database is tried again.</summary>
    [Range(0.1, 3600)]
    public double HistoryRetrySeconds { get; set; } = 5;

    /// <summary>Plays kept in memory while the history database cannot be written; the oldest go first beyond this.</summary>
    [Range(10, 1_000_000)]
    public int HistoryMaxPending { get; set; } = 10_000;
}

[OptionsValidator]
internal sealed partial class OperationsOptionsValidator : IValidateOptions<OperationsOptions>;
