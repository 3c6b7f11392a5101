using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Reports;

/// <summary>
/// Where random codes of a model come from: its prior (<see cref="IHasPrior"/>), or, for a model with a latent space but no
/// prior (the autoencoder), a diagonal Gaussian fitted to codes of data, which shows how far such a code space is from a
/// generative model. Used by the samples figure and the explorer.
/// </summary>
public sealed class CodeSource
{
    private readonly IHasPrior? _prior;
    private readonly LatentFrame? _fitted;

    private CodeSource(IHasPrior? prior, LatentFrame? fitted, int latentSize, string description)
    {
        _prior = prior;
        _fitted = fitted;
        LatentSize = latentSize;
        Description = description;
    }

    /// <summary>L, the width of a code.</summary>
    public int LatentSize { get; }

    /// <summary>"the prior (mog)" or "a diagonal Gaussian fitted to the test codes (the model has no prior)".</summary>
    public string Description { get; }

    /// <summary>True when codes come from the model's prior.</summary>
    public bool IsPrior => _prior is not null;

    /// <summary>
    /// The source of <paramref name="model"/>'s codes: its prior, else a Gaussian fitted to <paramref name="codes"/> ([n, L]),
    /// which <paramref name="codesName"/> names in <see cref="Description"/>.
    /// </summary>
    public static CodeSource For(LatentModel model, ReadOnlySpan<float> codes, int n, string codesName = "the codes")
    {
        ArgumentNullException.ThrowIfNull(model);
        int l = model.Require<ILatentSpace>("Drawing codes").LatentSize;
        if (model.As<IHasPrior>() is { } prior) return new CodeSource(prior, null, l, $"the prior ({prior.PriorDescription})");
        LatentFrame fitted = LatentFrame.Fitted(codes, n, l, "Gaussian fit to the codes");
        return new CodeSource(null, fitted, l, $"a diagonal Gaussian fitted to {codesName} (the model has no prior)");
    }

    /// <summary><paramref name="count"/> codes; a prior is drawn on the calling thread, without gradients. [count, L]</summary>
    public float[] Sample(int count, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (_prior is null) return _fitted!.Draw(count, rng);
        using var _ = Tensor.NoGrad();
        return _prior.SamplePrior(count, rng).Data.AsSpan(0, count * LatentSize).ToArray();
    }
}
