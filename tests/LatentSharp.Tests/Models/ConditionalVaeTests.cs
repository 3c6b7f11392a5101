using LatentSharp.Data;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Models;

public class ConditionalVaeTests
{
    private static readonly ModelSpec Tiny = new() { Kind = "cvae", Height = 4, Width = 4, LatentSize = 2, Hidden = [8], Classes = 3 };

    private static Vae Build(ModelSpec? spec = null) => (Vae)ModelCatalog.Build(spec ?? Tiny, new Rng(1));

    [Fact]
    public void TheLabelEntersEncoderAndDecoder()
    {
        Vae cvae = Build();
        var shapes = cvae.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Shape.ToArray());
        Assert.Equal(new[] { 8, 16 + 3 }, shapes["encoder.0.weight"]);   // [x, y]
        Assert.Equal(new[] { 8, 2 + 3 }, shapes["decoder.0.weight"]);    // [z, y]
        Assert.True(cvae.Has<IConditional>());

        Tensor z = Tensor.Zeros(2, 2);
        using var _ = Tensor.NoGrad();
        float[] asZero = cvae.Decode(z, cvae.Condition([0, 0])).Data, asTwo = cvae.Decode(z, cvae.Condition([2, 2])).Data;
        Assert.NotEqual(asZero, asTwo);
    }

    [Fact]
    public void MissingOrMisshapenCondition_IsRejectedWithAHint()
    {
        Vae cvae = Build();
        Tensor x = ModelTestData.Images(4, 16, 2);
        var missing = Assert.Throws<ArgumentException>(() => cvae.Loss(x, new Rng(1), Objective.Elbo));
        Assert.Contains("one-hot labels", missing.Message);
        var wrong = Assert.Throws<ArgumentException>(() => cvae.Terms(x, new Rng(1), condition: Tensor.OneHot([0, 1, 2, 0], 4)));
        Assert.Contains("[4, 3]", wrong.Message);

        var plain = (Vae)ModelCatalog.Build(Tiny with { Kind = "vae", Classes = 0 }, new Rng(1));
        Assert.Throws<ArgumentException>(() => plain.Encode(x, Tensor.OneHot([0, 1, 2, 0], 3)));
        Assert.Throws<InvalidOperationException>(() => plain.SampleConditional([0], new Rng(1)));
    }

    [Fact]
    public void SampleConditional_GivesOneImagePerLabel_AndSampleCyclesThroughTheClasses()
    {
        Vae cvae = Build();
        using var _ = Tensor.NoGrad();
        Tensor perLabel = cvae.SampleConditional([0, 1, 2, 0, 1, 2], new Rng(5));
        Assert.Equal(new[] { 6, 16 }, perLabel.Shape.ToArray());
        Assert.Equal(perLabel.Data, cvae.Sample(6, new Rng(5)).Data);
    }

    [Fact]
    public void ElboAndImportanceWeights_TakeTheCondition()
    {
        Vae cvae = Build();
        Tensor x = ModelTestData.Images(6, 16, 3);
        Tensor? c = cvae.Condition(ModelTestData.Labels(6, 3));
        using var _ = Tensor.NoGrad();
        Assert.Equal(new[] { 6 }, cvae.Terms(x, new Rng(1), samples: 3, condition: c).Elbo.Shape.ToArray());
        Assert.Equal(new[] { 6, 4 }, cvae.LogImportanceWeights(x, 4, new Rng(1), c).Shape.ToArray());
        var metrics = new TermSums();
        ModelTestData.Loss(cvae, x, new Rng(1), Objective.Iwae(3), metrics, c);
        Assert.True(metrics.Mean("iwae") >= metrics.Mean("elbo"));
    }

    [Fact]
    public void Catalog_KnowsTheNumberOfClasses_AndRejectsWhatCannotWork()
    {
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Tiny with { Classes = 0 }, new Rng(1)));
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Tiny with { Kind = "vae" }, new Rng(1)));
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Tiny with { Prior = "vamp" }, new Rng(1)));
        Assert.Equal(3, ModelSpec.FromJson(Tiny.ToJson()).Classes);
    }

    [Fact]
    public void Trainer_WithoutLabels_SaysTheModelNeedsThem()
    {
        var unlabelled = new Dataset("x", 4, 4, 4, new float[64]);
        var trainer = new Trainer(Build(), new TrainingOptions { Epochs = 1 });
        var ex = Assert.Throws<DataMismatchException>(() => trainer.Fit(new DataSplits(unlabelled, unlabelled)));
        Assert.Contains("labels", ex.Message);
    }
}
