using System.CommandLine;

namespace LatentSharp.Cli;

/// <summary>Options several commands share, defined once.</summary>
public static class CommonOptions
{
    /// <summary>--data for commands that start from a checkpoint: by default the data set the model was trained on.</summary>
    public static Option<string?> DataOfModel() => new("--data")
    {
        Description = "Data set: sample, fashion-mnist, mnist, or a folder of IDX files. Default: the one the model was trained on.",
    };

    public static Option<string?> DataDir() => new("--data-dir")
    {
        Description = "Where to look first for the named data set.",
    };

    public static Option<int> Threads()
    {
        var option = new Option<int>("--threads") { Description = "Cores the engine may use.", DefaultValueFactory = _ => Environment.ProcessorCount };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError("--threads must be at least 1.");
        });
        return option;
    }

    public static Option<string> Model() => new("--model", "-m")
    {
        Description = "Checkpoint file written by latent train (e.g. runs/sample-vae/model.safetensors).",
        Required = true,
    };

    /// <summary>The file a figure command writes; its default is next to the checkpoint.</summary>
    public static Option<string?> Output(string defaultDescription) => new("--output", "-o")
    {
        Description = $"File to write. Default: {defaultDescription}.",
    };

    public static Option<ulong> Seed() => new("--seed") { Description = "Seed of every random draw.", DefaultValueFactory = _ => 1UL };

    /// <summary>An index into the test split of the data.</summary>
    public static Option<int> Index(string name, string description, int defaultValue = 0) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
    };
}
