using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RadioServer.Station;

namespace RadioServer.Backplane;

internal static class BackplaneServiceCollectionExtensions
{
    /// <summary>
    /// With <c>Radio:Redis</c> set, every hub's lifetime manager becomes a <see cref="BackplaneHubLifetimeManager{THub}"/>
    /// (SignalR's Redis backplane, with this node's own clients served when Redis is not); without it, nothing changes
    /// but a <see cref="RedisBackplane"/> that reports itself off. After AddSignalR (AddNowPlaying).
    /// </summary>
    public static IServiceCollection AddBackplane(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptionsWithValidateOnStart<BackplaneOptions, BackplaneOptionsValidator>().BindConfiguration(BackplaneOptions.Section);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BackplaneOptions>, BackplaneOptionsCrossValidator>());
        services.AddSingleton<RedisBackplane>();
        services.AddHostedService(sp => sp.GetRequiredService<RedisBackplane>());
        services.AddSingleton<IMetricSource>(sp => sp.GetRequiredService<RedisBackplane>());
        if (string.IsNullOrWhiteSpace(configuration[$"{BackplaneOptions.Section}:{nameof(BackplaneOptions.Redis)}"]))
        {
            return services;
        }
        services.AddOptions<RedisOptions>().Configure<RedisBackplane>((redis, backplane) =>
        {
            redis.Configuration = backplane.Configuration!;
            redis.ConnectionFactory = _ => backplane.MultiplexerAsync();
        });
        services.Replace(ServiceDescriptor.Singleton(typeof(HubLifetimeManager<>), typeof(BackplaneHubLifetimeManager<>)));
        services.AddHostedService<StateResync>();
        return services;
    }
}
