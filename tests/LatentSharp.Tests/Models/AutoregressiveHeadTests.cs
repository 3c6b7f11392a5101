using LatentSharp.Cli;
using LatentSharp.Distributions;
using LatentSharp.Evaluation;
using LatentSharp.Models;
using LatentSharp.Nn;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Models;

/// <summary>The 8-bit heads of the autoregressive kinds: the 256-way softmax with R → G → B channel-group masks and PixelCNN++'s logistic mixture.</summary>
public sealed class AutoregressiveHeadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-arheads-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ModelSpec Spec(string kind, string likelihood, int channels, int height, int width) => new()
    {
        Kind = kind, Likelihood = likelihood, Channels = channels, Height = height, Width = width,
        // The PixelRNNs' colour groups get 4 channels each, as the PixelCNNs' do: with 2, a group's few ReLUs can all be off.
        PixelCnnChannels = kind is "pixelcnn" or "gated-pixelcnn" or "cgated-pixelcnn" || (likelihood == "categorical" && channels == 3) ? 12 : 6,
        PixelCnnBlocks = 2, MixtureComponents = 2,
        Classes = kind == "cgated-pixelcnn" ? 3 : 0,
    };

    /// <summary>One-hot labels 0, 1, 2, … of <paramref name="n"/> rows for a conditional model, null for the others.</summary>
    private static Tensor? Condition(AutoregressiveImageModel model, int n) =>
        model.As<IConditional>()?.Condition([.. Enumerable.Range(0, n).Select(i => i % model.Spec.Classes)]);

    private static AutoregressiveImageModel Build(ModelSpec spec, ulong seed = 1)
    {
        var model = (AutoregressiveImageModel)ModelCatalog.Build(spec, new Rng(seed));
        // Biases drawn away from their small initial range, so that no output is exactly zero by accident, and weights that
        // start at zero (the gated PixelCNN's categorical output layer) drawn too, so that the outputs depend on the inputs.
        var rng = new Rng(seed + 100);
        foreach (var (name, p) in model.NamedParameters())
            if (name.EndsWith("bias", StringComparison.Ordinal)) rng.FillUniform(p.Data.AsSpan(0, p.Length), -0.5f, 0.5f);
            else if (p.Data.AsSpan(0, p.Length).IndexOfAnyExcept(0f) < 0) rng.FillUniform(p.Data.AsSpan(0, p.Length), -0.3f, 0.3f);
        return model;
    }

    private static Tensor EightBitImages(int n, int d, ulong seed)
    {
        var x = Tensor.Zeros(n, d);
        var rng = new Rng(seed);
        for (int i = 0; i < x.Length; i++) x.Data[i] = MathF.Floor(rng.NextFloat() * 256f) / 255f;
        return x;
    }

    public static TheoryData<string, string, int> EveryModelAndHead()
    {
        var data = new TheoryData<string, string, int>();
        foreach (string kind in new[] { "pixelcnn", "gated-pixelcnn", "row-lstm", "diagonal-bilstm" })
        foreach (string likelihood in new[] { "categorical", "logistic-mixture" })
        foreach (int channels in new[] { 1, 3 })
            data.Add(kind, likelihood, channels);
        data.Add("cgated-pixelcnn", "categorical", 3);
        return data;
    }

    /// <summary>
    /// Every input sub-pixel (c, i) of two images changed in turn: output o of pixel j may move only when i &lt; j, or, for the
    /// categorical head (output group o mod C), when i = j and c &lt; o mod C; checked for two draws of the weights. Some output
    /// must move with the pixel before it, and each colour group with the earlier sub-pixels of its own pixel, in one of the
    /// draws at least: with the biases drawn in ±0.5, a group's few ReLUs in the head can all be off for one draw (the gated
    /// PixelCNN's group B is then blind to its own pixel's G, which only group B's features carry), a property of those
    /// weights and not of the masks.
    /// </summary>
    [Theory]
    [MemberData(nameof(EveryModelAndHead))]
    public void Outputs_MoveOnlyWithEarlierPixelsAndEarlierSubPixels(string kind, string likelihood, int channels)
    {
        const int height = 4, width = 4, plane = height * width;
        var field = new SubPixelReceptiveField(channels);
        foreach (ulong seed in new ulong[] { 1, 2 })
        {
            AutoregressiveImageModel model = Build(Spec(kind, likelihood, channels, height, width), seed);
            Tensor? condition = Condition(model, 2);
            using var _ = Tensor.NoGrad();
            field.Probe(x => model.Logits(x, condition).Data, EightBitImages(2, channels * plane, 3), plane, model.Head.OutputsPerPixel,
                model.Head.ChannelGroups, $"{kind} {likelihood} C={channels} seed {seed}");
        }
        field.AssertLive();
    }

    /// <summary>
    /// Σ over all 65,536 images of 2 sub-pixels of p(x) = 1: two grey pixels (1×1×2) or one pixel of two channels (2×1×1),
    /// so that a sub-pixel whose distribution depended on itself (a mask or coupling letting it through) would break the
    /// chain rule.
    /// </summary>
    [Theory]
    [InlineData("pixelcnn", "categorical", 2)]
    [InlineData("pixelcnn", "categorical", 1)]
    [InlineData("pixelcnn", "logistic-mixture", 2)]
    [InlineData("pixelcnn", "logistic-mixture", 1)]
    [InlineData("gated-pixelcnn", "logistic-mixture", 2)]
    [InlineData("gated-pixelcnn", "categorical", 2)]
    [InlineData("cgated-pixelcnn", "categorical", 2)]
    [InlineData("row-lstm", "logistic-mixture", 2)]
    [InlineData("row-lstm", "categorical", 1)]
    [InlineData("row-lstm", "categorical", 2)]
    [InlineData("diagonal-bilstm", "categorical", 2)]
    public void Probabilities_OfAllTwoSubPixelImages_SumToOne(string kind, string likelihood, int channels)
    {
        AutoregressiveImageModel model = Build(Spec(kind, likelihood, channels, 1, 3 - channels));
        const int count = 256 * 256, chunk = 8192;
        double total = 0;
        Tensor? condition = model.As<IConditional>()?.Condition(new int[chunk]);   // class 0
        using var _ = Tensor.NoGrad();
        for (int first = 0; first < count; first += chunk)
        {
            var x = new float[chunk * 2];
            for (int n = 0; n < chunk; n++)
            {
                x[2 * n] = (first + n) / 256 / 255f;
                x[2 * n + 1] = (first + n) % 256 / 255f;
            }
            total += model.LogLikelihood(Tensor.FromArray(x, chunk, 2), condition).Data.Sum(v => Math.Exp(v));
        }
        Assert.Equal(1.0, total, 3);
    }

    [Fact]
    public void LogisticMixture_TheBinsOfOneSubPixel_SumToOne_AndTheCouplingMovesOnlyLaterMeans()
    {
        var head = new LogisticMixturePixelHead(1, 3);
        var outputs = GradCheck.Param(4, -1f, 1f, 256, head.OutputsPerPixel);
        for (int n = 0; n < 256; n++) Array.Copy(outputs.Data, 0, outputs.Data, n * head.OutputsPerPixel, head.OutputsPerPixel);
        var x = Tensor.FromArray([.. Enumerable.Range(0, 256).Select(v => v / 255f)], 256, 1);
        using var _ = Tensor.NoGrad();
        Assert.Equal(1.0, head.LogProb(x, outputs).Data.Sum(v => Math.Exp(v)), 4);

        var colour = new LogisticMixturePixelHead(3, 2);
        Assert.Equal(2 * (1 + 6 + 3), colour.OutputsPerPixel);
        Assert.Equal(colour.OutputsPerPixel - 1, colour.CoefficientOutput(2, 1, 1));
    }

    [Fact]
    public void LogisticMixtureLogProb_MatchesFiniteDifferences()
    {
        var head = new LogisticMixturePixelHead(3, 2);
        Tensor x = EightBitImages(2, 3 * 4, 5);
        GradCheck.Check(t => head.LogProb(x, t[0]), [GradCheck.Param(6, -0.5f, 0.5f, 2, head.OutputsPerPixel * 4)], eps: 1e-2, absTol: 2e-3, relTol: 1e-2);
    }

    [Theory]
    [InlineData("pixelcnn", "categorical", 3)]
    [InlineData("gated-pixelcnn", "logistic-mixture", 3)]
    [InlineData("pixelcnn", "logistic-mixture", 3)]
    [InlineData("row-lstm", "logistic-mixture", 3)]
    [InlineData("pixelcnn", "logistic-mixture", 1)]
    [InlineData("pixelcnn", "categorical", 1)]
    [InlineData("diagonal-bilstm", "logistic-mixture", 3)]
    [InlineData("diagonal-bilstm", "categorical", 1)]
    [InlineData("gated-pixelcnn", "logistic-mixture", 1)]
    [InlineData("gated-pixelcnn", "categorical", 1)]
    [InlineData("gated-pixelcnn", "categorical", 3)]
    [InlineData("cgated-pixelcnn", "categorical", 3)]
    [InlineData("row-lstm", "categorical", 3)]
    [InlineData("diagonal-bilstm", "categorical", 3)]
    public void ParameterGradients_MatchFiniteDifferences_OnEightBitImages(string kind, string likelihood, int channels)
    {
        ModelSpec spec = Spec(kind, likelihood, channels, 2, 2) with { PixelCnnChannels = kind == "pixelcnn" ? 6 : 3, PixelCnnBlocks = 1 };
        for (ulong seed = 1; seed <= 3; seed++)
        {
            AutoregressiveImageModel model = Build(spec, seed);
            Tensor x = EightBitImages(2, 4 * channels, 7 + seed);
            Tensor? condition = Condition(model, 2);
            GradCheck.CheckParametersAwayFromKinks(model, () => model.LogLikelihood(x, condition), minimumChecked: 15, label: $"{kind} {likelihood} seed {seed}", perParameter: 48);
        }
    }

    [Fact]
    public void ChannelGroupMask_OfAOneByOneTypeA_SeesEarlierGroupsOnly()
    {
        var conv = new MaskedConv2d(3, 6, 1, MaskType.A, new Rng(1), channelGroups: 3);
        for (int o = 0; o < 6; o++)
        for (int c = 0; c < 3; c++)
            Assert.Equal(c < o % 3 ? 1f : 0f, conv.Mask.Data[o * 3 + c]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaskedConv2d(3, 6, 1, MaskType.A, new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StackConv2d(3, 6, 3, PixelStack.Vertical, MaskType.A, new Rng(1), channelGroups: 3));
    }

    [Theory]
    [InlineData("pixelcnn", "categorical")]
    [InlineData("gated-pixelcnn", "logistic-mixture")]
    [InlineData("gated-pixelcnn", "categorical")]
    [InlineData("row-lstm", "categorical")]
    [InlineData("diagonal-bilstm", "categorical")]
    public void Checkpoint_RoundTrip_KeepsTheLikelihoodAndTheSamples(string kind, string likelihood)
    {
        AutoregressiveImageModel model = Build(Spec(kind, likelihood, 3, 3, 3));
        string path = Path.Combine(_dir, "model.safetensors");
        Checkpoint.Save(path, model);
        var loaded = (AutoregressiveImageModel)Checkpoint.Load(path).Model;
        Assert.Equal(model.Spec.ToJson(), loaded.Spec.ToJson());
        Tensor x = EightBitImages(3, 27, 8);
        using (Tensor.NoGrad())
            Assert.Equal(model.LogLikelihood(x, null).Data, loaded.LogLikelihood(x, null).Data);
        Tensor samples = model.Sample(4, new Rng(7));
        Assert.Equal(samples.Data, loaded.Sample(4, new Rng(7)).Data);
        Assert.Equal(new[] { 4, 27 }, samples.Shape.ToArray());
        Assert.All(samples.Data, v => Assert.Equal(MathF.Round(v * 255f) / 255f, v));
        Assert.True(samples.Data.Distinct().Count() > 4, "the samples should not be constant");
    }

    /// <summary>
    /// Sampling sub-pixel by sub-pixel draws from the model's joint distribution: on one pixel of two channels, the
    /// frequency of the drawn (R, G) pairs in 16 value bins matches p(R, G) summed over each bin. With 20,000 draws the
    /// sampling noise alone gives a total variation of about 0.045 on a flat p(R, G) (0.1 with 4,000 draws, the bound).
    /// </summary>
    [Theory]
    [InlineData("pixelcnn", "categorical")]
    [InlineData("pixelcnn", "logistic-mixture")]
    [InlineData("gated-pixelcnn", "categorical")]
    [InlineData("cgated-pixelcnn", "categorical")]
    [InlineData("row-lstm", "categorical")]
    [InlineData("diagonal-bilstm", "categorical")]
    public void Samples_FollowTheModelsJointDistribution(string kind, string likelihood)
    {
        AutoregressiveImageModel model = Build(Spec(kind, likelihood, 2, 1, 1));
        IConditional? conditional = model.As<IConditional>();   // class 1 throughout
        var expected = new double[16 * 16];
        using (Tensor.NoGrad())
        {
            var x = new float[65536 * 2];
            for (int n = 0; n < 65536; n++) { x[2 * n] = n / 256 / 255f; x[2 * n + 1] = n % 256 / 255f; }
            float[] logP = model.LogLikelihood(Tensor.FromArray(x, 65536, 2), conditional?.Condition([.. Enumerable.Repeat(1, 65536)])).Data;
            for (int n = 0; n < 65536; n++) expected[n / 256 / 16 * 16 + n % 256 / 16] += Math.Exp(logP[n]);
        }
        const int draws = 20000;
        float[] samples = (conditional is null ? model.Sample(draws, new Rng(11)) : conditional.SampleConditional([.. Enumerable.Repeat(1, draws)], new Rng(11))).Data;
        var observed = new double[16 * 16];
        for (int n = 0; n < draws; n++) observed[(int)MathF.Round(samples[2 * n] * 255f) / 16 * 16 + (int)MathF.Round(samples[2 * n + 1] * 255f) / 16] += 1.0 / draws;
        double totalVariation = 0.5 * expected.Zip(observed, (e, o) => Math.Abs(e - o)).Sum();
        Assert.True(totalVariation < 0.1, $"total variation {totalVariation:F3} between the samples and the model");
    }

    [Fact]
    public void Catalog_RefusesWhatTheHeadsCannotModel()
    {
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Spec("pixelcnn", "bernoulli", 3, 4, 4), new Rng(1)));
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Spec("row-lstm", "categorical", 3, 4, 4) with { PixelCnnChannels = 8 }, new Rng(1)));
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Spec("diagonal-bilstm", "categorical", 3, 4, 4) with { PixelCnnChannels = 4 }, new Rng(1)));
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Spec("gated-pixelcnn", "categorical", 3, 4, 4) with { PixelCnnChannels = 10 }, new Rng(1)));
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Spec("pixelcnn", "gaussian", 1, 4, 4), new Rng(1)));
        foreach (var (kind, likelihood, channels) in new[] { ("pixelcnn", "categorical", 3), ("gated-pixelcnn", "logistic-mixture", 3), ("row-lstm", "logistic-mixture", 3), ("diagonal-bilstm", "categorical", 1),
                     ("gated-pixelcnn", "categorical", 3), ("row-lstm", "categorical", 3), ("diagonal-bilstm", "categorical", 3) })
        {
            ModelSpec spec = Spec(kind, likelihood, channels, 4, 4);
            LatentModel model = ModelCatalog.Build(spec, new Rng(1));
            Assert.Equal(ModelCatalog.Get(kind).EstimatedParameters(spec), model.ParameterCount, 0.05 * model.ParameterCount);
        }
    }

    /// <summary>One epoch on 200 images of the shipped colour set (800 held out for validation), then `latent eval`: a finite, exact 8-bit bits/dim.</summary>
    [Fact]
    public void OneEpochOnColourImagesThroughTheCommandLine_GivesFiniteBitsPerDim()
    {
        var error = new StringWriter();
        int code = CommandRunner.Invoke(LatentCommand.Create(),
            ["train", "--data", "emoji-sample", "--kind", "pixelcnn", "--likelihood", "logistic-mixture", "--mixture-components", "2", "--pixelcnn-channels", "6",
             "--pixelcnn-blocks", "0", "--epochs", "1", "--validation", "800", "--threads", "2", "-o", _dir], new StringWriter(), error);
        Assert.True(code == CommandRunner.Ok, error.ToString());
        string json = Path.Combine(_dir, "eval.json");
        code = CommandRunner.Invoke(LatentCommand.Create(),
            ["eval", "-m", Path.Combine(_dir, Trainer.LatestCheckpoint), "--images", "20", "--no-probe", "--ood", "none", "--threads", "2", "-o", json], new StringWriter(), error);
        Assert.True(code == CommandRunner.Ok, error.ToString());
        EvaluationReport report = EvaluationReportWriter.Read(json);
        Assert.Equal(NllConvention.Discrete8Bit, report.Convention);
        Assert.True(report.EightBitBitsPerDim is > 0 and < 8, $"bits/dim {report.EightBitBitsPerDim}");
    }
}
