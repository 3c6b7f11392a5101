using System.CommandLine;
using LatentSharp.Export;
using LatentSharp.Training;

namespace LatentSharp.Cli.Commands;

/// <summary><c>latent export</c>: the encoder and the decoder of a checkpoint as ONNX models, to run without LatentSharp.</summary>
public static class ExportCommand
{
    public const string Onnx = "onnx";

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var format = new Option<string>("--format") { Description = "Format to write.", DefaultValueFactory = _ => Onnx };
        format.AcceptOnlyFromAmong(Onnx);
        var output = new Option<string?>("--output", "-o") { Description = "Folder to write into. Default: the checkpoint's folder." };
        var command = new Command("export",
            "Write the encoder (x → mu, log_variance; code for an ae) and the decoder (z → x_mean) as <checkpoint>-encoder.onnx and <checkpoint>-decoder.onnx.")
        {
            model, format, output,
        };
        command.SetAction(parse =>
        {
            string checkpointPath = parse.GetValue(model)!;
            Checkpoint checkpoint = Checkpoint.Load(checkpointPath);
            string folder = parse.GetValue(output) ?? Path.GetDirectoryName(Path.GetFullPath(checkpointPath))!;
            string stem = Path.GetFileNameWithoutExtension(checkpointPath);
            string encoder = Path.Combine(folder, $"{stem}-encoder.onnx"), decoder = Path.Combine(folder, $"{stem}-decoder.onnx");
            OnnxExport.Write(checkpoint.Model, encoder, decoder, "latent export");
            TextWriter console = parse.InvocationConfiguration.Output;
            console.WriteLine($"Wrote {encoder} and {decoder}.");
            return CommandRunner.Ok;
        });
        return command;
    }
}
