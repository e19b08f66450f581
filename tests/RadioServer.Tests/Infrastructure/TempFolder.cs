namespace RadioServer.Tests.Infrastructure;

/// <summary>A fresh folder under the system temp directory, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "radioserver-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
        Media = Directory.CreateDirectory(System.IO.Path.Combine(Path, "media")).FullName;
    }

    public string Path { get; }

    public string Media { get; }

    public string File(string name) => System.IO.Path.Combine(Media, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
