using Microsoft.Data.Sqlite;

namespace RadioServer.Station;

/// <summary>The station's SQLite file as every store opens it: its folder made when missing, WAL, a 2 s wait for a lock.</summary>
internal static class StationDatabase
{
    /// <summary>Opens a connection and runs <paramref name="setup"/> (SQL, e.g. a CREATE TABLE IF NOT EXISTS) and then <paramref name="then"/> on it.</summary>
    public static SqliteConnection Open(string path, string connectionString, string setup = "", Action<SqliteConnection>? then = null)
    {
        var folder = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA busy_timeout = 2000; PRAGMA journal_mode = WAL;" + setup;
            command.ExecuteNonQuery();
            then?.Invoke(connection);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
