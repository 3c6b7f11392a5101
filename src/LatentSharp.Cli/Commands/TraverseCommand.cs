using System.CommandLine;
using System.Globalization;
using LatentSharp.Imaging;
using LatentSharp.Models;
using LatentSharp.Reports;

namespace LatentSharp.Cli.Commands;

/// <summary>
/// <c>latent traverse</c>: encode one test image and sweep single latent dimensions across a range, the others fixed;
/// one row per dimension. The range is in units of the model's latent frame: the prior N(0, 1) for a VAE, a Gaussian
/// fitted to the test codes for an autoencoder. With <c>--layer</c>, a hierarchical VAE's layer is swept instead, in
/// latent units around the image's posterior mean, and the layers below follow their prior means
/// (<see cref="LayerTraversals"/>).
/// </summary>
public static class TraverseCommand
{
    public static Command Create()
    {
        var index = CommonOptions.Index("--index", "Index of the test image to encode.");
        var dims = new Option<string?>("--dims") { Description = "Latent dimensions to sweep, comma-separated (e.g. 0,3,5)." };
        var top = new Option<int?>("--top") { Description = "Sweep the K most active dimensions (largest variance of the code over the test set). Default: all dimensions up to 10, else the 10 most active." };
        var range = new Option<double>("--range") { Description = "Sweep from -range to +range around the prior's centre, in prior standard deviations.", DefaultValueFactory = _ => 3.0 };
        var steps = new Option<int>("--steps") { Description = "Values per dimension.", DefaultValueFactory = _ => 9 };
        var layer = new Option<int?>("--layer") { Description = "hvae / conv-hvae: sweep the dimensions of stochastic layer N (1 is next to x) by ±range around the image's code, the layers below following their prior means." };
        var command = new Command("traverse", "Sweep latent dimensions of one encoded test image, one row per dimension.") { index, dims, top, range, steps, layer };
        var common = ModelSession.AddCommonOptions(command, "<checkpoint>-traversal.png beside the checkpoint");
        command.SetAction(parse =>
        {
            int n = ModelSession.Between(parse.GetValue(steps), 2, 64, "--steps");
            double r = parse.GetValue(range);
            if (!(r > 0) || !double.IsFinite(r)) throw new UsageException($"--range must be a positive number, not {r.ToString(CultureInfo.InvariantCulture)}.");
            string? dimsText = parse.GetValue(dims);
            int? topK = parse.GetValue(top);
            if (dimsText is not null && topK is not null) throw new UsageException("--dims and --top both choose the dimensions; give one of them.");

            int? layerNumber = parse.GetValue(layer);
            ModelSession session = layerNumber is null
                ? ModelSession.Open(parse, common, ModelNeeds.UnconditionalLatentSpace)
                : ModelSession.Open(parse, common, ModelNeeds.UnconditionalLatentSpace | ModelNeeds.Layers, "latent traverse --layer");
            int i = session.CheckIndex(parse.GetValue(index), "--index");
            int l = session.LatentSpace.LatentSize;
            float[] codes = LatentFigures.Codes(session.Model, session.Test);
            int count = session.Test.Count;
            if (layerNumber is int number)
                return TraverseLayer(session, parse.GetValue(common.Output), i, number, codes, dimsText, topK, r, n, parse.InvocationConfiguration.Output);
            int[] chosen = dimsText is not null ? session.ParseDimensions(dimsText, "--dims")
                : topK is int k ? LatentFigures.MostActiveDimensions(codes, count, l, ModelSession.Between(k, 1, l, "--top"))
                : LatentFigures.DefaultTraversalDimensions(codes, count, l);
            LatentFrame frame = LatentFrame.For(session.Model, codes, count);
            string title = $"{LatentFigures.Describe(session.Test, i)}: z = centre + k*scale of {frame.Description}";
            Image image = LatentFigures.Traversal(session.Model, session.Test.Image(i), chosen, frame, r, n, session.Height, session.Width, title);
            return ModelSession.WriteFigure(image, session.OutputPath(parse.GetValue(common.Output), "traversal"), parse.InvocationConfiguration.Output);
        });
        return command;
    }

    private static int TraverseLayer(ModelSession session, string? output, int index, int layerNumber, float[] codes, string? dimsText, int? topK,
        double range, int steps, TextWriter log)
    {
        ILayeredLatents layered = session.Model.Require<ILayeredLatents>(session.Command);
        ModelSession.Between(layerNumber, 1, layered.LayerCount(), "--layer");
        int size = layered.LayerSize(layerNumber), count = session.Test.Count;
        float[] layerCodes = layered.LayerCodes(codes, count, layerNumber);   // [count, L_layer]
        int[] chosen = dimsText is not null ? ModelSession.ParseDimensions(dimsText, "--dims", size, $"layer {layerNumber}")
            : topK is int k ? LatentFigures.MostActiveDimensions(layerCodes, count, size, ModelSession.Between(k, 1, size, "--top"))
            : LatentFigures.DefaultTraversalDimensions(layerCodes, count, size);
        Image image = LayerTraversals.Render(session.Model, session.Test.Image(index), layerNumber, chosen, steps, (float)range);
        return ModelSession.WriteFigure(image, session.OutputPath(output, $"layer{layerNumber}-traversal"), log);
    }
}
