namespace RadioServer.Scheduling;

// The shape of schedule.json as written by hosts (docs/schedule.md, docs/schedule.schema.json).
// Everything is nullable here: the parser reports what is missing instead of the serializer throwing.

internal sealed class ScheduleFile
{
    /// <summary>Editors' hint to the JSON Schema; ignored.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("$schema")]
    public string? Schema { get; set; }

    public string? TimeZone { get; set; }

    public AutomationFile? Automation { get; set; }

    public List<ShowFile?>? Shows { get; set; }
}

internal sealed class AutomationFile
{
    public string? Title { get; set; }

    public PlaylistFile? Playlist { get; set; }

    /// <summary>Seconds (a number) or "off"; checked by the parser.</summary>
    public System.Text.Json.JsonElement? Crossfade { get; set; }
}

internal sealed class ShowFile
{
    public string? Id { get; set; }

    public string? Title { get; set; }

    public List<string?>? Hosts { get; set; }

    public string? Description { get; set; }

    public string? Boundary { get; set; }

    public int? MaxOverrunSeconds { get; set; }

    /// <summary>Seconds (a number) or "off"; checked by the parser.</summary>
    public System.Text.Json.JsonElement? Crossfade { get; set; }

    public PlaylistFile? Playlist { get; set; }

    public LiveFile? Live { get; set; }

    public List<SlotFile?>? Slots { get; set; }
}

internal sealed class LiveFile
{
    public int? EarlyMinutes { get; set; }

    public string? Takeover { get; set; }

    public double? GraceSeconds { get; set; }

    public int? SilenceFallbackSeconds { get; set; }
}

internal sealed class PlaylistFile
{
    public List<string?>? Items { get; set; }

    public string? Order { get; set; }

    public JingleFile? Jingle { get; set; }
}

internal sealed class JingleFile
{
    public List<string?>? Items { get; set; }

    public int? EveryTracks { get; set; }
}

internal sealed class SlotFile
{
    public List<string?>? Days { get; set; }

    public string? Start { get; set; }

    public string? End { get; set; }

    public string? Date { get; set; }

    public string? From { get; set; }

    public string? Until { get; set; }
}
