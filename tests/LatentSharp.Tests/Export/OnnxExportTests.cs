using LatentSharp.Cli;
using LatentSharp.Export;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = LatentSharp.Tensors.Tensor;

namespace LatentSharp.Tests.Export;

/// <summary>The exported encoders and decoders, run in ONNX Runtime, compute what LatentSharp computes.</summary>
public sealed class OnnxExportTests
{
    private const int Batch = 5, Classes = 4;
    private const double Tolerance = 1e-5;   // max |ORT − LatentSharp| / max |LatentSharp|

    /// <summary>Tiny models of the kinds the export writes, on 8×8 images, with random weights.</summary>
    public static TheoryData<string, string, string> Kinds => new()
    {
        { "vae", "bernoulli", "relu" },
        { "vae", "gaussian-learned", "tanh" },
        { "vae", "bernoulli", "gated" },
        { "ae", "bce", "leaky-relu" },
        { "ae", "mse", "softplus" },
        { "cvae", "bernoulli", "elu" },
        { "conv-vae", "bernoulli", "relu" },
        { "conv-vae", "gaussian", "elu" },
    };

    private static LatentModel Build(string kind, string likelihood, string activation, int channels = 1)
    {
        var spec = new ModelSpec
        {
            Kind = kind,
            Channels = channels,
            Height = 8,
            Width = 8,
            Hidden = [16, 8],
            ConvChannels = [4, 6],
            LatentSize = 3,
            Likelihood = likelihood,
            Activation = activation,
            Classes = kind == "cvae" ? Classes : 0,
        };
        LatentModel model = ModelCatalog.Build(spec, new Rng(7));
        model.Eval();
        return model;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Encoder_InOnnxRuntime_MatchesTheModel(string kind, string likelihood, string activation)
    {
        LatentModel model = Build(kind, likelihood, activation);
        var (x, labels) = Inputs(model.Spec.Dimensions, 11);
        Tensor? condition = model.Condition(labels);
        using var session = new InferenceSession(OnnxExport.Encoder(model));
        var outputs = Run(session, OnnxExport.XInput, x, model, labels);

        var networks = model.Require<IEncoderDecoder>("test");
        using (Tensor.NoGrad())
        {
            if (networks.LogVarianceRange is null)
            {
                AssertClose(networks.Encode(x, condition), outputs[OnnxExport.CodeOutput]);
                return;
            }
            var posterior = ((Vae)model).Posterior(x, condition);
            AssertClose(posterior.Mean, outputs[OnnxExport.MeanOutput]);
            AssertClose(posterior.LogVariance, outputs[OnnxExport.LogVarianceOutput]);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Decoder_InOnnxRuntime_GivesTheModelsMeanImage(string kind, string likelihood, string activation)
    {
        LatentModel model = Build(kind, likelihood, activation);
        var (z, labels) = Inputs(3, 12, scale: 2f);
        using var session = new InferenceSession(OnnxExport.Decoder(model));
        var outputs = Run(session, OnnxExport.CodeInput, z, model, labels);
        using (Tensor.NoGrad())
            AssertClose(model.Require<ILatentSpace>("test").Decode(z, model.Condition(labels)), outputs[OnnxExport.ImageOutput]);
    }

    [Fact]
    public void ColourConvVae_InOnnxRuntime_MatchesTheModel()
    {
        LatentModel model = Build("conv-vae", "bernoulli", "relu", channels: 3);
        var (x, _) = Inputs(model.Spec.Dimensions, 13);
        using var encoder = new InferenceSession(OnnxExport.Encoder(model));
        using var decoder = new InferenceSession(OnnxExport.Decoder(model));
        var space = model.Require<ILatentSpace>("test");
        using (Tensor.NoGrad())
        {
            Tensor mean = space.Encode(x);
            AssertClose(mean, Run(encoder, OnnxExport.XInput, x, model, [])[OnnxExport.MeanOutput]);
            AssertClose(space.Decode(mean), Run(decoder, OnnxExport.CodeInput, mean, model, [])[OnnxExport.ImageOutput]);
        }
    }

    [Fact]
    public void Graph_DeclaresABatchDimensionAndAnInt64Label_AndNamesTheWeightsAsTheCheckpoint()
    {
        LatentModel model = Build("cvae", "bernoulli", "relu");
        using var session = new InferenceSession(OnnxExport.Decoder(model));
        Assert.Equal(new[] { OnnxExport.CodeInput, OnnxExport.LabelInput }.Order(), session.InputMetadata.Keys.Order());
        Assert.Equal([-1, 3], session.InputMetadata[OnnxExport.CodeInput].Dimensions);
        Assert.Equal(TensorElementType.Int64, session.InputMetadata[OnnxExport.LabelInput].ElementDataType);
        Assert.Equal([-1, 64], session.OutputMetadata[OnnxExport.ImageOutput].Dimensions);
        string bytes = System.Text.Encoding.Latin1.GetString(OnnxExport.Decoder(model));
        foreach (var (name, _) in model.NamedParameters().Where(p => p.Name.StartsWith("decoder.", StringComparison.Ordinal)))
            Assert.Contains(name, bytes);
    }

    [Theory]
    [InlineData("pixelcnn", "bernoulli", "latent export needs a model with a latent space; the pixelcnn has none.")]
    [InlineData("conv-vae", "pixelcnn", "latent export needs a decoder that gives every pixel's mean at once; the conv-vae's pixelcnn likelihood is autoregressive")]
    [InlineData("hvae", "bernoulli", "latent export needs one encoder and one decoder network")]
    public void Export_OfAModelWithoutOneEncoderAndDecoder_IsRefused(string kind, string likelihood, string message)
    {
        var spec = Models.CapabilityTests.TinySpec(kind) with { Likelihood = likelihood };
        LatentModel model = ModelCatalog.Build(spec, new Rng(1));
        string folder = Directory.CreateTempSubdirectory("ls-onnx-refused-").FullName;
        try
        {
            var refusal = Assert.Throws<UnsupportedByModelException>(() =>
                OnnxExport.Write(model, Path.Combine(folder, "e.onnx"), Path.Combine(folder, "d.onnx"), "latent export"));
            Assert.StartsWith(message, refusal.Message);
            Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ExportCommand_WritesBothModelsBesideTheCheckpoint_OrIntoTheOutputFolder()
    {
        string folder = Directory.CreateTempSubdirectory("ls-onnx-cli-").FullName;
        try
        {
            LatentModel model = Build("vae", "bernoulli", "relu");
            string checkpoint = Path.Combine(folder, "model.safetensors");
            Checkpoint.Save(checkpoint, model);

            var (code, output, error) = Cli("export", "-m", checkpoint, "--format", "onnx");
            Assert.True(code == CommandRunner.Ok, error);
            string encoder = Path.Combine(folder, "model-encoder.onnx"), decoder = Path.Combine(folder, "model-decoder.onnx");
            Assert.Contains(encoder, output);
            var (z, _) = Inputs(3, 14);
            using (var session = new InferenceSession(decoder))
            using (Tensor.NoGrad())
                AssertClose(model.Require<ILatentSpace>("test").Decode(z), Run(session, OnnxExport.CodeInput, z, model, [])[OnnxExport.ImageOutput]);
            using (var session = new InferenceSession(encoder))
                Assert.Equal([OnnxExport.LogVarianceOutput, OnnxExport.MeanOutput], session.OutputMetadata.Keys.Order());

            string elsewhere = Path.Combine(folder, "onnx");
            Assert.Equal(CommandRunner.Ok, Cli("export", "-m", checkpoint, "-o", elsewhere).Code);
            Assert.Equal(["model-decoder.onnx", "model-encoder.onnx"], Directory.GetFiles(elsewhere).Select(Path.GetFileName).Order());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ExportCommand_OfAPixelCnn_IsAUsageErrorNamingTheCommand()
    {
        string folder = Directory.CreateTempSubdirectory("ls-onnx-cli-").FullName;
        try
        {
            string checkpoint = Path.Combine(folder, "model.safetensors");
            Checkpoint.Save(checkpoint, ModelCatalog.Build(Models.CapabilityTests.TinySpec("pixelcnn"), new Rng(1)));
            var (code, _, error) = Cli("export", "-m", checkpoint);
            Assert.Equal(CommandRunner.UsageError, code);
            Assert.Contains("latent export needs a model with a latent space", error);
            Assert.Equal(["model.safetensors"], Directory.GetFiles(folder).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (int Code, string Output, string Error) Cli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CommandRunner.Invoke(LatentCommand.Create(), args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Rows [Batch, width] of values in [0, 1) (times <paramref name="scale"/>, centred when scaled) and a label per row.</summary>
    private static (Tensor Rows, int[] Labels) Inputs(int width, ulong seed, float scale = 1f)
    {
        var rng = new Rng(seed);
        float[] data = new float[Batch * width];
        for (int i = 0; i < data.Length; i++) data[i] = scale == 1f ? rng.NextFloat() : scale * (rng.NextFloat() - 0.5f);
        return (Tensor.FromArray(data, Batch, width), Enumerable.Range(0, Batch).Select(i => i % Classes).ToArray());
    }

    /// <summary>Runs <paramref name="session"/> on <paramref name="rows"/> (and the labels, for a conditional model); outputs by name.</summary>
    private static Dictionary<string, float[]> Run(InferenceSession session, string inputName, Tensor rows, LatentModel model, int[] labels)
    {
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor(inputName, new DenseTensor<float>(rows.Data[..rows.Length], [rows.Dim(0), rows.Dim(1)])),
        };
        if (model.Has<IConditional>())
            inputs.Add(NamedOnnxValue.CreateFromTensor(OnnxExport.LabelInput, new DenseTensor<long>(labels.Select(l => (long)l).ToArray(), [labels.Length])));
        using var results = session.Run(inputs);
        return results.ToDictionary(r => r.Name, r => r.AsEnumerable<float>().ToArray());
    }

    private static void AssertClose(Tensor expected, float[] actual)
    {
        float[] e = expected.Data[..expected.Length];
        Assert.Equal(e.Length, actual.Length);
        double scale = e.Max(v => Math.Abs((double)v));
        double worst = e.Zip(actual, (a, b) => Math.Abs((double)a - b)).Max();
        Assert.True(scale > 0, "The expected values are all zero: the comparison would be vacuous.");
        Assert.True(worst <= Tolerance * scale, $"max |ORT − LatentSharp| = {worst:G3}, relative {worst / scale:G3} > {Tolerance}.");
    }
}
