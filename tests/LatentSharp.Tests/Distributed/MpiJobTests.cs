using System.Text.Json;
using LatentSharp.Cli.Commands;
using LatentSharp.Distributed;
using LatentSharp.Evaluation;
using LatentSharp.Training;

namespace LatentSharp.Tests.Distributed;

/// <summary>One tiny 2-rank training under mpirun on the shipped sample, shared by the tests of <see cref="MpiJobTests"/>.</summary>
public sealed class TwoRankRun : IDisposable
{
    public TwoRankRun()
    {
        Folder = Directory.CreateTempSubdirectory("ls-mpi-").FullName;
        Output = MpiRun.Latent(2, "train", "--hidden", "16", "--latent", "4", "--batch-size", "100", "--epochs", "1", "--free-bits", "0.05",
            "--validation", "500", "--threads", "1", "-o", Path.Combine(Folder, "mpi"));
        Checkpoint = LatentSharp.Training.Checkpoint.Load(Path.Combine(Folder, "mpi", Trainer.LatestCheckpoint));
    }

    public string Folder { get; }

    /// <summary>What rank 0 printed.</summary>
    public string Output { get; }

    /// <summary>The run's latest checkpoint, written by rank 0.</summary>
    public Checkpoint Checkpoint { get; }

    public string CheckpointPath => Path.Combine(Folder, "mpi", Trainer.LatestCheckpoint);

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

/// <summary>
/// Data-parallel training and the shared NLL over real MPI ranks (mpirun, 2 ranks on loopback), against the same
/// sharding emulated by <see cref="LocalGroup"/> in this process. They fail, rather than skip, when mpirun is missing.
/// </summary>
public class MpiJobTests(TwoRankRun run) : IClassFixture<TwoRankRun>
{
    /// <summary>A run with the options saved in the MPI run's checkpoint, on ranks emulated in this process; rank 0's final weights.</summary>
    private static float[][] EmulatedWeights(TwoRankRun run, int ranks, out TrainingState rank0)
    {
        var spec = run.Checkpoint.Model.Spec;
        TrainingOptions options = run.Checkpoint.Training!.Options;
        string folder = Path.Combine(run.Folder, $"emulated-{ranks}");
        var results = LocalGroup.Run(ranks, communicator =>
        {
            TrainingRun emulated = TrainingRun.New(spec, options, options.Data, directory: folder);
            TrainingState state = emulated.Fit(communicator: communicator);
            return (state, Weights(emulated.Model));
        });
        rank0 = results[0].state;
        return results[0].Item2;
    }

    private static float[][] Weights(LatentSharp.Models.LatentModel model) => [.. model.Parameters().Select(p => p.Data.AsSpan(0, p.Length).ToArray())];

    [Fact]
    public void TwoRankTraining_AgainstTwoEmulatedRanks_IsBitForBitEqual()
    {
        float[][] mpi = Weights(run.Checkpoint.Model);
        float[][] emulated = EmulatedWeights(run, 2, out TrainingState state);

        Assert.Contains("Data-parallel over 2 MPI ranks", run.Output);
        Assert.Equal(mpi.Length, emulated.Length);
        for (int i = 0; i < mpi.Length; i++)
            Assert.True(mpi[i].AsSpan().SequenceEqual(emulated[i]), $"Parameter {i} differs between the MPI run and its emulation.");
        Assert.Equal(run.Checkpoint.Training!.History.Select(e => e.Train), state.History.Select(e => e.Train));
        Assert.Equal(run.Checkpoint.Training.History.Select(e => e.Validation), state.History.Select(e => e.Validation));
    }

    [Fact]
    public void TwoRankRun_ResumedOnTwoRanksOrInOneProcess_TrainsItsSecondEpoch()
    {
        string two = CopyOfRun("resume-on-2"), one = CopyOfRun("resume-on-1");
        MpiRun.Latent(2, "train", "--resume", Path.Combine(two, Trainer.LatestCheckpoint), "--epochs", "2", "--threads", "1");
        var (code, _, error) = LatentSharp.Tests.Cli.Latent.Run("train", "--resume", Path.Combine(one, Trainer.LatestCheckpoint), "--epochs", "2", "--threads", "1");
        Assert.True(code == 0, error);
        foreach (string folder in (string[])[two, one])
        {
            TrainingState state = LatentSharp.Training.Checkpoint.Load(Path.Combine(folder, Trainer.LatestCheckpoint)).Training!;
            Assert.Equal(2, state.CompletedEpochs);
            // the first epoch is kept as it was
            Assert.Equal(run.Checkpoint.Training!.History[0].Score, state.History[0].Score);
            Assert.Equal(run.Checkpoint.Training.History[0].Validation, state.History[0].Validation);
        }
    }

    private string CopyOfRun(string name)
    {
        string folder = Path.Combine(run.Folder, name);
        Directory.CreateDirectory(folder);
        foreach (string file in Directory.GetFiles(Path.Combine(run.Folder, "mpi")))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        return folder;
    }

    [Fact]
    public void TwoRankTraining_AgainstOneRank_DiffersOnlyBySummationOrder()
    {
        // The same per-example noise and batches; only how the batch gradient is summed differs (two halves, weighted ½,
        // against one mean), so after an epoch (50 Adam steps) the weights agree to 1e-3 of their largest magnitude and the
        // validation ELBO to 0.05 nats.
        float[][] mpi = Weights(run.Checkpoint.Model);
        float[][] single = EmulatedWeights(run, 1, out TrainingState state);

        double largest = mpi.Max(w => w.Max(MathF.Abs)), worst = 0;
        for (int i = 0; i < mpi.Length; i++)
            for (int j = 0; j < mpi[i].Length; j++) worst = Math.Max(worst, Math.Abs(mpi[i][j] - single[i][j]));
        Assert.True(worst <= 1e-3 * largest, $"The largest weight difference is {worst}, of weights up to {largest}.");
        double elboMpi = run.Checkpoint.Training!.History[^1].Validation["elbo"], elboSingle = state.History[^1].Validation["elbo"];
        Assert.True(Math.Abs(elboMpi - elboSingle) <= 0.05, $"Validation ELBO {elboMpi} with 2 ranks, {elboSingle} with 1.");
    }

    [Fact]
    public void TwoRankTraining_AgainstTheSingleProcessTrainer_ReachesTheSameElbo()
    {
        // The single-process trainer draws its noise from one stream per epoch rather than one per example: other draws,
        // so the runs agree statistically only: to 5% of the validation ELBO (runs of this model with seeds 1, 2 and 3 spread
        // over 6% after two epochs).
        var options = run.Checkpoint.Training!.Options;
        TrainingState single = TrainingRun.New(run.Checkpoint.Model.Spec, options, options.Data, directory: Path.Combine(run.Folder, "single")).Fit();
        double elboMpi = run.Checkpoint.Training.History[^1].Validation["elbo"], elboSingle = single.History[^1].Validation["elbo"];
        Assert.True(Math.Abs(elboMpi - elboSingle) <= 0.05 * Math.Abs(elboSingle), $"Validation ELBO {elboMpi} with 2 ranks, {elboSingle} in one process.");
    }

    [Fact]
    public void TwoRankEval_AgainstOneRank_GivesEqualNumbers()
    {
        string two = Path.Combine(run.Folder, "eval-2.json"), one = Path.Combine(run.Folder, "eval-1.json");
        MpiRun.Latent(2, "eval", "--model", run.CheckpointPath, "-k", "10", "--images", "120", "--no-probe", "--ood", "none", "--threads", "1", "-o", two);
        var request = new EvalCommand.Request(run.CheckpointPath, null, 20, null, null, EvalCommand.NoOutOfDistribution, one);
        var options = new EvaluationOptions { Samples = 10, Images = 120, Probe = false };
        LocalGroup.Run(1, ranks => EvalCommand.Run(request, options, new StringWriter(), ranks));

        using JsonDocument a = JsonDocument.Parse(File.ReadAllText(one)), b = JsonDocument.Parse(File.ReadAllText(two));
        double[] PerImage(JsonDocument report) => [.. report.RootElement.GetProperty("nllPerImage").EnumerateArray().Select(v => v.GetDouble())];
        Assert.Equal(120, PerImage(b).Length);
        Assert.Equal(PerImage(a), PerImage(b));
        Assert.Equal(a.RootElement.GetProperty("nllNats").GetDouble(), b.RootElement.GetProperty("nllNats").GetDouble());
        Assert.Equal(a.RootElement.GetProperty("elbo").GetDouble(), b.RootElement.GetProperty("elbo").GetDouble());
    }
}
