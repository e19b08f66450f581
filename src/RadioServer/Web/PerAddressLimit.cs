using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace RadioServer.Web;

/// <summary>
/// A token bucket per client address for an endpoint that needs no key but costs work: <c>burst</c> requests at
/// once, then one every <c>every</c>. A refused request hears <see cref="RefuseAsync"/>, the station's one answer.
/// </summary>
internal sealed class PerAddressLimit(int burst, TimeSpan every) : IRateLimiterPolicy<string>
{
    // An endpoint's policy answers its own refusals (the middleware does not fall back to the default for it).
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => RefuseAsync;

    /// <summary>429 with <c>Retry-After</c> and a reason, for every rate-limited request.</summary>
    public static ValueTask RefuseAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 3;
        context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new ValueTask(Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests.",
            detail: $"This address has made this request too often; try again in {retryAfter} s.").ExecuteAsync(context.HttpContext));
    }

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
        RateLimitPartition.GetTokenBucketLimiter(httpContext.Connection.RemoteIpAddress?.ToString() ?? "", _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = every,
            QueueLimit = 0,
        });
}
