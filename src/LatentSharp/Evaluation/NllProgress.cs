using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using LatentSharp.Tensors;

namespace LatentSharp.Evaluation;

/// <summary>
/// A file in which importance-sampled NLL passes keep their finished batches, so that a pass killed after hours resumes
/// where it stopped when the same evaluation is run again, and gives the same numbers, to the bit, as an uninterrupted one.
/// </summary>
/// <remarks>
/// Each pass is an entry under its own key ("test", "out-of-distribution", "test, label 3", …): the log p̂ of its images done so far and the
/// state of its random stream after them, with a fingerprint of everything the pass depends on (the model's weights, the
/// images, K, the chunk and batch sizes, the stream's state when the pass began). An entry whose fingerprint differs
/// belongs to another evaluation and is ignored (then overwritten). The file is rewritten atomically (temporary file, then
/// move) at most every <see cref="SaveInterval"/> and when a pass ends; <see cref="Delete"/> removes it once the
/// evaluation is complete.
/// </remarks>
public sealed class NllProgress
{
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private readonly Dictionary<string, Entry> _entries;
    private readonly TextWriter? _log;
    private readonly Stopwatch _sinceSave = Stopwatch.StartNew();

    private sealed record Entry(string Fingerprint, int Done, ulong[] Rng, double[] LogMarginals);

    /// <summary>Opens <paramref name="path"/> (a missing file is an empty one); resumed passes are announced on <paramref name="log"/>.</summary>
    public NllProgress(string path, TextWriter? log = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        _log = log;
        _entries = [];
        if (!File.Exists(path)) return;
        try
        {
            _entries = JsonSerializer.Deserialize<Dictionary<string, Entry>>(File.ReadAllText(path), Json) ?? [];
            if (_entries.Values.Any(e => e.Fingerprint is null || e.Rng is not { Length: 6 } || e.LogMarginals is null || e.Done < 0 || e.Done > e.LogMarginals.Length))
                throw new JsonException("an entry is incomplete");
        }
        catch (JsonException e)
        {
            // An IOException, as for any file that cannot be read: the command line reports it as a data error.
            throw new IOException($"The NLL progress file {path} is not one an evaluation wrote ({e.Message}); delete it to start the evaluation over.", e);
        }
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The longest a finished batch waits before it is written to the file.</summary>
    internal TimeSpan SaveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The images of pass <paramref name="key"/> already done: their log p̂ go to the start of <paramref name="logMarginals"/>
    /// and <paramref name="rng"/> takes the state it had after them. 0 (and nothing changed) when the file has no entry for
    /// this pass with this <paramref name="fingerprint"/>.
    /// </summary>
    internal int Resume(string key, string fingerprint, double[] logMarginals, Rng rng)
    {
        if (!_entries.TryGetValue(key, out Entry? entry) || entry.Fingerprint != fingerprint || entry.LogMarginals.Length != logMarginals.Length)
            return 0;
        entry.LogMarginals.AsSpan(0, entry.Done).CopyTo(logMarginals);
        rng.SetState(entry.Rng);
        if (entry.Done > 0) _log?.WriteLine($"Resuming the NLL of {key} after {entry.Done:N0} of {logMarginals.Length:N0} images ({Path}).");
        return entry.Done;
    }

    /// <summary>
    /// Records that pass <paramref name="key"/> has done its first <paramref name="done"/> images, with <paramref name="rng"/>
    /// as it stands after them, when it is time to write the file (only the last state before a kill counts, so the
    /// batches in between are not copied).
    /// </summary>
    internal void Record(string key, string fingerprint, int done, double[] logMarginals, Rng rng)
    {
        if (done < logMarginals.Length && _sinceSave.Elapsed < SaveInterval) return;
        _entries[key] = new Entry(fingerprint, done, rng.GetState(), (double[])logMarginals.Clone());
        Save();
    }

    /// <summary>Removes the file: the evaluation it served is complete.</summary>
    public void Delete()
    {
        File.Delete(Path);
        _entries.Clear();
    }

    private void Save()
    {
        AtomicFile.WriteAllText(Path, JsonSerializer.Serialize(_entries, Json));
        _sinceSave.Restart();
    }

    /// <summary>A short fingerprint of floats (SHA-256, hex), for the parts of a pass's identity that are arrays.</summary>
    internal static string Hash(IEnumerable<ReadOnlyMemory<float>> parts)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (ReadOnlyMemory<float> part in parts) sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(part.Span));
        return Convert.ToHexString(sha.GetHashAndReset())[..32];
    }
}
