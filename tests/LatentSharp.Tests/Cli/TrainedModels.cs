using LatentSharp.Cli;
using LatentSharp.Training;

namespace LatentSharp.Tests.Cli;

/// <summary>
/// Tiny models trained once per test class on the shipped sample (1 epoch, hidden 32): a VAE with a 2-D latent, an
/// autoencoder with a 3-D latent (no prior; PCA for its embedding) and a two-layer hierarchical VAE (z sizes 4 and 2).
/// </summary>
public sealed class TrainedModels : IDisposable
{
    public TrainedModels()
    {
        Folder = Directory.CreateTempSubdirectory("ls-figures-").FullName;
        Vae = Train("vae", "--latent", "2");
        Autoencoder = Train("ae", "--kind", "ae", "--latent", "3");
        Hierarchical = Train("hvae", "--kind", "hvae", "--latent-sizes", "4,2");
    }

    public string Folder { get; }

    /// <summary>The VAE's model.safetensors.</summary>
    public string Vae { get; }

    /// <summary>The autoencoder's model.safetensors.</summary>
    public string Autoencoder { get; }

    /// <summary>The hierarchical VAE's model.safetensors.</summary>
    public string Hierarchical { get; }

    private string Train(string name, params string[] options)
    {
        string run = Path.Combine(Folder, name);
        var error = new StringWriter();
        int code = CommandRunner.Invoke(LatentCommand.Create(), ["train", "--epochs", "1", "--hidden", "32", "-o", run, .. options], new StringWriter(), error);
        if (code != 0) throw new InvalidOperationException($"Training the {name} fixture failed: {error}");
        return Path.Combine(run, Trainer.LatestCheckpoint);
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
