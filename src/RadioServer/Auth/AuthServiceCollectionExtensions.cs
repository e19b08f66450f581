using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace RadioServer.Auth;

internal static class AuthServiceCollectionExtensions
{
    public const string HostPolicy = "host";
    public const string OperatorPolicy = "operator";

    public static IServiceCollection AddApiKeyAuth(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<AuthOptions, AuthOptionsValidator>().BindConfiguration(AuthOptions.Section);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthOptions>, AuthOptionsCrossValidator>());
        services.AddSingleton<ApiKeys>();
        services.TryAddSingleton<FailedKeyLog>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(HostPolicy, p => p.RequireRole(Roles.Host, Roles.Operator))
            .AddPolicy(OperatorPolicy, p => p.RequireRole(Roles.Operator));
        return services;
    }
}
