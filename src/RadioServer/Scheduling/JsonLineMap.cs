using System.Text;
using System.Text.Json;

namespace RadioServer.Scheduling;

/// <summary>Maps JSON paths such as <c>shows[0].slots[1].start</c> to the line and column where their value starts.</summary>
internal sealed class JsonLineMap
{
    private readonly Dictionary<string, (int Line, int Column)> _positions = new(StringComparer.Ordinal);

    private JsonLineMap()
    {
    }

    /// <summary>Every path seen, in document order.</summary>
    public IEnumerable<string> Paths => _positions.Keys;

    public static JsonLineMap Build(string json)
    {
        var map = new JsonLineMap();
        var bytes = Encoding.UTF8.GetBytes(json);
        var lineStarts = new List<int> { 0 };
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\n')
            {
                lineStarts.Add(i + 1);
            }
        }
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var stack = new Stack<(string Path, bool IsArray, int Index)>();
            string? property = null;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    property = reader.GetString();
                    continue;
                }
                if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    stack.Pop();
                    continue;
                }
                string path;
                if (stack.Count == 0)
                {
                    path = "";
                }
                else if (stack.Peek().IsArray)
                {
                    var (parent, _, index) = stack.Pop();
                    stack.Push((parent, true, index + 1));
                    path = $"{parent}[{index}]";
                }
                else
                {
                    var parent = stack.Peek().Path;
                    path = parent.Length == 0 ? property! : $"{parent}.{property}";
                }
                var offset = (int)reader.TokenStartIndex;
                var line = lineStarts.BinarySearch(offset);
                line = line >= 0 ? line : ~line - 1;
                map._positions[path] = (line + 1, offset - lineStarts[line] + 1);
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    stack.Push((path, reader.TokenType == JsonTokenType.StartArray, 0));
                }
            }
        }
        catch (JsonException)
        {
            // Malformed: the parser reports it with the serializer's own position.
        }
        return map;
    }

    /// <summary>The position of <paramref name="path"/>, or of its nearest parent that has one.</summary>
    public (int? Line, int? Column) Find(string path)
    {
        while (true)
        {
            if (_positions.TryGetValue(path, out var position))
            {
                return (position.Line, position.Column);
            }
            var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
            if (cut <= 0)
            {
                return _positions.TryGetValue("", out var root) ? (root.Line, root.Column) : (null, null);
            }
            path = path[..cut];
        }
    }
}
