using Microsoft.Extensions.Options;

namespace RadioServer.Station;

/// <summary>
/// Resolves the relative paths in <see cref="RadioOptions"/>. <c>dotnet run --project src/RadioServer</c>
/// may start the app with its project folder as the working directory, so "media" must not mean
/// src/RadioServer/media: relative paths resolve against the repository root (the first folder upwards
/// holding RadioServer.sln), unless Radio:RootPath says otherwise.
/// </summary>
internal sealed class StationPaths
{
    public const string RepositoryMarker = "RadioServer.sln";

    public StationPaths(IOptions<RadioOptions> options)
    {
        var o = options.Value;
        Root = string.IsNullOrWhiteSpace(o.RootPath) ? FindRoot(Directory.GetCurrentDirectory()) : Path.GetFullPath(o.RootPath);
        MediaPath = Resolve(o.MediaPath);
        SchedulePath = Resolve(o.SchedulePath);
        DatabasePath = Resolve(o.DatabasePath);
    }

    public string Root { get; }
    public string MediaPath { get; }
    public string SchedulePath { get; }
    public string DatabasePath { get; }

    public string Resolve(string path) => Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(Root, path));

    internal static string FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, RepositoryMarker)))
            {
                return dir.FullName;
            }
        }
        return Path.GetFullPath(start);
    }
}
