using Microsoft.Extensions.Hosting;
using RadioServer.Audio;

namespace RadioServer.Tests.Infrastructure;

/// <summary>
/// Stands in for <see cref="AirChainDriver"/> on a fake clock: starts the chain with the host and stops it
/// with the host, but runs no loop, so a test steps time and calls <see cref="AirChain.ProduceDue"/> itself
/// and the chain makes exactly that audio, with no timer races.
/// </summary>
internal sealed class SteppedAirChain(AirChain chain) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        chain.Initialize();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        chain.Stop();
        return Task.CompletedTask;
    }
}
