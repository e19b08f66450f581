using System.Diagnostics;
using System.Text;
using CsCheck;
using RadioServer.Streaming;

namespace RadioServer.Tests.Properties;

/// <summary>
/// The ICY metadata writer (<see cref="IcyMetadata.Encode"/>) for any title a tag or a file name can carry: the block
/// is always well-formed, and a player reading it gets exactly the sanitised title and nothing after it.
/// </summary>
public sealed class IcyMetadataProperties
{
    private const string Prefix = "StreamTitle='";
    private const string Suffix = "';";

    /// <summary>What the title may take in a block: the length byte says at most 255 x 16 bytes, the field's own text included.</summary>
    private const int TitleRoom = (255 * 16) - 13 - 2;

    private static readonly string[] s_hostile =
    [
        "'", "';", "';StreamUrl='http://evil.example/';", "StreamUrl='", "\0", "\r\n", "\u001b[2J", "\u007f", "\u0085", "\u009f",
        "\u2019", "\u2028", "\uFEFF", "\uD83C\uDFB5", "\uD83D\uDE00", "\uD800", "\uDFFF", "é", "\u4E2D\u6587", "''", ";", "=",
    ];

    /// <summary>Any UTF-16 text, lone surrogates included, with the pieces an attacker would try mixed in; some past the block's room.</summary>
    private static readonly Gen<string> s_anyTitle = Gen.Frequency(
        (3, Gen.String[Gen.Char, 0, 80]),
        (3, Pieces(Gen.Int[0, 40])),
        (1, Gen.String[Gen.Char, 3000, 6000]),
        (1, Pieces(Gen.Int[1200, 2500])),
        (1, Gen.Int[4000, 6000].Select(n => new string('é', n))));

    /// <summary>Well-formed UTF-16 with nothing to sanitise (no apostrophe, no control character): shown as given.</summary>
    private static readonly Gen<string> s_cleanTitle = Gen.Frequency(
        (4, Gen.String[Gen.Char[' ', '~'].Where(c => c != '\''), 0, 120]),
        (2, Gen.Int[0x80, 0xFFFF].Where(c => !IsControl((char)c) && !char.IsSurrogate((char)c)).Select(c => ((char)c).ToString()).Array[0, 60].Select(string.Concat)),
        (2, Gen.Int[0x10000, 0x10FFFF].Select(char.ConvertFromUtf32).Array[0, 30].Select(string.Concat)),
        (1, Gen.Int[4000, 4200].Select(n => new string('a', n))),
        (1, Gen.Int[1000, 2000].Select(n => string.Concat(Enumerable.Repeat("\uD83C\uDFB5", n)))));

    private static Gen<string> Pieces(Gen<int> count) =>
        count.SelectMany(n => Gen.Frequency(
            (3, Gen.OneOf(s_hostile)),
            (2, Gen.String[Gen.Char[' ', '~'], 1, 8]),
            (1, Gen.Char.Select(c => c.ToString()))).Array[n]).Select(string.Concat);

    [Fact]
    public void AnyTitle_GivesAWellFormedBlock_ThatParsesBackToTheSanitisedTitle_AndNothingElse()
    {
        Property.Run(s_anyTitle, title =>
        {
            var block = IcyMetadata.Encode(title);
            var parsed = AssertWellFormed(block);
            Assert.Equal(Cut(Sanitised(title), TitleRoom), parsed);
        }, seed: "icyAnyTitle1", iter: 600, print: Property.Escape);
    }

    [Fact]
    public void TitleThatNeedsNoSanitising_ComesBackUnchanged_OrCutAtACharacterToFit()
    {
        Property.Run(s_cleanTitle, title =>
        {
            var parsed = AssertWellFormed(IcyMetadata.Encode(title));
            if (Encoding.UTF8.GetByteCount(title) <= TitleRoom)
            {
                Assert.Equal(title, parsed);
            }
            else
            {
                Assert.StartsWith(parsed, title, StringComparison.Ordinal);
                Assert.False(char.IsHighSurrogate(parsed[^1]), "cut inside a character");
                var next = Rune.GetRuneAt(title, parsed.Length);
                Assert.True(Encoding.UTF8.GetByteCount(parsed) + next.Utf8SequenceLength > TitleRoom, "cut shorter than the room allows");
            }
        }, seed: "icyCleanTtl1", iter: 400, print: Property.Escape);
    }

    [Fact]
    public void VeryLongTitle_IsEncodedInBoundedTimeAndMemory()
    {
        // A tag can hold a title of any length (a host's file). The block is cut to 4 KB; the work must not grow
        // with the square of the title.
        Property.Run(Gen.Int[100_000, 400_000].Select(Gen.OneOf('a', 'é', '\'', '\0'), (n, c) => new string(c, n)), title =>
        {
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            var block = IcyMetadata.Encode(title);
            watch.Stop();
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            Assert.Equal(1 + (255 * 16), block.Length);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"{title.Length} characters took {watch.Elapsed.TotalMilliseconds:0} ms");
            // The sanitised copy of the title (2 bytes a character) and the 4 KB block.
            Assert.True(allocated < (4L * title.Length) + (64 * 1024), $"{title.Length} characters allocated {allocated:N0} bytes");
        }, seed: "icyLongTtle1", iter: 4, print: t => $"{t.Length} x {Property.Escape(t[..1])}", shrinkIter: 0);
    }

    /// <summary>Checks the block's frame and reads the title as a player does (StreamTitle=' up to the first ';); returns it.</summary>
    private static string AssertWellFormed(byte[] block)
    {
        var n = block[0];
        Assert.InRange(n, 1, 255);
        Assert.Equal(1 + (16 * n), block.Length);
        var payload = block.AsSpan(1);
        Assert.True(payload.StartsWith(Encoding.ASCII.GetBytes(Prefix)), "the block does not start with StreamTitle='");
        var body = payload[Prefix.Length..];
        var end = body.IndexOf(Encoding.ASCII.GetBytes(Suffix));
        Assert.True(end >= 0, "the StreamTitle field is never closed");
        // After the one field only padding, fewer than 16 bytes of it: no second field (StreamUrl=...) and no text a
        // player would read on.
        var rest = body[(end + Suffix.Length)..];
        Assert.True(rest.IndexOfAnyExcept((byte)0) < 0, $"bytes after the field: {Property.Escape(rest.ToArray())}");
        Assert.InRange(rest.Length, 0, 15);
        var title = body[..end].ToArray();
        Assert.DoesNotContain(title, b => b < 0x20 || b == 0x7f || b == '\'');
        return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(title);
    }

    /// <summary>
    /// The documented sanitised form (docs/api.md; <see cref="IcyMetadata"/>), written out here: an apostrophe becomes
    /// U+2019, a control character (Unicode's Cc: U+0000-U+001F, U+007F-U+009F) a space, and a lone surrogate, which
    /// is no character, U+FFFD (what UTF-8 carries for it).
    /// </summary>
    private static string Sanitised(string title)
    {
        var sb = new StringBuilder(title.Length);
        for (var i = 0; i < title.Length; i++)
        {
            var c = title[i];
            if (char.IsHighSurrogate(c) && i + 1 < title.Length && char.IsLowSurrogate(title[i + 1]))
            {
                sb.Append(c).Append(title[++i]);
            }
            else
            {
                sb.Append(c == '\'' ? '\u2019' : IsControl(c) ? ' ' : char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return sb.ToString();
    }

    /// <summary>The longest prefix of whole characters whose UTF-8 fits in <paramref name="maxBytes"/>.</summary>
    private static string Cut(string text, int maxBytes)
    {
        var bytes = 0;
        var length = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > maxBytes)
            {
                break;
            }
            bytes += rune.Utf8SequenceLength;
            length += rune.Utf16SequenceLength;
        }
        return text[..length];
    }

    private static bool IsControl(char c) => c < 0x20 || c is >= '\u007f' and <= '\u009f';
}
