using System.CommandLine;
using LatentSharp.Imaging;
using LatentSharp.Reports;
using LatentSharp.Tensors;

namespace LatentSharp.Cli.Commands;

/// <summary>
/// <c>latent sample</c>: a grid of images the model draws (decoder means of prior draws for a VAE, pixel by pixel for the
/// PixelCNN); <c>--sampled</c> adds, under each row, pixels drawn from the likelihood (models with a prior). An autoencoder
/// has no prior: it decodes draws from a Gaussian fitted to its test codes.
/// A conditional model draws one row per class (through <see cref="Figures.Samples"/>).
/// </summary>
public static class SampleCommand
{
    public static Command Create()
    {
        var count = new Option<int>("--count") { Description = "Number of draws (rounded down to whole rows).", DefaultValueFactory = _ => 64 };
        var columns = new Option<int>("--columns") { Description = "Images per row.", DefaultValueFactory = _ => 8 };
        var sampled = new Option<bool>("--sampled") { Description = "Also show pixels drawn from the likelihood p(x|z), in a row under each row of means." };
        var command = new Command("sample", "Decode draws from the prior into a grid of images.") { count, columns, sampled };
        var common = ModelSession.AddCommonOptions(command, "<checkpoint>-samples.png beside the checkpoint");
        command.SetAction(parse =>
        {
            int n = ModelSession.Between(parse.GetValue(count), 1, 1024, "--count");
            int c = ModelSession.Between(parse.GetValue(columns), 1, 64, "--columns");
            bool drawPixels = parse.GetValue(sampled);
            // Pixel draws need a decoder likelihood and an unconditional prior; a conditional model's samples are drawn class by class without them.
            ModelSession session = drawPixels
                ? ModelSession.Open(parse, common, ModelNeeds.Prior | ModelNeeds.Unconditional, "latent sample --sampled")
                : ModelSession.Open(parse, common);
            var rng = new Rng(parse.GetValue(common.Seed));
            Image image = drawPixels
                ? LatentFigures.SamplesWithPixelDraws(session.Model, n, rng, c)
                : Figures.Samples(session.Model, n, rng, session.Test, c);
            return ModelSession.WriteFigure(image, session.OutputPath(parse.GetValue(common.Output), "samples"), parse.InvocationConfiguration.Output);
        });
        return command;
    }
}
