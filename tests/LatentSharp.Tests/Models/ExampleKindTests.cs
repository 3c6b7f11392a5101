using System.CommandLine;
using LatentSharp.Cli;
using LatentSharp.Distributions;
using LatentSharp.Models;
using LatentSharp.Models.Catalog;
using LatentSharp.Nn;
using LatentSharp.Tensors;
using LatentSharp.Training;
using LatentSharp.Tests.Cli;

namespace LatentSharp.Tests.Models;

/// <summary>
/// A model kind added from outside the library, as a user would: one catalog entry (its model is a <see cref="Vae"/>
/// with one linear layer each way) registered with <see cref="ModelCatalog.Register"/>. The command line, the trainer
/// and checkpoints then know it with no edit of theirs.
/// </summary>
public sealed class LinearVaeKind : ModelKind
{
    /// <summary>Its own option: the code size under a name of its own.</summary>
    public static readonly ModelOption<int> CodeSize = new("code-size", nameof(ModelSpec.LatentSize), "Latent dimensions of the linear VAE.",
        s => s.LatentSize, (s, v) => s with { LatentSize = v }) { IsSize = true };

    public override string Name => "linear-vae";

    public override string Description => "VAE with one linear layer each way (an example kind)";

    public override IReadOnlyList<ModelOption> Options { get; } = [CodeSize];

    public override ModelSpec Defaults => base.Defaults with { LatentSize = 2 };

    public override void Validate(ModelSpec spec)
    {
        if (spec.LatentSize > 64) throw new InvalidSettingException(nameof(ModelSpec.LatentSize), $"A linear VAE takes at most 64 latent dimensions, not {spec.LatentSize}.");
    }

    /// <summary>Encoder Linear D → 2L (μ, log σ²), decoder Linear L → D (Bernoulli logits).</summary>
    public override LatentModel Build(ModelSpec spec, Rng rng) =>
        new Vae(spec, new Linear(spec.Dimensions, 2 * spec.LatentSize, rng), new Linear(spec.LatentSize, spec.Dimensions, rng),
            new BernoulliObservation(), new StandardNormalPrior(spec.LatentSize));

    public override double EstimatedParameters(ModelSpec spec) => 3.0 * spec.Dimensions * spec.LatentSize;

    public override string Describe(ModelSpec spec) => $"{spec.Kind} {spec.Channels}x{spec.Height}x{spec.Width} → linear → {spec.LatentSize}";
}

[Collection(ModelCatalogCollection.Name)]
public sealed class ExampleKindTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-example-kind-").FullName;
    private readonly IDisposable _registration = ModelCatalog.Register(new LinearVaeKind());

    public void Dispose()
    {
        _registration.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static (int Code, string Output, string Error) Run(params string[] args) => Latent.Run(args);

    [Fact]
    public void RegisteredKind_TrainsOneEpochThroughTheCommandLine_AndItsCheckpointLoads()
    {
        var (code, output, error) = Run("train", "--kind", "linear-vae", "--code-size", "3", "--epochs", "1", "-o", _dir);
        Assert.True(code == 0, error);
        Assert.Contains("linear-vae 1x28x28 → linear → 3", output);
        LatentModel model = Checkpoint.Load(Path.Combine(_dir, Trainer.LatestCheckpoint)).Model;
        Assert.Equal(("linear-vae", 3), (model.Spec.Kind, model.Spec.LatentSize));
        Assert.Equal(3 * 784 * 3 + 784, model.ParameterCount - 2 * 3);   // two linear layers: weights and biases
    }

    [Fact]
    public void RegisteredKind_ItsOptionIsInTheHelp_AndOtherKindsRefuseIt()
    {
        Command train = LatentCommand.Create().Subcommands.Single(c => c.Name == "train");
        Option codeSize = Assert.Single(train.Options, o => o.Name == "--code-size");
        Assert.Contains("Kinds: linear-vae", codeSize.Description);
        Assert.Contains("Default: 2", codeSize.Description);
        Assert.Contains("linear-vae", train.Options.Single(o => o.Name == "--kind").Description);

        var (code, _, error) = Run("train", "--code-size", "3", "--data", Path.Combine(_dir, "no-data"));
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("--code-size", error);
        Assert.Contains("linear-vae", error);
    }

    [Fact]
    public void RegisteredKind_ItsOwnRules_AreCheckedBeforeTheData()
    {
        var (code, _, error) = Run("train", "--kind", "linear-vae", "--code-size", "65", "--data", Path.Combine(_dir, "no-data"));
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("at most 64", error);
    }

    [Fact]
    public void Register_TakenNameOrOptionNameWithAnotherMeaning_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => ModelCatalog.Register(new LinearVaeKind()));
        Assert.Throws<ArgumentException>(() => ModelCatalog.Register(new ClashingKind()));
    }

    /// <summary>A kind whose "latent" option would set another field than the built-in kinds' "latent".</summary>
    private sealed class ClashingKind : ModelKind
    {
        public override string Name => "clashing";
        public override string Description => "";
        public override IReadOnlyList<ModelOption> Options { get; } =
            [new ModelOption<int>("latent", nameof(ModelSpec.PriorComponents), "", s => s.PriorComponents, (s, v) => s with { PriorComponents = v })];
        public override LatentModel Build(ModelSpec spec, Rng rng) => throw new NotSupportedException();
        public override double EstimatedParameters(ModelSpec spec) => 0;
        public override string Describe(ModelSpec spec) => Name;
    }
}

/// <summary>The tests that see the catalog's list of kinds, or change it, run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class ModelCatalogCollection
{
    public const string Name = "Model catalog";
}
