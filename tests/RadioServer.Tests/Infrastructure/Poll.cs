namespace RadioServer.Tests.Infrastructure;

/// <summary>Waiting on a condition that the real clock brings about (Redis, sockets, another node): polled, with a deadline.</summary>
internal static class Poll
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>Returns once <paramref name="condition"/> holds; <paramref name="between"/> (default: 50 ms of real time) runs between tries.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, Func<Task>? between = null)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (!await condition())
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"Waited {Deadline.TotalSeconds:0} s for {what}.");
            }
            await (between?.Invoke() ?? Task.Delay(50));
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);
}
