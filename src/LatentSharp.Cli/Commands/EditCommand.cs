using System.CommandLine;
using System.Globalization;
using LatentSharp.Imaging;
using LatentSharp.Reports;

namespace LatentSharp.Cli.Commands;

/// <summary><c>latent edit</c>: encode one test image, set chosen latent dimensions to chosen values, decode: input, reconstruction, edit.</summary>
public static class EditCommand
{
    public static Command Create()
    {
        var index = CommonOptions.Index("--index", "Index of the test image to encode.");
        var set = new Option<string>("--set") { Description = "Dimensions and their new values, e.g. 0=1.5,3=-2 (latent units).", Required = true };
        var command = new Command("edit", "Set latent dimensions of one encoded test image and decode it.") { index, set };
        var common = ModelSession.AddCommonOptions(command, "<checkpoint>-edit.png beside the checkpoint");
        command.SetAction(parse =>
        {
            ModelSession session = ModelSession.Open(parse, common, ModelNeeds.UnconditionalLatentSpace);
            int i = session.CheckIndex(parse.GetValue(index), "--index");
            IReadOnlyDictionary<int, float> values = ParseSet(parse.GetValue(set)!, session);
            string title = $"{LatentFigures.Describe(session.Test, i)}: "
                + string.Join(", ", values.OrderBy(kv => kv.Key).Select(kv => $"z{kv.Key.ToString(CultureInfo.InvariantCulture)}={kv.Value.ToString(CultureInfo.InvariantCulture)}"));
            Image image = LatentFigures.Edit(session.Model, session.Test.Image(i), values, session.Height, session.Width, title);
            return ModelSession.WriteFigure(image, session.OutputPath(parse.GetValue(common.Output), "edit"), parse.InvocationConfiguration.Output);
        });
        return command;
    }

    internal static IReadOnlyDictionary<int, float> ParseSet(string text, ModelSession session)
    {
        var values = new Dictionary<int, float>();
        foreach (string item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] parts = item.Split('=', StringSplitOptions.TrimEntries);
            if (parts.Length != 2
                || !int.TryParse(parts[0].TrimStart('z'), NumberStyles.Integer, CultureInfo.InvariantCulture, out int j)
                || !float.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
                throw new UsageException($"--set takes dimension=value pairs separated by commas (e.g. 0=1.5,3=-2); \"{item}\" is not one.");
            session.CheckDimension(j, "--set");
            if (!values.TryAdd(j, v)) throw new UsageException($"--set gives dimension {j} twice.");
        }
        if (values.Count == 0) throw new UsageException("--set needs at least one dimension=value pair (e.g. 0=1.5,3=-2).");
        return values;
    }
}
