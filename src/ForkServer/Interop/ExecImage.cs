using System.Runtime.InteropServices;
using System.Text;

namespace ForkServer.Interop;

/// <summary>
/// A program path, its argument vector and its environment as execve(2) takes them: NUL-terminated byte strings and
/// NULL-terminated pointer arrays in native memory, made once in the parent before any fork. A child that execs reads
/// them from its copy of the parent's memory and allocates nothing.
/// </summary>
public sealed unsafe class ExecImage : IDisposable
{
    private ExecImage(byte* path, byte** arguments, byte** environment)
    {
        Path = path;
        Arguments = arguments;
        Environment = environment;
    }

    public byte* Path { get; }

    public byte** Arguments { get; }

    public byte** Environment { get; }

    /// <summary>An image execve(2) refuses at once (ENOENT), for rehearsing the exec path in the parent.</summary>
    public static ExecImage Nothing { get; } = Create("", Array.Empty<string>(), Array.Empty<string>());

    /// <summary>Where the rewritable entries start in <see cref="Environment"/>, and how many bytes each holds (its NUL aside).</summary>
    private int _firstSlot;
    private int _slotLength;

    /// <summary>Lays out <paramref name="path"/>, <paramref name="arguments"/> (argv[0] first) and <paramref name="environment"/> ("NAME=value").</summary>
    public static ExecImage Create(string path, IEnumerable<string> arguments, IEnumerable<string> environment) =>
        new(Text(Encoding.UTF8.GetBytes(path)), Vector(arguments.Select(Encoding.UTF8.GetBytes)), Vector(environment.Select(Encoding.UTF8.GetBytes)));

    /// <summary>
    /// As <see cref="Create(string, IEnumerable{string}, IEnumerable{string})"/>, with <paramref name="slots"/> more
    /// environment entries of <paramref name="slotLength"/> bytes at the end, which <see cref="SetSlot"/> rewrites in
    /// place: one image serves client after client (the exec model's UCSPI variables), and nothing is allocated per client.
    /// </summary>
    public static ExecImage WithSlots(string path, IEnumerable<string> arguments, IReadOnlyCollection<string> environment, int slots, int slotLength)
    {
        var image = Create(path, arguments, environment.Concat(Enumerable.Repeat(new string('-', slotLength), slots)));
        image._firstSlot = environment.Count;
        image._slotLength = slotLength;
        return image;
    }

    /// <summary>Makes environment slot <paramref name="slot"/> read <paramref name="name"/> (with its '=') followed by <paramref name="value"/>.</summary>
    public void SetSlot(int slot, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (name.Length + value.Length > _slotLength)
        {
            throw new ArgumentException("an environment entry longer than its slot");
        }
        var entry = new Span<byte>(Environment[_firstSlot + slot], _slotLength + 1);
        name.CopyTo(entry);
        value.CopyTo(entry[name.Length..]);
        entry[name.Length + value.Length] = 0;
    }

    /// <summary>The same from NUL-separated bytes, as /proc/self/cmdline and /proc/self/environ hold them, kept byte for byte.</summary>
    public static ExecImage Create(string path, byte[] nulSeparatedArguments, byte[] nulSeparatedEnvironment) =>
        new(Text(Encoding.UTF8.GetBytes(path)), Vector(Split(nulSeparatedArguments)), Vector(Split(nulSeparatedEnvironment)));

    private static IEnumerable<byte[]> Split(byte[] nulSeparated)
    {
        int start = 0;
        for (int i = 0; i < nulSeparated.Length; i++)
        {
            if (nulSeparated[i] == 0)
            {
                yield return nulSeparated[start..i];
                start = i + 1;
            }
        }
        if (start < nulSeparated.Length)
        {
            yield return nulSeparated[start..];
        }
    }

    private static byte* Text(ReadOnlySpan<byte> text)
    {
        byte* bytes = (byte*)NativeMemory.Alloc((nuint)text.Length + 1);
        text.CopyTo(new Span<byte>(bytes, text.Length));
        bytes[text.Length] = 0;
        return bytes;
    }

    private static byte** Vector(IEnumerable<byte[]> words)
    {
        var all = words.ToList();
        byte** vector = (byte**)NativeMemory.Alloc((nuint)(all.Count + 1), (nuint)sizeof(byte*));
        for (int i = 0; i < all.Count; i++)
        {
            vector[i] = Text(all[i]);
        }
        vector[all.Count] = null;
        return vector;
    }

    /// <summary>Gives the native memory back (in the parent, once the child it was made for has exec'd or failed).</summary>
    public void Dispose()
    {
        Free(Arguments);
        Free(Environment);
        NativeMemory.Free(Path);
    }

    private static void Free(byte** vector)
    {
        for (byte** word = vector; *word != null; word++)
        {
            NativeMemory.Free(*word);
        }
        NativeMemory.Free(vector);
    }
}
