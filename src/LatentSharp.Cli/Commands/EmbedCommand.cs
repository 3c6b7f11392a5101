using System.CommandLine;
using LatentSharp.Reports;

namespace LatentSharp.Cli.Commands;

/// <summary>
/// <c>latent embed</c>: a scatter of the test set's codes coloured by class (2-D latents as they are, more dimensions by
/// PCA), as SVG with real text; an output file named .png gets the raster instead.
/// </summary>
public static class EmbedCommand
{
    public static Command Create()
    {
        var count = new Option<int?>("--count") { Description = "Plot the first N test images. Default: all of them." };
        var command = new Command("embed", "Scatter the test set's latent means, coloured by class.") { count };
        var common = ModelSession.AddCommonOptions(command, "<checkpoint>-embedding.svg beside the checkpoint (SVG; a file ending in .png gets a PNG raster)");
        command.SetAction(parse =>
        {
            int? n = parse.GetValue(count) is int c ? ModelSession.AtLeast(c, 2, "--count") : null;
            ModelSession session = ModelSession.Open(parse, common, ModelNeeds.UnconditionalLatentSpace);
            string path = session.OutputPath(parse.GetValue(common.Output), "embedding", ".svg");
            return ModelSession.WantsPng(path)
                ? ModelSession.WriteFigure(LatentFigures.Embedding(session.Model, session.Test, n), path, parse.InvocationConfiguration.Output)
                : ModelSession.WriteFigure(LatentFigures.EmbeddingSvg(session.Model, session.Test, n), path, parse.InvocationConfiguration.Output);
        });
        return command;
    }
}
