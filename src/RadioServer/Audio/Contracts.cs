namespace RadioServer.Audio;

// The air chain's sections of the operators' status (GET /api/status; camelCase JSON, docs/api.md).

/// <summary>The one encode: its format, how much it has produced, and how far behind real time it runs.</summary>
public sealed record EncoderStatus(bool Running, string Codec, int BitrateKbps, int SampleRate, int Channels, int Quality, long FramesEncoded, double StreamTime, double LagSeconds, long Underruns, double LevelDbfs);

public sealed record DeadAirStatus(bool Active, double ThresholdDbfs, double LimitSeconds, long Alarms, double DeadAirSeconds, bool EmergencyPlaylist);
