using System.CommandLine;
using LatentSharp.Reports;

namespace LatentSharp.Cli.Commands;

/// <summary>
/// <c>latent manifold</c>: the decoded grid over a plane of the latent space at inverse-CDF quantiles of the prior.
/// A 2-D latent is shown whole; for more dimensions the plane of the two most active ones (or <c>--dims</c>), the
/// others at the prior's centre. Written as SVG with the latent values on both axes; an output file named .png gets the
/// raster instead.
/// </summary>
public static class ManifoldCommand
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "Grid points per axis.", DefaultValueFactory = _ => 20 };
        var dims = new Option<string?>("--dims") { Description = "The two latent dimensions of the plane, e.g. 0,1. Default: z0,z1 for a 2-D latent, else the two most active." };
        var command = new Command("manifold", "Decode a grid over a 2-D plane of the latent space.") { steps, dims };
        var common = ModelSession.AddCommonOptions(command, "<checkpoint>-manifold.svg beside the checkpoint (SVG; a file ending in .png gets a PNG raster)");
        command.SetAction(parse =>
        {
            int n = ModelSession.Between(parse.GetValue(steps), 2, 50, "--steps");
            ModelSession session = ModelSession.Open(parse, common, ModelNeeds.UnconditionalLatentSpace);
            int l = session.LatentSpace.LatentSize;
            if (l < 2) throw new UnsupportedByModelException($"latent manifold needs a latent size of at least 2; the model in {session.CheckpointPath} has {l}.");
            float[] codes = LatentFigures.Codes(session.Model, session.Test);
            int x, y;
            if (parse.GetValue(dims) is string text)
            {
                int[] chosen = session.ParseDimensions(text, "--dims");
                if (chosen.Length != 2) throw new UsageException($"--dims takes exactly two dimensions for the manifold's plane, not \"{text}\".");
                (x, y) = (chosen[0], chosen[1]);
            }
            else (x, y) = LatentFigures.DefaultManifoldDimensions(codes, session.Test.Count, l);
            LatentFrame frame = LatentFrame.For(session.Model, codes, session.Test.Count);
            string path = session.OutputPath(parse.GetValue(common.Output), "manifold", ".svg");
            return ModelSession.WantsPng(path)
                ? ModelSession.WriteFigure(LatentFigures.Manifold(session.Model, frame, n, x, y, session.Height, session.Width,
                    $"z{x} ->, z{y} up: quantiles (i+1/2)/{n} of {frame.Description}"), path, parse.InvocationConfiguration.Output)
                : ModelSession.WriteFigure(LatentFigures.ManifoldSvg(session.Model, frame, n, x, y, session.Height, session.Width,
                    $"z{x} → and z{y} ↑ at the quantiles (i + ½)/{n} of {frame.Description}"), path, parse.InvocationConfiguration.Output);
        });
        return command;
    }
}
