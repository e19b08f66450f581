namespace RadioServer.Tests.Infrastructure;

/// <summary>
/// Tests where a real source client (ffmpeg, ezstream) sends at its own real-time pace: they run alone, after the
/// parallel tests, because a source starved of CPU by a neighbour test gaps for seconds and the station rightly
/// falls back to automation (a CI run lost 2.5 s of ffmpeg that way).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealTimeSources
{
    public const string Name = "Real-time source clients";
}
