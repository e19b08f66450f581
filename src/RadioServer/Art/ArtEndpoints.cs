using Microsoft.Extensions.DependencyInjection.Extensions;

namespace RadioServer.Art;

internal static class ArtEndpoints
{
    public static IServiceCollection AddArt(this IServiceCollection services)
    {
        services.TryAddSingleton<CoverArt>();
        return services;
    }

    /// <summary>
    /// <c>GET /art/{key}/{size}</c>: a picture at one of <see cref="CoverArt.Sizes"/>. Its URL names its content, so it
    /// is cached for a year by browsers and any CDN (immutable); a key that names nothing answers 404 with the reason,
    /// for a short while only (the library may read the picture's track later).
    /// </summary>
    public static IEndpointRouteBuilder MapArt(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods("/art/{key}/{size}", [HttpMethods.Get, HttpMethods.Head], async (string key, string size, HttpContext context, CoverArt art) =>
        {
            if (!CoverArt.IsKey(key))
            {
                return Results.Problem(statusCode: 404, title: "No such picture.", detail: "An art key is 24 hex digits, or station- and 24 hex digits.");
            }
            if (!int.TryParse(size, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var side) || Array.IndexOf(CoverArt.Sizes, side) < 0)
            {
                return Results.Problem(statusCode: 404, title: "No such size.", detail: $"Pictures come at {string.Join(", ", CoverArt.Sizes)} px.");
            }
            var etag = $"\"{key}-{side}\"";
            var headers = context.Response.Headers;
            if (context.Request.Headers.IfNoneMatch == etag)
            {
                headers.CacheControl = Immutable;
                headers.ETag = etag;
                return Results.StatusCode(StatusCodes.Status304NotModified);
            }
            var (image, missing) = await art.GetAsync(key, side, context.RequestAborted);
            if (image is null)
            {
                headers.CacheControl = "public, max-age=60";
                return Results.Problem(statusCode: 404, title: "No such picture.", detail: missing);
            }
            headers.CacheControl = Immutable;
            headers.ETag = etag;
            headers.XContentTypeOptions = "nosniff";
            return Results.Bytes(image, CoverArt.ContentTypeOf(key));
        });
        return endpoints;
    }

    private const string Immutable = "public, max-age=31536000, immutable";
}
