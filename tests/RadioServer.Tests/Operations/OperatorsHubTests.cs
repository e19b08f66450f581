using System.Net;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using RadioServer.Operations;
using RadioServer.Tests.Infrastructure;

namespace RadioServer.Tests.Operations;

/// <summary>/hubs/operators: the operators' group needs the operator key; the players' hub has no operators' part.</summary>
public sealed class OperatorsHubTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public OperatorsHubTests() => TestAudio.WriteToneWav(_folder.File("Alpha - One.wav"), 500, 2);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task JoinOperators_WithTheOperatorKey_ReturnsTheStateAndCountsTheOperator()
    {
        var left = new DisconnectSignal();
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings(),
            services: s => s.Configure<HubOptions>(o => o.AddFilter(left)));
        await station.AdvanceAsync(TimeSpan.FromSeconds(1));
        var presence = station.App.Services.GetRequiredService<OperatorsPresence>();

        await using (var op = await Operators.HubOperator.JoinAsync(station))
        {
            Assert.Equal("Alpha - One", op.State?.Status.NowPlaying?.DisplayTitle);
            Assert.Equal(1, presence.Operators);
            Assert.Equal(1, presence.Connections);
        }
        await left.Disconnected.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, presence.Operators); // no more updates are built for it
        Assert.Equal(0, presence.Connections);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    [InlineData(Operators.HostKey)]
    public async Task JoinOperators_WithoutTheOperatorKey_FailsTheInvocation(string? key)
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings());
        var presence = station.App.Services.GetRequiredService<OperatorsPresence>();
        await using var connection = new HubConnectionBuilder()
            .WithUrl(station.Url("/hubs/operators"), o => o.AccessTokenProvider = () => Task.FromResult(key))
            .Build();
        await connection.StartAsync();

        var error = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<OperatorState>("JoinOperators"));
        Assert.Contains("unauthorized", error.Message, StringComparison.Ordinal);
        Assert.Equal(HubConnectionState.Connected, connection.State);
        Assert.Equal(0, presence.Operators);
    }

    [Fact]
    public async Task RadioHub_HasNoOperatorsPart()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings());
        await using var connection = new HubConnectionBuilder()
            .WithUrl(station.Url("/hubs/radio"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(Operators.OperatorKey))
            .Build();
        await connection.StartAsync();

        var error = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<OperatorState>("JoinOperators"));
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CrossOrigin_IsRefusedOnTheOperatorsHub()
    {
        await using var station = await TestStation.StartAsync(_folder.Media, Operators.Settings());
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, station.Url("/hubs/operators/negotiate?negotiateVersion=1"));
        request.Headers.Add("Origin", "http://evil.example");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    /// <summary>Completes once the hub has run its own OnDisconnectedAsync.</summary>
    private sealed class DisconnectSignal : IHubFilter
    {
        public TaskCompletionSource Disconnected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
        {
            await next(context, exception);
            Disconnected.TrySetResult();
        }
    }
}
