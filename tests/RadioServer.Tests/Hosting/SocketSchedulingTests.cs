using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Hosting;

/// <summary>Radio:InlineSocketScheduling reaches Kestrel's sockets, off unless asked; the station runs either way.</summary>
public sealed class SocketSchedulingTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public SocketSchedulingTests() => TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 500, 2);

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(null, false)]
    [InlineData("true", true)]
    public async Task TheSettingReachesKestrelsSockets(string? setting, bool inline)
    {
        var settings = new Dictionary<string, string?>();
        if (setting is not null)
        {
            settings["Radio:InlineSocketScheduling"] = setting;
        }
        await using var station = await TestStation.StartAsync(_folder.Media, settings);
        var sockets = station.App.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
        Assert.Equal(inline, sockets.UnsafePreferInlineScheduling);
        Assert.Equal(4096, sockets.Backlog);
        using var http = new HttpClient { BaseAddress = station.BaseUri };
        Assert.Equal("ok\n", await http.GetStringAsync("/healthz"));
    }
}
