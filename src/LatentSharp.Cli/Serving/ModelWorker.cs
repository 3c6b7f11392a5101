using System.Collections.Concurrent;
using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Cli.Serving;

/// <summary>
/// The one thread that touches the model (models are not thread-safe). Requests queue here; decodes that are
/// waiting together run as one batch [B, L] → [B, D], so concurrent slider moves cost one forward pass.
/// </summary>
internal sealed class ModelWorker : IDisposable
{
    /// <summary>The most codes decoded in one forward pass.</summary>
    public const int MaxBatch = 64;

    private readonly LatentModel _model;
    private readonly ILatentSpace _space;
    private readonly BlockingCollection<Job> _queue = new();
    private readonly Thread _thread;
    private readonly Arena _arena = new();
    private long _batches, _decoded;

    public ModelWorker(LatentModel model)
    {
        _model = model;
        _space = model.Require<ILatentSpace>("latent serve");
        _model.Eval();
        _thread = new Thread(Loop) { IsBackground = true, Name = "latent-serve model" };
        _thread.Start();
    }

    /// <summary>Forward passes run by <see cref="DecodeAsync"/> so far, and the codes they decoded (mean batch = decoded / batches).</summary>
    public (long Batches, long Decoded) DecodeStatistics => (Interlocked.Read(ref _batches), Interlocked.Read(ref _decoded));

    /// <summary>Decodes one code, batched with any others waiting. [L] → [D]</summary>
    public Task<float[]> DecodeAsync(float[] z)
    {
        if (z.Length != _space.LatentSize) throw new ArgumentException($"z has {z.Length} values; the model's latent size is {_space.LatentSize}.", nameof(z));
        var job = new DecodeJob(z);
        _queue.Add(job);
        return job.Result.Task;
    }

    /// <summary>Runs <paramref name="work"/> on the model thread, inside a no-gradient scope; the result must not hold tensors.</summary>
    public Task<T> RunAsync<T>(Func<LatentModel, T> work)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add(new WorkJob(() =>
        {
            try { result.SetResult(work(_model)); }
            catch (Exception e) { result.SetException(e); }
        }));
        return result.Task;
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join();
        _queue.Dispose();
    }

    private void Loop()
    {
        // A served model is never trained: what its layers compute from the parameters alone (packed weights, a VampPrior's
        // pseudo-input posteriors) is kept for the worker's life.
        using IDisposable fixedParameters = _model.FixParameters();
        var decodes = new List<DecodeJob>(MaxBatch);
        var others = new List<WorkJob>();
        foreach (Job first in _queue.GetConsumingEnumerable())
        {
            decodes.Clear();
            others.Clear();
            Job? next = first;
            do
            {
                if (next is DecodeJob d) decodes.Add(d);
                else others.Add((WorkJob)next);
            }
            while (decodes.Count < MaxBatch && _queue.TryTake(out next));

            if (decodes.Count > 0) Decode(decodes);
            foreach (WorkJob job in others)
            {
                using (Tensor.NoGrad()) job.Run();
            }
        }
    }

    private void Decode(List<DecodeJob> jobs)
    {
        int b = jobs.Count, l = _space.LatentSize, d = _model.Spec.Dimensions;
        try
        {
            var codes = new float[b * l];                                  // [B, L]
            for (int i = 0; i < b; i++) jobs[i].Z.CopyTo(codes, i * l);
            var images = new float[b][];
            using (Tensor.NoGrad())
            using (_arena.Scope())
            {
                float[] x = _space.Decode(Tensor.FromArray(codes, b, l)).Data;   // [B, D], arena-owned: copy out
                for (int i = 0; i < b; i++) images[i] = x.AsSpan(i * d, d).ToArray();
            }
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _decoded, b);
            for (int i = 0; i < b; i++) jobs[i].Result.SetResult(images[i]);
        }
        catch (Exception e)
        {
            foreach (DecodeJob job in jobs) job.Result.TrySetException(e);
        }
    }

    private abstract class Job;

    private sealed class DecodeJob(float[] z) : Job
    {
        public float[] Z { get; } = z;
        public TaskCompletionSource<float[]> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class WorkJob(Action run) : Job
    {
        public void Run() => run();
    }
}
