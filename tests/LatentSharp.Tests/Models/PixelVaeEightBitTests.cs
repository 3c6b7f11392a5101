using LatentSharp.Cli;
using LatentSharp.Data;
using LatentSharp.Distributions;
using LatentSharp.Evaluation;
using LatentSharp.Imaging;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Models;

/// <summary>
/// The PixelVAE form on 8-bit images: the conv kinds' "pixelcnn" likelihood with the 256-way softmax per sub-pixel (R → G → B
/// channel groups) or PixelCNN++'s discretized logistic mixture as its pixel head.
/// </summary>
public sealed class PixelVaeEightBitTests : IDisposable
{
    private const int Features = 6;

    private readonly string _dir = Directory.CreateTempSubdirectory("ls-pixelvae8-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PixelHead HeadOf(string head, int channels) => head switch
    {
        "categorical" => new CategoricalPixelHead(channels),
        "logistic-mixture" => new LogisticMixturePixelHead(channels, 2),
        _ => new BernoulliPixelHead(),
    };

    /// <summary>p(x | z) on its own, with its biases drawn away from their small initial range so that no output is zero by accident.</summary>
    private static PixelCnnObservation Observation(string head, int channels, int height, int width, bool codeIntoBlocks = false, int blocks = 2, ulong seed = 1)
    {
        var observation = new PixelCnnObservation(Features, blocks, height, width, new Rng(seed), codeIntoBlocks, HeadOf(head, channels));
        var rng = new Rng(seed + 100);
        foreach (var (name, p) in observation.NamedParameters())
            if (name.EndsWith("bias", StringComparison.Ordinal)) rng.FillUniform(p.Data.AsSpan(0, p.Length), -0.5f, 0.5f);
        return observation;
    }

    /// <summary>The decoder's feature maps of one fixed z, n times. [n, h·H·W]</summary>
    private static Tensor FixedCode(int n, int pixels, ulong seed) => GradCheck.Param(seed, -1f, 1f, 1, Features * pixels).Tile(n);

    private static ModelSpec Spec(string kind, string head, int channels, int size) => new()
    {
        Kind = kind, Likelihood = "pixelcnn", PixelCnnHead = head, Channels = channels, Height = size, Width = size,
        ConvChannels = [3], LatentSize = 2, LatentSizes = kind == "conv-hvae" ? [2, 2] : [], Hidden = [4],
        PixelCnnChannels = Features, PixelCnnBlocks = 1, MixtureComponents = 2,
    };

    private static LatentModel Build(ModelSpec spec, ulong seed = 1)
    {
        LatentModel model = ModelCatalog.Build(spec, new Rng(seed));
        var rng = new Rng(seed + 100);
        foreach (var (name, p) in model.NamedParameters())
            if (name.EndsWith("bias", StringComparison.Ordinal)) rng.FillUniform(p.Data.AsSpan(0, p.Length), -0.5f, 0.5f);
        return model;
    }

    private static Tensor EightBitImages(int n, int d, ulong seed)
    {
        var x = Tensor.Zeros(n, d);
        var rng = new Rng(seed);
        for (int i = 0; i < x.Length; i++) x.Data[i] = MathF.Floor(rng.NextFloat() * 256f) / 255f;
        return x;
    }

    public static TheoryData<string, int, bool> EveryHead()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (string head in new[] { "categorical", "logistic-mixture" })
        foreach (int channels in new[] { 1, 3 })
        foreach (bool codeIntoBlocks in new[] { false, true })
            data.Add(head, channels, codeIntoBlocks);
        return data;
    }

    /// <summary>
    /// With z fixed, every input sub-pixel (c, i) of two images changed in turn: output o of pixel j may move only when i &lt; j,
    /// or, for the categorical head (output group o mod C), when i = j and c &lt; o mod C; checked for two draws of the weights.
    /// Some output must move with the pixel before it, and each colour group with the earlier sub-pixels of its own pixel, in
    /// one draw at least (with biases in ±0.5 a group's few ReLUs can all be off for one draw: only group B's features carry
    /// its own pixel's G); and the code reaches every output group of its pixel (only the image is masked).
    /// </summary>
    [Theory]
    [MemberData(nameof(EveryHead))]
    public void Outputs_GivenZ_MoveOnlyWithEarlierPixelsAndEarlierSubPixels(string head, int channels, bool codeIntoBlocks)
    {
        const int height = 4, width = 4, plane = height * width;
        var field = new SubPixelReceptiveField(channels);
        foreach (ulong seed in new ulong[] { 1, 2 })
        {
            PixelCnnObservation observation = Observation(head, channels, height, width, codeIntoBlocks, seed: seed);
            int p = observation.Head.OutputsPerPixel, groups = observation.Head.ChannelGroups;
            Tensor x = EightBitImages(2, channels * plane, 3), code = FixedCode(2, plane, 4);
            using var _ = Tensor.NoGrad();
            field.Probe(images => observation.Outputs(images, code).Data, x, plane, p, groups, $"{head} C={channels} seed {seed}");

            float[] reference = observation.Outputs(x, code).Data;   // the code: one feature of the last pixel changed moves the outputs of every group there
            var shifted = (float[])code.Data.Clone();
            for (int r = 0; r < 2; r++) shifted[r * Features * plane + plane - 1] += 1f;
            float[] byCode = observation.Outputs(x, Tensor.FromArray(shifted, 2, Features * plane)).Data;
            for (int g = 0; g < groups; g++)
                Assert.True(Enumerable.Range(0, p / groups).Any(k => byCode[(k * groups + g) * plane + plane - 1] != reference[(k * groups + g) * plane + plane - 1]),
                    $"seed {seed}: output group {g} does not see the code");
        }
        field.AssertLive();
    }

    /// <summary>
    /// Σ p(x | z) = 1 over all 65,536 images of two sub-pixels for a fixed z: two grey pixels (1×1×2) or one pixel of two
    /// channels (2×1×1), so that a sub-pixel whose distribution saw itself would break the chain rule.
    /// </summary>
    [Theory]
    [InlineData("categorical", 2, false)]
    [InlineData("categorical", 1, false)]
    [InlineData("categorical", 2, true)]
    [InlineData("logistic-mixture", 2, false)]
    [InlineData("logistic-mixture", 1, true)]
    public void Probabilities_OfAllTwoSubPixelImages_GivenZ_SumToOne(string head, int channels, bool codeIntoBlocks)
    {
        PixelCnnObservation observation = Observation(head, channels, 1, 3 - channels, codeIntoBlocks);
        const int count = 256 * 256, chunk = 8192;
        Tensor code = FixedCode(chunk, 3 - channels, 5);
        double total = 0;
        using var _ = Tensor.NoGrad();
        for (int first = 0; first < count; first += chunk)
        {
            var x = new float[chunk * 2];
            for (int n = 0; n < chunk; n++)
            {
                x[2 * n] = (first + n) / 256 / 255f;
                x[2 * n + 1] = (first + n) % 256 / 255f;
            }
            total += observation.LogProb(Tensor.FromArray(x, chunk, 2), code).Data.Sum(v => Math.Exp(v));
        }
        Assert.Equal(1.0, total, 3);
    }

    /// <summary>
    /// Drawing sub-pixel by sub-pixel given z follows p(x | z): on one pixel of two channels, the frequency of the drawn
    /// (R, G) pairs in 16×16 value bins matches p(R, G | z) summed over each bin; the mean is the path drawn with its seed.
    /// </summary>
    [Theory]
    [InlineData("categorical")]
    [InlineData("logistic-mixture")]
    public void Samples_GivenZ_FollowTheJointDistribution(string head)
    {
        PixelCnnObservation observation = Observation(head, 2, 1, 1);
        var expected = new double[16 * 16];
        using (Tensor.NoGrad())
        {
            var x = new float[65536 * 2];
            for (int n = 0; n < 65536; n++) { x[2 * n] = n / 256 / 255f; x[2 * n + 1] = n % 256 / 255f; }
            float[] logP = observation.LogProb(Tensor.FromArray(x, 65536, 2), FixedCode(65536, 1, 6)).Data;
            for (int n = 0; n < 65536; n++) expected[n / 256 / 16 * 16 + n % 256 / 16] += Math.Exp(logP[n]);
        }
        const int draws = 20000;
        float[] samples = observation.Sample(FixedCode(draws, 1, 6), new Rng(11)).Data;
        var observed = new double[16 * 16];
        for (int n = 0; n < draws; n++) observed[(int)MathF.Round(samples[2 * n] * 255f) / 16 * 16 + (int)MathF.Round(samples[2 * n + 1] * 255f) / 16] += 1.0 / draws;
        double totalVariation = 0.5 * expected.Zip(observed, (e, o) => Math.Abs(e - o)).Sum();
        Assert.True(totalVariation < 0.1, $"total variation {totalVariation:F3} between the samples and p(x | z)");

        Tensor code = FixedCode(3, 1, 7);
        Assert.Equal(observation.Sample(code, new Rng(PixelCnnObservation.MeanSeed)).Data, observation.Mean(code).Data);
        Assert.True(observation.IsDiscrete8Bit);
    }

    /// <summary>Every parameter of a PixelVAE (encoder, decoder, prior's layers, masked layers and head) against central differences of the ELBO at fixed noise.</summary>
    [Theory]
    [InlineData("conv-vae", "categorical", 3)]
    [InlineData("conv-vae", "logistic-mixture", 3)]
    [InlineData("conv-vae", "categorical", 1)]
    [InlineData("conv-hvae", "logistic-mixture", 3)]
    public void ParameterGradients_MatchFiniteDifferences(string kind, string head, int channels)
    {
        ModelSpec spec = Spec(kind, head, channels, 2);
        for (ulong seed = 1; seed <= 2; seed++)
        {
            LatentModel model = Build(spec, seed);
            Tensor x = EightBitImages(2, spec.Dimensions, 7 + seed);
            GradCheck.CheckParametersAwayFromKinks(model, () => model.Terms(x, new Rng(3)).Elbo, minimumChecked: 30, label: $"{kind} {head} C={channels} seed {seed}", perParameter: 48);
        }
    }

    [Theory]
    [InlineData("conv-vae", "categorical")]
    [InlineData("conv-hvae", "logistic-mixture")]
    public void Checkpoint_RoundTrip_KeepsTheHeadTheElboAndTheSamples(string kind, string head)
    {
        LatentModel model = Build(Spec(kind, head, 3, 4));
        string path = Path.Combine(_dir, "model.safetensors");
        Checkpoint.Save(path, model);
        LatentModel loaded = Checkpoint.Load(path).Model;
        Assert.Equal(head, loaded.Spec.PixelCnnHead);
        Assert.Equal(model.Spec.ToJson(), loaded.Spec.ToJson());
        Tensor x = EightBitImages(3, 48, 8);
        using (Tensor.NoGrad())
            Assert.Equal(model.Terms(x, new Rng(4)).Elbo.Data, loaded.Terms(x, new Rng(4)).Elbo.Data);
        Tensor samples = model.As<IGenerative>()!.Sample(3, new Rng(7));
        Assert.Equal(samples.Data, loaded.As<IGenerative>()!.Sample(3, new Rng(7)).Data);
        Assert.All(samples.Data, v => Assert.Equal(MathF.Round(v * 255f) / 255f, v));
        Assert.True(samples.Data.Distinct().Count() > 4, "the samples should not be constant");
    }

    /// <summary>A checkpoint written before the pixel head existed has no such field in its spec: it loads with the Bernoulli head and the same numbers.</summary>
    [Fact]
    public void CheckpointWithoutThePixelHead_LoadsAsBernoulli_WithTheSameElbo()
    {
        ModelSpec spec = Spec("conv-vae", "bernoulli", 1, 4);
        string json = spec.ToJson();
        Assert.Contains("\"pixelCnnHead\":\"bernoulli\",", json);
        ModelSpec old = ModelSpec.FromJson(json.Replace("\"pixelCnnHead\":\"bernoulli\",", ""));
        Assert.Equal(json, old.ToJson());
        Assert.True(old.HasBinaryLikelihood);
        Assert.False(old.HasEightBitLikelihood);
        Assert.Equal(NllConvention.Discrete, NllPasses.ConventionOf(old));

        Tensor x = Tensor.FromArray([.. EightBitImages(2, 16, 9).Data.Select(v => v > 0.5f ? 1f : 0f)], 2, 16);
        LatentModel model = Build(spec), rebuilt = Build(old);
        using var _ = Tensor.NoGrad();
        Assert.Equal(model.Terms(x, new Rng(4)).Elbo.Data, rebuilt.Terms(x, new Rng(4)).Elbo.Data);
    }

    [Fact]
    public void EightBitHeads_AreScoredInExactBitsPerDim()
    {
        foreach (string head in new[] { "categorical", "logistic-mixture" })
        {
            ModelSpec spec = Spec("conv-vae", head, 3, 4);
            Assert.True(spec.HasEightBitLikelihood);
            Assert.False(spec.HasBinaryLikelihood);
            Assert.Equal(NllConvention.Discrete8Bit, NllPasses.ConventionOf(spec));
        }
    }

    [Fact]
    public void Catalog_RefusesWhatThePixelHeadsCannotModel_AndEstimatesTheirSize()
    {
        var bernoulliOnColour = Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Spec("conv-vae", "bernoulli", 3, 4), new Rng(1)));
        Assert.Contains("categorical or logistic-mixture pixel head", bernoulliOnColour.Message);
        var unknown = Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Spec("conv-vae", "softmax", 1, 4), new Rng(1)));
        Assert.Equal(nameof(ModelSpec.PixelCnnHead), unknown.Setting);
        var withoutPixelCnn = Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Spec("conv-hvae", "categorical", 1, 4) with { Likelihood = "categorical" }, new Rng(1)));
        Assert.Equal(nameof(ModelSpec.PixelCnnHead), withoutPixelCnn.Setting);
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Spec("conv-vae", "logistic-mixture", 3, 4) with { MixtureComponents = 0 }, new Rng(1)));
        var binarized = Assert.Throws<InvalidSettingException>(() => ObjectiveSettings.Validate(Spec("conv-vae", "categorical", 1, 4), new TrainingOptions { Binarization = Binarization.Dynamic }));
        Assert.Contains("\"categorical\" pixelcnn head models the 256 levels of 8-bit images", binarized.Message);

        foreach (var (kind, head) in new[] { ("conv-vae", "categorical"), ("conv-vae", "logistic-mixture"), ("conv-hvae", "categorical") })
        {
            ModelSpec spec = Spec(kind, head, 3, 8) with { PixelCnnChannels = 16 };
            LatentModel model = ModelCatalog.Build(spec, new Rng(1));
            double estimate = ModelCatalog.Get(kind).EstimatedParameters(spec);
            Assert.True(estimate >= 0.95 * model.ParameterCount, $"{kind} {head}: estimate {estimate} for {model.ParameterCount} parameters");
            Assert.Contains(head == "categorical" ? "256-way softmax per sub-pixel (R → G → B channel-group masks)" : "discretized logistic mixture of 2 per pixel", spec.ToString());
        }
    }

    /// <summary>
    /// One epoch of a colour PixelVAE on 200 images of the shipped emoji set (800 held out), then `latent eval` (a finite, exact
    /// 8-bit bits/dim) and `latent sample` (a grid of 8-bit colour draws).
    /// </summary>
    [Fact]
    public void OneColourEpochThroughTheCommandLine_GivesFiniteBitsPerDimAndSamples()
    {
        var error = new StringWriter();
        int code = CommandRunner.Invoke(LatentCommand.Create(),
            ["train", "--data", "emoji-sample", "--kind", "conv-vae", "--likelihood", "pixelcnn", "--pixelcnn-head", "logistic-mixture", "--mixture-components", "2",
             "--conv-channels", "4,4", "--latent", "4", "--pixelcnn-channels", "6", "--pixelcnn-blocks", "0", "--epochs", "1", "--validation", "800", "--threads", "2", "-o", _dir],
            new StringWriter(), error);
        Assert.True(code == CommandRunner.Ok, error.ToString());
        string model = Path.Combine(_dir, Trainer.LatestCheckpoint), json = Path.Combine(_dir, "eval.json");
        code = CommandRunner.Invoke(LatentCommand.Create(),
            ["eval", "-m", model, "--images", "10", "--samples", "2", "--no-probe", "--ood", "none", "--threads", "2", "-o", json], new StringWriter(), error);
        Assert.True(code == CommandRunner.Ok, error.ToString());
        EvaluationReport report = EvaluationReportWriter.Read(json);
        Assert.Equal(NllConvention.Discrete8Bit, report.Convention);
        Assert.True(report.EightBitBitsPerDim is > 0 and < 8, $"bits/dim {report.EightBitBitsPerDim}");

        string grid = Path.Combine(_dir, "grid.png");
        code = CommandRunner.Invoke(LatentCommand.Create(), ["sample", "-m", model, "--count", "2", "--columns", "2", "-o", grid], new StringWriter(), error);
        Assert.True(code == CommandRunner.Ok, error.ToString());
        Assert.Equal(3, Png.Read(grid).Channels);
    }

    [Fact]
    public void CategoricalHeadThroughTheCommandLine_OnBinarizedImages_IsRefusedInOneLine()
    {
        var error = new StringWriter();
        int code = CommandRunner.Invoke(LatentCommand.Create(),
            ["train", "--data", "sample", "--kind", "conv-vae", "--likelihood", "pixelcnn", "--pixelcnn-head", "categorical", "--binarize", "dynamic", "--epochs", "1", "-o", Path.Combine(_dir, "never")],
            new StringWriter(), error);
        Assert.NotEqual(CommandRunner.Ok, code);
        Assert.Contains("--binarize: the \"categorical\" pixelcnn head models the 256 levels of 8-bit images", error.ToString());
        Assert.Single(error.ToString().Trim().Split('\n'));
    }
}
