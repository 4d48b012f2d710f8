namespace ForkServer.Timeline;

/// <summary>The files a timeline is read from and drawn into, and why one could not be used, in a few words.</summary>
public static class PictureFile
{
    /// <summary>Writes a drawn picture into <paramref name="path"/>: null, or why it could not be written.</summary>
    public static string? Write(string path, string picture)
    {
        try
        {
            File.WriteAllText(path, picture);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Why(path, e);
        }
    }

    /// <summary>
    /// Why <paramref name="path"/> could not be read or written: .NET's words, but a directory is called one (.NET says
    /// that access to it is denied).
    /// </summary>
    public static string Why(string? path, Exception e) =>
        path is not null && Directory.Exists(path) ? "it is a directory" : e.Message;
}
