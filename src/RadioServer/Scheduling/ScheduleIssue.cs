namespace RadioServer.Scheduling;

/// <summary>One problem found in a schedule: where (JSON path, 1-based line and column) and why.</summary>
internal sealed record ScheduleIssue(string Path, int? Line, int? Column, string Message)
{
    public override string ToString() => Line is { } line ? $"line {line}, column {Column}: {Path}: {Message}" : $"{Path}: {Message}";
}

/// <summary>The outcome of reading a schedule: the schedule when there were no errors, and every error and warning found in one pass.</summary>
internal sealed record ScheduleParseResult(Schedule? Schedule, IReadOnlyList<ScheduleIssue> Errors, IReadOnlyList<ScheduleIssue> Warnings)
{
    public bool IsValid => Schedule is not null && Errors.Count == 0;
}
