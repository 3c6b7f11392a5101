using System.CommandLine;
using LatentSharp.Export;
using LatentSharp.Training;

namespace LatentSharp.Cli.Commands;

/// <summary>
/// <c>latent export</c>: the encoder and the decoder of a checkpoint as ONNX models, to run without LatentSharp; or a
/// weights-only copy of the checkpoint (no optimizer state), the form in which models ship.
/// </summary>
public static class ExportCommand
{
    public const string Onnx = "onnx";
    public const string Weights = "weights";

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var format = new Option<string>("--format") { Description = "Format to write: onnx (encoder and decoder) or weights (a checkpoint with the model, its configuration and training record, without the optimizer state).", DefaultValueFactory = _ => Onnx };
        format.AcceptOnlyFromAmong(Onnx, Weights);
        var output = new Option<string?>("--output", "-o") { Description = "onnx: folder to write into (default: the checkpoint's folder). weights: file to write (default: <checkpoint>-weights.safetensors beside it)." };
        var command = new Command("export",
            "Write the encoder (x → mu, log_variance; code for an ae) and the decoder (z → x_mean) as <checkpoint>-encoder.onnx and <checkpoint>-decoder.onnx, or a weights-only copy of the checkpoint (--format weights).")
        {
            model, format, output,
        };
        command.SetAction(parse =>
        {
            string checkpointPath = ShippedModels.Resolve(parse.GetValue(model)!);
            Checkpoint checkpoint = Checkpoint.Load(checkpointPath);
            string stem = Path.GetFileNameWithoutExtension(checkpointPath);
            TextWriter console = parse.InvocationConfiguration.Output;
            if (parse.GetValue(format) == Weights)
            {
                string file = parse.GetValue(output) ?? Path.Combine(ShippedModels.OutputFolderFor(checkpointPath), $"{stem}-weights.safetensors");
                WriteWeightsOnly(checkpoint, file);
                console.WriteLine($"Wrote {file} ({new FileInfo(file).Length:N0} bytes, no optimizer state).");
                return CommandRunner.Ok;
            }
            string folder = parse.GetValue(output) ?? Path.GetDirectoryName(Path.GetFullPath(checkpointPath))!;
            string encoder = Path.Combine(folder, $"{stem}-encoder.onnx"), decoder = Path.Combine(folder, $"{stem}-decoder.onnx");
            OnnxExport.Write(checkpoint.Model, encoder, decoder, "latent export");
            console.WriteLine($"Wrote {encoder} and {decoder}.");
            return CommandRunner.Ok;
        });
        return command;
    }

    /// <summary>
    /// Writes <paramref name="checkpoint"/> to <paramref name="path"/> without its optimizer state: the weights, the model's
    /// configuration and the training record (its data and binarization, which evaluation reads), nothing to resume from.
    /// </summary>
    public static void WriteWeightsOnly(Checkpoint checkpoint, string path)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(path);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        Checkpoint.Save(path, checkpoint.Model, checkpoint.Training);
    }
}
