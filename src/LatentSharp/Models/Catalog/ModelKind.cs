using LatentSharp.Tensors;

namespace LatentSharp.Models.Catalog;

/// <summary>
/// One entry of the <see cref="ModelCatalog"/>: a kind of model, what it is, the settings it takes and their defaults,
/// the checks of a spec, and how to build the model. A new kind is a model class plus one subclass of this, registered
/// with <see cref="ModelCatalog.Register"/>; front ends derive their options, help and checks from it.
/// </summary>
public abstract class ModelKind
{
    /// <summary>The name stored in <see cref="ModelSpec.Kind"/> and chosen in front ends: "vae", "conv-hvae".</summary>
    public abstract string Name { get; }

    /// <summary>One line: what the model is.</summary>
    public abstract string Description { get; }

    /// <summary>The settings this kind takes; every other <see cref="ModelSpec"/> field keeps its default and is not used.</summary>
    public abstract IReadOnlyList<ModelOption> Options { get; }

    /// <summary>The spec of this kind before any setting is given: <see cref="ModelSpec"/>'s defaults unless the kind has its own.</summary>
    public virtual ModelSpec Defaults => new() { Kind = Name };

    /// <summary>
    /// What the model's <see cref="ModelTerms"/> are: a bound with latent draws and KL terms (the default), an exact
    /// likelihood, or a reconstruction loss; training settings that act on draws or KL apply only to a bound.
    /// </summary>
    public virtual TermsKind Terms => TermsKind.Bound;

    /// <summary>True when the model is conditioned on the class label: <see cref="ModelSpec.Classes"/> comes from the data.</summary>
    public virtual bool IsConditional => false;

    /// <summary>
    /// Refuses, with an <see cref="InvalidSettingException"/>, what this kind cannot be built with and can be told without
    /// the data (the image size and the classes are not known yet). <see cref="ModelCatalog.Validate"/> runs it after the
    /// checks every kind shares and before the checks of the <see cref="Options"/>' <see cref="ModelOption.Choices"/>.
    /// </summary>
    public virtual void Validate(ModelSpec spec)
    {
    }

    /// <summary>
    /// Refuses, with an <see cref="InvalidSettingException"/>, images this kind cannot model, once the spec has the data's
    /// <see cref="ModelSpec.Channels"/>, <see cref="ModelSpec.Height"/> and <see cref="ModelSpec.Width"/> (e.g. colour images
    /// for a model of binarized pixels, or sizes its stride-2 convolutions cannot halve). <see cref="ModelCatalog.ForData"/>
    /// and <see cref="ModelCatalog.Build"/> run it; the default takes any channels and size.
    /// </summary>
    public virtual void ValidateImages(ModelSpec spec)
    {
    }

    /// <summary>A freshly initialised model of a validated, complete spec (image geometry and classes set).</summary>
    public abstract LatentModel Build(ModelSpec spec, Rng rng);

    /// <summary>
    /// About how many parameters the model of <paramref name="spec"/> has (weight matrices and kernels; biases may be left
    /// out), in 64-bit floating point so that absurd sizes are caught before anything is allocated.
    /// </summary>
    public abstract double EstimatedParameters(ModelSpec spec);

    /// <summary>One line for logs and reports: the architecture of <paramref name="spec"/>.</summary>
    public abstract string Describe(ModelSpec spec);
}
