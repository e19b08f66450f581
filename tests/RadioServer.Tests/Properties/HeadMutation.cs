using System.Text;
using CsCheck;

namespace RadioServer.Tests.Properties;

/// <summary>The byte-level mutations the request-parser properties apply to well-formed heads.</summary>
internal static class HeadMutation
{
    /// <summary>
    /// One mutation of a request head: truncate, flip, insert CR/LF/NUL/CRLF/<paramref name="blankLine"/>, delete or
    /// repeat a run, change case, long headers after the request line (<paramref name="longHeaders"/>), a space/tab/colon,
    /// a non-ASCII byte, a random byte.
    /// </summary>
    public static byte[] Apply(byte[] bytes, (int Kind, uint Where, byte Byte, int Length) m, byte[] blankLine, Func<(int Kind, uint Where, byte Byte, int Length), string> longHeaders)
    {
        var list = new List<byte>(bytes);
        var at = list.Count == 0 ? 0 : (int)(m.Where % (uint)(list.Count + 1));
        switch (m.Kind)
        {
            case 0: // truncate
                list.RemoveRange(at, list.Count - at);
                break;
            case 1 when list.Count > 0: // flip a byte
                list[Math.Min(at, list.Count - 1)] = m.Byte;
                break;
            case 2: // insert CR, LF, NUL, CRLF or a blank line
                list.InsertRange(at, (m.Byte % 5) switch { 0 => "\r"u8.ToArray(), 1 => "\n"u8.ToArray(), 2 => [0], 3 => "\r\n"u8.ToArray(), _ => blankLine });
                break;
            case 3: // delete a run
                list.RemoveRange(at, Math.Min(m.Length, list.Count - at));
                break;
            case 4: // repeat a run
                list.InsertRange(at, list.GetRange(at, Math.Min(m.Length, list.Count - at)));
                break;
            case 5: // change the case of the letters in a run
                for (var i = at; i < Math.Min(at + m.Length, list.Count); i++)
                {
                    list[i] = list[i] is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' ? (byte)(list[i] ^ 0x20) : list[i];
                }
                break;
            case 6: // long headers after the request line
                var eol = list.IndexOf((byte)'\n') + 1;
                list.InsertRange(eol, Encoding.ASCII.GetBytes(longHeaders(m)));
                break;
            case 7: // a space or a tab, or a colon
                list.Insert(at, (m.Byte % 3) switch { 0 => (byte)' ', 1 => (byte)'\t', _ => (byte)':' });
                break;
            case 8: // a byte outside ASCII
                list.Insert(at, (byte)(0x80 | m.Byte));
                break;
            default: // one random byte more
                list.Insert(at, m.Byte);
                break;
        }
        return [.. list];
    }

    /// <summary>A name in any mix of upper and lower case.</summary>
    public static Gen<string> CaseOf(string name) =>
        Gen.Bool.Array[name.Length].Select(upper => string.Concat(name.Select((c, i) => upper[i] ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c))));
}
