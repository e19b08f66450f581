using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace RadioServer.Web;

internal static class WebServiceCollectionExtensions
{
    public static IServiceCollection AddWeb(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<CorsOptions, CorsOptionsValidator>().BindConfiguration(CorsOptions.Section);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CorsOptions>, CorsOptionsCrossValidator>());
        return services;
    }
}
