using System.CommandLine;
using LatentSharp.Imaging;
using LatentSharp.Reports;

namespace LatentSharp.Cli.Commands;

/// <summary><c>latent interpolate</c>: decoded points on linear and/or spherical paths between the codes of two test images.</summary>
public static class InterpolateCommand
{
    public static Command Create()
    {
        var from = CommonOptions.Index("--from", "Index of the test image the path starts at.");
        var to = new Option<int?>("--to") { Description = "Index of the test image the path ends at. Default: the next test image of another class." };
        var steps = new Option<int>("--steps") { Description = "Decoded points on the path, both ends included.", DefaultValueFactory = _ => 10 };
        var path = new Option<string>("--path") { Description = "linear, slerp (spherical) or both (one row each).", DefaultValueFactory = _ => "both" };
        path.AcceptOnlyFromAmong("linear", "slerp", "both");
        var command = new Command("interpolate", "Decode a path in latent space between two test images.") { from, to, steps, path };
        var common = ModelSession.AddCommonOptions(command, "<checkpoint>-interpolation.png beside the checkpoint");
        command.SetAction(parse =>
        {
            int n = ModelSession.Between(parse.GetValue(steps), 2, 64, "--steps");
            ModelSession session = ModelSession.Open(parse, common, ModelNeeds.UnconditionalLatentSpace);
            int i = session.CheckIndex(parse.GetValue(from), "--from");
            int j = parse.GetValue(to) is int t ? session.CheckIndex(t, "--to") : LatentFigures.OtherClassIndex(session.Test, i);
            InterpolationPath[] paths = parse.GetValue(path) switch
            {
                "linear" => [InterpolationPath.Linear],
                "slerp" => [InterpolationPath.Spherical],
                _ => [InterpolationPath.Linear, InterpolationPath.Spherical],
            };
            string title = $"{LatentFigures.Describe(session.Test, i)} -> {LatentFigures.Describe(session.Test, j)}";
            Image image = LatentFigures.Interpolation(session.Model, session.Test.Image(i), session.Test.Image(j), n, paths, session.Height, session.Width, title);
            return ModelSession.WriteFigure(image, session.OutputPath(parse.GetValue(common.Output), "interpolation"), parse.InvocationConfiguration.Output);
        });
        return command;
    }
}
