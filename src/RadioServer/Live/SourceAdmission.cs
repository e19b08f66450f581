using System.Net;

namespace RadioServer.Live;

/// <summary>
/// Why <see cref="LiveSources"/> refused a source, for the caller to answer in its own protocol (HTTP for PUT/SOURCE,
/// a line for SHOUTcast v1).
/// </summary>
/// <param name="Kind">As counted in <see cref="LiveSources.Refusals"/>: credentials, rateLimited, slot, disabled, blocked, inUse, contentType.</param>
/// <param name="Why">What the log says.</param>
/// <param name="Message">What the client is told: one line, safe to send (it names no account other than the client's own).</param>
/// <param name="RetryAfterSeconds">When trying again may work (rate limited, blocked), if known.</param>
internal sealed record SourceRefusal(string Kind, string Why, string Message, int? RetryAfterSeconds = null);

/// <summary>
/// The first half of an admission (<see cref="LiveSources.ClearAsync(string?, string?, IPAddress?)"/>): the source may
/// connect — the master (<paramref name="Session"/> null) or a host for their slot's session — unless <paramref name="Refusal"/>.
/// </summary>
internal sealed record SourceClearance(LiveSession? Session, SourceRefusal? Refusal);

/// <summary>The second half (<see cref="LiveSources.Admit"/>): the attached source to run, or the refusal.</summary>
internal sealed record SourceAdmission(LiveSource? Source, SourceRefusal? Refusal);
