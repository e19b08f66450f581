using CsCheck;
using Xunit.Sdk;

namespace RadioServer.Tests.Properties;

/// <summary>
/// Runs a property over a fixed number of generated inputs, the same inputs on every run. CsCheck's
/// <c>Sample(seed: ...)</c> fixes only its first iteration: the others come from a per-thread generator seeded
/// by the clock, on several threads. Here every input is drawn in turn from one <see cref="PCG"/> parsed from
/// <paramref name="seed"/> (a CsCheck seed string), on the calling thread. A failure names the failing input's
/// own seed (<c>gen.Sample(assert, seed: that, iter: 1)</c> replays it) and, for synchronous properties, lets
/// CsCheck shrink from there to a smaller failing input.
/// </summary>
internal static class Property
{
    public static void Run<T>(Gen<T> gen, Action<T> assert, string seed, int iter, Func<T, string>? print = null, int shrinkIter = 300)
    {
        var pcg = PCG.Parse(seed);
        for (var i = 0; i < iter; i++)
        {
            var state = pcg.State;
            var input = gen.Generate(pcg, null, out _);
            try
            {
                assert(input);
            }
            catch (Exception ex)
            {
                var at = pcg.ToString(state);
                var message = Failure(i, iter, seed, at, Show(input, print), ex);
                if (shrinkIter > 0)
                {
                    try
                    {
                        gen.Sample(assert, seed: at, iter: shrinkIter, threads: 1, print: print);
                    }
                    catch (CsCheckException shrunk)
                    {
                        message += $"\nCsCheck shrank it to: {shrunk.Message}";
                    }
                }
                throw new XunitException(message, ex);
            }
        }
    }

    public static async Task RunAsync<T>(Gen<T> gen, Func<T, Task> assert, string seed, int iter, Func<T, string>? print = null)
    {
        var pcg = PCG.Parse(seed);
        for (var i = 0; i < iter; i++)
        {
            var state = pcg.State;
            var input = gen.Generate(pcg, null, out _);
            try
            {
                await assert(input);
            }
            catch (Exception ex)
            {
                throw new XunitException(Failure(i, iter, seed, pcg.ToString(state), Show(input, print), ex), ex);
            }
        }
    }

    private static string Failure(int i, int iter, string seed, string at, string input, Exception ex) =>
        $"Input {i + 1} of {iter} (run seed {seed}, this input's seed {at}) failed: {ex.GetType().Name}: {ex.Message}\nInput: {input}";

    private static string Show<T>(T input, Func<T, string>? print)
    {
        var text = print is null ? Check.Print(input) : print(input);
        return text.Length <= 2000 ? text : $"{text[..2000]}... ({text.Length} characters)";
    }

    /// <summary>A string with its control characters, quotes and non-ASCII escaped, for failure messages.</summary>
    public static string Escape(string text)
    {
        var sb = new System.Text.StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            sb.Append(c is >= ' ' and <= '~' and not '"' and not '\\' ? c.ToString() : $"\\u{(int)c:x4}");
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Bytes as Latin-1 text with everything outside printable ASCII escaped.</summary>
    public static string Escape(byte[] bytes) => Escape(System.Text.Encoding.Latin1.GetString(bytes));
}
