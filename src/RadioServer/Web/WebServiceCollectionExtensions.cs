using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace RadioServer.Web;

internal static class WebServiceCollectionExtensions
{
    public static IServiceCollection AddWeb(this IServiceCollection services)
    {
        services.TryAddSingleton<StationPages>();
        services.AddOptionsWithValidateOnStart<CorsOptions, CorsOptionsValidator>().BindConfiguration(CorsOptions.Section);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CorsOptions>, CorsOptionsCrossValidator>());
        // What every rate-limited endpoint answers when its limit is met (the policies are the features' own).
        services.AddRateLimiter(limits =>
        {
            limits.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limits.OnRejected = PerAddressLimit.RefuseAsync;
        });
        return services;
    }
}
