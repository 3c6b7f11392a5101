using System.CommandLine;
using LatentSharp.Cli.Commands;

namespace LatentSharp.Cli;

/// <summary>The command tree of the <c>latent</c> tool; each command lives in Commands/, one file each.</summary>
public static class LatentCommand
{
    public static RootCommand Create()
    {
        var root = new RootCommand("latent — train, evaluate and explore variational autoencoders.");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(CompareCommand.Create());
        root.Subcommands.Add(SampleCommand.Create());
        root.Subcommands.Add(ReconstructCommand.Create());
        root.Subcommands.Add(InterpolateCommand.Create());
        root.Subcommands.Add(TraverseCommand.Create());
        root.Subcommands.Add(EditCommand.Create());
        root.Subcommands.Add(EmbedCommand.Create());
        root.Subcommands.Add(ManifoldCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(InfoCommand.Create());
        root.Options.Add(CommonOptions.Verbose());
        CommonOptions.ParseNumbersStrictly(root);
        return root;
    }
}
