using System.Runtime.InteropServices;

namespace LatentSharp;

/// <summary>Opens files the user names for reading, refusing anything that is not a regular file before it can block.</summary>
internal static partial class InputFile
{
    /// <summary>
    /// Opens <paramref name="path"/> for reading when it is a regular file (or a symbolic link to one); otherwise throws
    /// what <paramref name="refuse"/> makes of the problem in words. A missing file throws <see cref="FileNotFoundException"/>.
    /// </summary>
    public static FileStream OpenRead(string path, Func<string, LatentSharpException> refuse, int bufferSize = 1 << 16, FileOptions options = FileOptions.None)
    {
        RequireRegular(path, refuse);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize, options);
    }

    /// <summary>
    /// Throws what <paramref name="refuse"/> makes unless <paramref name="path"/> is a regular file or a link to one: reading
    /// a FIFO blocks until something writes to it, and a device never ends, so neither may reach a reader.
    /// </summary>
    public static void RequireRegular(string path, Func<string, LatentSharpException> refuse)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path)) throw refuse("is a folder, not a file");
        if (!File.Exists(path)) throw new FileNotFoundException($"{Path.GetFileName(path)}: no such file.", path);
        if (!OperatingSystem.IsWindows() && FileType(path) is int type && type != RegularFile)
            throw refuse("is not a regular file (a pipe, socket or device): give the path of a file");
    }

    private const int TypeMask = 0xF000, RegularFile = 0x8000;

    /// <summary>The S_IFMT bits of stat(2) on <paramref name="path"/> (links followed), or null when they cannot be read.</summary>
    private static int? FileType(string path)
    {
        // .NET exposes no file type beyond "directory", so this asks the runtime's own native shim, which every .NET on
        // Unix ships (System.IO uses the same call); its FileStatus starts with int Flags, int Mode.
        try
        {
            return Stat(path, out FileStatus status) == 0 ? status.Mode & TypeMask : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct FileStatus
    {
        public int Flags;
        public int Mode;
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, out FileStatus output);
}
