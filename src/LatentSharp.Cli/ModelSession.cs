using System.CommandLine;
using System.Globalization;
using LatentSharp.Data;
using LatentSharp.Imaging;
using LatentSharp.Kernels;
using LatentSharp.Models;
using LatentSharp.Training;

namespace LatentSharp.Cli;

/// <summary>
/// What every figure command starts from: a checkpoint loaded in evaluation mode, the test split of the data its images
/// come from, and the checks of option values against them (indices, latent dimensions), each failing with a message
/// that names the option.
/// </summary>
internal sealed class ModelSession
{
    private ModelSession(string command, string checkpointPath, Checkpoint checkpoint, Dataset test)
    {
        Command = command;
        CheckpointPath = checkpointPath;
        Checkpoint = checkpoint;
        Test = test;
    }

    /// <summary>What the session is for, as a refusal names it: "latent traverse".</summary>
    public string Command { get; }

    public string CheckpointPath { get; }
    public Checkpoint Checkpoint { get; }
    public LatentModel Model => Checkpoint.Model;
    public Dataset Test { get; }
    public int Height => Model.Spec.Height;
    public int Width => Model.Spec.Width;

    /// <summary>The options all figure commands take, added to <paramref name="command"/>.</summary>
    public sealed record Options(Option<string> Model, Option<string?> Data, Option<string?> DataDir, Option<int> Threads, Option<ulong> Seed, Option<string?> Output);

    public static Options AddCommonOptions(Command command, string defaultOutput)
    {
        var options = new Options(CommonOptions.Model(), CommonOptions.DataOfModel(), CommonOptions.DataDir(), CommonOptions.Threads(), CommonOptions.Seed(),
            CommonOptions.Output(defaultOutput));
        foreach (Option option in new Option[] { options.Model, options.Data, options.DataDir, options.Threads, options.Seed, options.Output })
            command.Options.Add(option);
        return options;
    }

    /// <summary>Opens the session of a figure command; <paramref name="what"/> names it in a refusal (default "latent &lt;command&gt;").</summary>
    public static ModelSession Open(ParseResult parse, Options options, ModelNeeds needs = ModelNeeds.Nothing, string? what = null)
    {
        Threading.MaxThreads = parse.GetValue(options.Threads);
        return Open(parse.GetValue(options.Model)!, parse.GetValue(options.Data), parse.GetValue(options.DataDir), needs, what ?? $"latent {parse.CommandResult.Command.Name}");
    }

    /// <summary>
    /// Loads the checkpoint, refuses a model that cannot do what <paramref name="command"/> <paramref name="needs"/> before
    /// any data is read, then loads the test split of <paramref name="dataName"/>, by default the data the model was trained on.
    /// </summary>
    public static ModelSession Open(string checkpointPath, string? dataName, string? dataDir, ModelNeeds needs = ModelNeeds.Nothing, string command = "this command")
    {
        checkpointPath = ShippedModels.Resolve(checkpointPath);
        Checkpoint checkpoint = Checkpoint.Load(checkpointPath);
        Require(checkpoint.Model, needs, command);
        dataName ??= checkpoint.TrainingData;
        checkpoint.Model.Eval();
        Dataset test = new DatasetResolver().Load(dataName, dataDir).Test;
        ModelSpec spec = checkpoint.Model.Spec;
        if (test.Channels != spec.Channels || test.Rows != spec.Height || test.Cols != spec.Width)
            throw new UsageException($"--data {dataName} has {test.Channels}x{test.Rows}x{test.Cols} images but the model in {Path.GetFileName(checkpointPath)} takes {spec.Channels}x{spec.Height}x{spec.Width}.");
        if (test.Count == 0) throw new UsageException($"--data {dataName} has no test images.");
        return new ModelSession(command, checkpointPath, checkpoint, test);
    }

    /// <summary>
    /// Throws <see cref="UnsupportedByModelException"/> naming <paramref name="command"/> (e.g. "latent traverse") unless
    /// <paramref name="model"/> has the capabilities it <paramref name="needs"/>.
    /// </summary>
    public static void Require(LatentModel model, ModelNeeds needs, string command)
    {
        if (needs.HasFlag(ModelNeeds.LatentSpace)) model.Require<ILatentSpace>(command);
        if (needs.HasFlag(ModelNeeds.Prior)) model.Require<IHasPrior>(command);
        if (needs.HasFlag(ModelNeeds.Layers)) model.Require<ILayeredLatents>(command);
        if (needs.HasFlag(ModelNeeds.Unconditional)) model.RequireUnconditional(command);
    }

    /// <summary>The output path: the option's value, or "&lt;checkpoint stem&gt;-&lt;figure&gt;.png" beside the checkpoint.</summary>
    public string OutputPath(string? option, string figure, string extension = ".png") =>
        option ?? Path.Combine(ShippedModels.OutputFolderFor(CheckpointPath), $"{Path.GetFileNameWithoutExtension(CheckpointPath)}-{figure}{extension}");

    public int CheckIndex(int index, string option)
    {
        if ((uint)index >= (uint)Test.Count)
            throw new UsageException($"{option} {index} is out of range: the test split of {Test.Name} has {Test.Count} images (0 to {Test.Count - 1}).");
        return index;
    }

    /// <summary>The model's latent space; the session was opened with <see cref="ModelNeeds.LatentSpace"/>.</summary>
    public ILatentSpace LatentSpace => Model.Require<ILatentSpace>(Command);

    public void CheckDimension(int j, string option) => CheckDimension(j, option, LatentSpace.LatentSize, "the model");

    private static void CheckDimension(int j, string option, int size, string owner)
    {
        if ((uint)j >= (uint)size)
            throw new UsageException($"{option}: latent dimension {j} does not exist; {owner} has {size} (0 to {size - 1}).");
    }

    /// <summary>Parses "0,3,5" into latent dimensions of the model, each checked.</summary>
    public int[] ParseDimensions(string text, string option) => ParseDimensions(text, option, LatentSpace.LatentSize, "the model");

    /// <summary>Parses "0,3,5" into dimensions of a latent space of <paramref name="size"/> (e.g. one layer's), each checked.</summary>
    public static int[] ParseDimensions(string text, string option, int size, string owner)
    {
        int[] dims;
        try
        {
            dims = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t => int.Parse(t, NumberStyles.Integer, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new UsageException($"{option} takes latent dimensions separated by commas (e.g. 0,3,5), not \"{text}\".");
        }
        if (dims.Length == 0) throw new UsageException($"{option} needs at least one latent dimension (e.g. 0,3,5).");
        foreach (int j in dims) CheckDimension(j, option, size, owner);
        if (dims.Distinct().Count() != dims.Length) throw new UsageException($"{option} names a dimension twice: \"{text}\".");
        return dims;
    }

    public static int AtLeast(int value, int minimum, string option) =>
        value >= minimum ? value : throw new UsageException($"{option} must be at least {minimum}, not {value}.");

    public static int Between(int value, int minimum, int maximum, string option) =>
        value >= minimum && value <= maximum ? value : throw new UsageException($"{option} must be between {minimum} and {maximum}, not {value}.");

    /// <summary>Writes the SVG document <paramref name="svg"/> (atomically) and says where.</summary>
    public static int WriteFigure(string svg, string path, TextWriter output)
    {
        AtomicFile.WriteAllText(path, svg);
        output.WriteLine($"Wrote {path}.");
        return CommandRunner.Ok;
    }

    /// <summary>A labelled figure is SVG, unless the file the user named ends in .png: then the raster.</summary>
    public static bool WantsPng(string path) => path.EndsWith(".png", StringComparison.OrdinalIgnoreCase);

    /// <summary>Writes <paramref name="image"/> and says where.</summary>
    public static int WriteFigure(Image image, string path, TextWriter output)
    {
        Png.Write(path, image);
        output.WriteLine($"Wrote {path} ({image.Width}x{image.Height}).");
        return CommandRunner.Ok;
    }
}

/// <summary>
/// What a command needs of a model, each flag a capability (or the lack of one) checked as soon as the checkpoint is loaded,
/// before any data is read.
/// </summary>
[Flags]
internal enum ModelNeeds
{
    Nothing = 0,

    /// <summary><see cref="ILatentSpace"/>: codes to encode to and decode from (not the PixelCNN).</summary>
    LatentSpace = 1,

    /// <summary>No <see cref="IConditional"/>: encoding and decoding without a class label (not the CVAE).</summary>
    Unconditional = 2,

    /// <summary><see cref="IHasPrior"/>: codes drawn from a prior and pixels from a decoder likelihood (the VAEs).</summary>
    Prior = 4,

    /// <summary><see cref="ILayeredLatents"/>: several stochastic layers (the hierarchical VAEs).</summary>
    Layers = 8,

    UnconditionalLatentSpace = LatentSpace | Unconditional,
}
