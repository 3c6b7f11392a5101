using System.CommandLine;
using LatentSharp.Data;
using LatentSharp.Imaging;
using LatentSharp.Reports;

namespace LatentSharp.Cli.Commands;

/// <summary><c>latent reconstruct</c>: test images over their reconstructions, row by row.</summary>
public static class ReconstructCommand
{
    public static Command Create()
    {
        var count = new Option<int>("--count") { Description = "Number of test images (rounded down to whole rows).", DefaultValueFactory = _ => 32 };
        var columns = new Option<int>("--columns") { Description = "Images per row.", DefaultValueFactory = _ => 8 };
        var start = CommonOptions.Index("--start", "Index of the first test image shown.");
        var command = new Command("reconstruct", "Show test images over their reconstructions.") { count, columns, start };
        var common = ModelSession.AddCommonOptions(command, "<checkpoint>-reconstructions.png beside the checkpoint");
        command.SetAction(parse =>
        {
            int n = ModelSession.Between(parse.GetValue(count), 1, 1024, "--count");
            int c = ModelSession.Between(parse.GetValue(columns), 1, 64, "--columns");
            ModelSession session = ModelSession.Open(parse, common, ModelNeeds.LatentSpace);
            int first = session.CheckIndex(parse.GetValue(start), "--start");
            Dataset shown = first == 0 ? session.Test : session.Test.Subset(Enumerable.Range(first, Math.Min(n, session.Test.Count - first)).ToArray());
            Image image = Figures.Reconstructions(session.Model, shown, n, c);
            return ModelSession.WriteFigure(image, session.OutputPath(parse.GetValue(common.Output), "reconstructions"), parse.InvocationConfiguration.Output);
        });
        return command;
    }
}
