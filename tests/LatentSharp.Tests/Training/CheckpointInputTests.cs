using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using LatentSharp.Data;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Training;

/// <summary>Damaged, hostile or inconsistent checkpoints: each is refused with one message naming the file and what is wrong.</summary>
public sealed class CheckpointInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-ckpt-").FullName;
    private readonly byte[] _latest, _best;

    public CheckpointInputTests()
    {
        TinyRun.Train(Path.Combine(_dir, "run"));
        _latest = File.ReadAllBytes(Path.Combine(_dir, "run", Trainer.LatestCheckpoint));
        _best = File.ReadAllBytes(Path.Combine(_dir, "run", Trainer.BestCheckpoint));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Save(byte[] bytes, string name = "m.safetensors")
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private InvalidCheckpointException RefusedRead(string headerJson, byte[] data)
    {
        string path = Save(TinyRun.Join(headerJson, data));
        var ex = Assert.Throws<InvalidCheckpointException>(() => SafeTensorsFile.Read(path));
        Assert.StartsWith("m.safetensors", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        return ex;
    }

    private static readonly byte[] EightBytes = new byte[8];

    // ---- the safetensors header ---------------------------------------------------------------------------------

    [Theory]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":null,\"data_offsets\":[0,8]}}", "shape is null")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", "shape entry 0")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[null],\"data_offsets\":[0,8]}}", "shape entry 0 is null")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", "shape entry 0")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":{},\"data_offsets\":[0,8]}}", "shape is an object")]
    [InlineData("{\"w\":{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}}", "dtype is the number 32")]
    [InlineData("{\"w\":{\"dtype\":null,\"shape\":[2],\"data_offsets\":[0,8]}}", "dtype is null")]
    [InlineData("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", "dtype is missing")]
    [InlineData("{\"w\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,8]}}", "unknown dtype \"Q7\"")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":null}}", "data_offsets are null")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,\"8\"]}}", "end offset")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,1e400]}}", "end offset")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", "begin offset")]
    [InlineData("{\"w\":null}", "tensor 'w' is described by null")]
    [InlineData("{\"__metadata__\":{\"a\":null},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "__metadata__ entry 'a' is null")]
    [InlineData("{\"__metadata__\":{\"a\":1},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "__metadata__ entry 'a' is the number 1")]
    [InlineData("[1,2]", "not a JSON object")]
    public void Read_WronglyTypedHeaderField_NamesFileTensorAndField(string header, string expected)
    {
        InvalidCheckpointException ex = RefusedRead(header, EightBytes);
        Assert.Contains(expected, ex.Message);
        Assert.DoesNotContain("System.", ex.Message);
    }

    [Fact]
    public void Read_DuplicateTensorKey_IsRefusedNamingTheKey()
    {
        const string entry = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        Assert.Contains("names 'w' twice", RefusedRead($"{{\"w\":{entry},\"w\":{entry}}}", EightBytes).Message);
        Assert.Contains("two 'shape' fields",
            RefusedRead("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"shape\":[2],\"data_offsets\":[0,8]}}", EightBytes).Message);
    }

    [Fact]
    public void Read_InvalidUtf8OrLoneSurrogate_IsRefused()
    {
        byte[] header = Encoding.UTF8.GetBytes("{\"w?\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}");
        header[3] = 0xFF;
        string path = Save(TinyRun.Join(header, EightBytes));
        Assert.Contains("not valid UTF-8", Assert.Throws<InvalidCheckpointException>(() => SafeTensorsFile.Read(path)).Message);
        Assert.Contains("not valid Unicode", RefusedRead("{\"w\\ud800\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", EightBytes).Message);
    }

    [Fact]
    public void Read_OverlappingOffsets_AreRefusedInsteadOfLoadingSharedBytes()
    {
        string header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        InvalidCheckpointException ex = RefusedRead(header, new byte[12]);
        Assert.Contains("tensor 'b'", ex.Message);
        Assert.Contains("overlaps tensor 'a'", ex.Message);
        string same = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        Assert.Contains("overlaps", RefusedRead(same, new byte[16]).Message);
    }

    [Fact]
    public void Read_GapsTrailingBytesAndReversedOffsets_AreRefused()
    {
        Assert.Contains("belong to no tensor", RefusedRead("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", EightBytes).Message);
        Assert.Contains("belong to no tensor", RefusedRead("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", EightBytes).Message);
        Assert.Contains("end before they begin", RefusedRead("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", EightBytes).Message);
    }

    [Fact]
    public void Read_TensorsStoredInAnotherOrder_ReadEachFromItsOwnBytes()
    {
        byte[] data = new byte[12];
        BitConverter.GetBytes(1f).CopyTo(data, 0);
        BitConverter.GetBytes(2f).CopyTo(data, 4);
        BitConverter.GetBytes(3f).CopyTo(data, 8);
        string path = Save(TinyRun.Join("{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data));
        SafeTensorsFile.Contents read = SafeTensorsFile.Read(path);
        Assert.Equal([1f, 2f], read.Get("a").Data);
        Assert.Equal([3f], read.Get("b").Data);
    }

    [Theory]
    [InlineData("[2147483647,2147483647,2147483647]", "more values than one tensor can hold")]
    [InlineData("[4294967296]", "shape entry 0")]
    [InlineData("[3]", "data_offsets [0, 8] (8 bytes)")]
    public void Read_HugeOrWrongShape_IsRefusedBeforeAllocating(string shape, string expected)
    {
        Assert.Contains(expected, RefusedRead($"{{\"w\":{{\"dtype\":\"F32\",\"shape\":{shape},\"data_offsets\":[0,8]}}}}", EightBytes).Message);
    }

    [Fact]
    public void Read_HeaderLongerThanTheFile_IsRefused()
    {
        byte[] file = (byte[])_latest.Clone();
        BitConverter.GetBytes((ulong)file.Length).CopyTo(file, 0);
        Assert.Contains("header length", Assert.Throws<InvalidCheckpointException>(() => SafeTensorsFile.Read(Save(file))).Message);
    }

    [Fact]
    public async Task Read_FolderOrFifo_IsRefusedWithoutBlocking()
    {
        string folder = Path.Combine(_dir, "folder.safetensors");
        Directory.CreateDirectory(folder);
        Assert.Contains("folder", Assert.Throws<InvalidCheckpointException>(() => Checkpoint.Load(folder)).Message);
        if (OperatingSystem.IsWindows()) return;
        string fifo = Path.Combine(_dir, "fifo.safetensors");
        using (Process mkfifo = Process.Start("mkfifo", fifo)) mkfifo.WaitForExit();
        var load = Task.Run(() => Checkpoint.Load(fifo));
        Assert.Same(load, await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(10))));   // else reading the FIFO blocked
        Assert.IsType<InvalidCheckpointException>(load.Exception!.InnerException);
    }

    // ---- weights -------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Load_NonFiniteWeight_IsRefusedNamingTheTensor(float value)
    {
        string path = Path.Combine(_dir, "nan.safetensors");
        LatentModel model = ModelCatalog.Build(TinyRun.Spec, new Rng(1));
        var (name, parameter) = model.NamedParameters().Last();
        parameter.Data[1] = value;
        Checkpoint.Save(path, model);
        var ex = Assert.Throws<InvalidCheckpointException>(() => Checkpoint.Load(path));
        Assert.Contains($"tensor '{name}'", ex.Message);
        Assert.Contains("index 1", ex.Message);
    }

    // ---- metadata: read where needed, refused naming the field -----------------------------------------------------

    [Theory]
    [InlineData("training", "not json")]
    [InlineData("training", "{}")]
    [InlineData("training", "null")]
    [InlineData("optimizer", "{")]
    [InlineData("optimizer", "{}")]
    [InlineData("optimizer", "null")]
    public void Load_DamagedTrainingOrOptimizerPart_LoadsTheModel_AndRefusesThatPartWhenUsed(string key, string json)
    {
        string path = Save(TinyRun.WithMetadata(_latest, key, json));
        Checkpoint checkpoint = Checkpoint.Load(path);   // what sample, reconstruct, eval need
        Assert.Equal(TinyRun.Spec.LatentSize, checkpoint.Model.Require<ILatentSpace>("the test").LatentSize);
        var ex = Assert.Throws<InvalidCheckpointException>(() => key == "training" ? (object?)checkpoint.Training : checkpoint.Optimizer);
        Assert.Contains($"field {key}", ex.Message);
        Assert.Throws<InvalidCheckpointException>(() => Checkpoint.LoadForResume(path));
    }

    [Theory]
    [InlineData("parameterSteps", "optimizer.parameterSteps is missing")]
    [InlineData("stepCount", "optimizer.stepCount is missing")]
    [InlineData("optimizer", "optimizer.optimizer is missing")]
    public void LoadForResume_OptimizerStateWithoutAField_NamesIt(string field, string expected)
    {
        string path = Save(TinyRun.WithMetadataJson(_latest, "optimizer", o => o.Remove(field)));
        Assert.Contains(expected, Assert.Throws<InvalidCheckpointException>(() => Checkpoint.LoadForResume(path)).Message);
    }

    [Theory]
    [InlineData("exp_avg")]
    [InlineData("exp_avg_sq")]
    public void LoadForResume_MissingAdamMomentBuffer_IsRefusedInsteadOfZeroed(string buffer)
    {
        // Rewritten through the writer, so that the file stays a valid safetensors file without that buffer.
        string original = Save(_latest, "full.safetensors");
        SafeTensorsFile.Contents contents = SafeTensorsFile.Read(original);
        string removed = $"optimizer/0.{buffer}";
        Assert.Contains(contents.Tensors, t => t.Name == removed);
        string path = Path.Combine(_dir, "m.safetensors");
        SafeTensorsFile.Write(path, contents.Tensors.Where(t => t.Name != removed), contents.Metadata);

        var ex = Assert.Throws<InvalidCheckpointException>(() => Checkpoint.LoadForResume(path));
        Assert.Contains($"\"0.{buffer}\" is missing", ex.Message);
        Assert.StartsWith("m.safetensors", ex.Message);
    }

    [Fact]
    public void LoadForResume_WrongBufferLength_IsRefused()
    {
        SafeTensorsFile.Contents contents = SafeTensorsFile.Read(Save(_latest, "full.safetensors"));
        string path = Path.Combine(_dir, "m.safetensors");
        SafeTensorsFile.Write(path, contents.Tensors.Select(t => t.Name == "optimizer/0.exp_avg" ? t with { Shape = [1], Data = [0f] } : t), contents.Metadata);
        Assert.Contains("has 1 values", Assert.Throws<InvalidCheckpointException>(() => Checkpoint.LoadForResume(path)).Message);
    }

    [Theory]
    [InlineData("completedEpochs", "7", "training.completedEpochs is 7")]
    [InlineData("completedEpochs", "1", "training.history has 2 epochs")]
    [InlineData("bestEpoch", "9", "training.bestEpoch is 9")]
    [InlineData("bestEpoch", "0", "training.bestEpoch is 0")]
    [InlineData("bestScore", "12345", "training.bestEpoch")]
    [InlineData("history", "null", "training.history is null")]
    [InlineData("history", "[]", "training.history has 0 epochs")]
    [InlineData("history", "[null, null]", "training.history[0] is null")]
    [InlineData("options", "null", "training.options is null")]
    [InlineData("completedEpochs", "\"2\"", "training.completedEpochs is a string")]
    [InlineData("completedEpochs", "2.5", "training.completedEpochs is the number 2.5")]
    [InlineData("bestScore", "1e400", "training.bestScore is the number 1e400")]
    public void Training_InconsistentOrWronglyTypedField_IsRefusedNamingIt(string field, string json, string expected)
    {
        string path = Save(TinyRun.WithMetadataJson(_latest, "training", t => t[field] = JsonNode.Parse(json)));
        Checkpoint checkpoint = Checkpoint.Load(path);
        var ex = Assert.Throws<InvalidCheckpointException>(() => checkpoint.Training);
        Assert.Contains(expected, ex.Message);
        Assert.DoesNotContain("System.", ex.Message);
    }

    [Theory]
    [InlineData("optimizer", "\"rmsprop\"", "training.options.optimizer")]
    [InlineData("epochs", "0", "training.options.epochs")]
    [InlineData("learningRate", "-1", "training.options.learningRate")]
    [InlineData("binarization", "17", "training.options.binarization")]
    [InlineData("seed", "-1", "training.options.seed")]
    public void Training_OptionOutOfRange_IsRefusedNamingIt(string option, string json, string expected)
    {
        string path = Save(TinyRun.WithMetadataJson(_latest, "training", t => t["options"]![option] = JsonNode.Parse(json)));
        var ex = Assert.Throws<InvalidCheckpointException>(() => Checkpoint.Load(path).Training);
        Assert.Contains(expected, ex.Message);
        Assert.DoesNotContain("--", ex.Message);
    }

    [Fact]
    public void Training_DuplicateField_IsRefused()
    {
        var (header, data) = TinyRun.Split(_latest);
        var metadata = (JsonObject)header["__metadata__"]!;
        string training = metadata["training"]!.GetValue<string>();
        metadata["training"] = "{\"completedEpochs\":1," + training[1..];
        string path = Save(TinyRun.Join(header.ToJsonString(), data));
        Assert.Contains("names 'completedEpochs' twice", Assert.Throws<InvalidCheckpointException>(() => Checkpoint.Load(path).Training).Message);
    }

    [Fact]
    public void Load_ModelSpecWithNullOrWrongType_IsRefusedNamingTheField()
    {
        string path = Save(TinyRun.WithMetadataJson(_latest, "model", m => m["hidden"] = null));
        Assert.Contains("model.hidden is null", Assert.Throws<InvalidCheckpointException>(() => Checkpoint.Load(path)).Message);
        path = Save(TinyRun.WithMetadataJson(_latest, "model", m => m["latentSize"] = "2"));
        Assert.Contains("model.latentSize is a string", Assert.Throws<InvalidCheckpointException>(() => Checkpoint.Load(path)).Message);
        path = Save(TinyRun.WithMetadataJson(_latest, "model", m => m["latentSize"] = -3));
        Assert.Contains("describes no model", Assert.Throws<InvalidCheckpointException>(() => Checkpoint.Load(path)).Message);
    }

    // ---- resuming --------------------------------------------------------------------------------------------------

    [Fact]
    public void LoadForResume_BestCheckpoint_IsRefusedPointingAtTheLatest()
    {
        var ex = Assert.Throws<InvalidCheckpointException>(() => Checkpoint.LoadForResume(Save(_best, Trainer.BestCheckpoint)));
        Assert.Contains("optimizer state", ex.Message);
        Assert.Contains($"resume from {Trainer.LatestCheckpoint}", ex.Message);
    }

    [Fact]
    public void LoadForResume_ExportedModel_IsRefused()
    {
        string path = Path.Combine(_dir, "export.safetensors");
        Checkpoint.Save(path, ModelCatalog.Build(TinyRun.Spec, new Rng(1)));
        Assert.Contains("no training state", Assert.Throws<InvalidCheckpointException>(() => Checkpoint.LoadForResume(path)).Message);
    }

    [Fact]
    public void LoadForResume_LatestCheckpoint_HoldsEverythingTheRunNeeds()
    {
        ResumePoint resume = Checkpoint.LoadForResume(Save(_latest, Trainer.LatestCheckpoint));
        Assert.Equal(2, resume.Training.CompletedEpochs);
        Assert.Equal("Adam", resume.Optimizer.Optimizer);
        Assert.Equal(resume.Model.Parameters().Count() * 2, resume.Optimizer.Buffers.Count);
    }

    [Fact]
    public void Fit_ResumedWithFewerEpochsThanCompleted_IsRefused()
    {
        ResumePoint resume = Checkpoint.LoadForResume(Save(_latest, Trainer.LatestCheckpoint));
        var trainer = new Trainer(resume.Model, resume.Training.Options with { Epochs = 1 });
        var ex = Assert.Throws<InvalidSettingException>(() => trainer.Fit(TinyRun.Data(), Path.Combine(_dir, "run"), resumeFrom: resume.Training, optimizerState: resume.Optimizer));
        Assert.Equal(nameof(TrainingOptions.Epochs), ex.Setting);
    }

    // ---- divergence that reaches the checkpoint, temporaries, failed writes -------------------------------------------

    [Theory]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NaN)]
    public void Fit_NonFiniteEpochMetric_ThrowsDivergedNamingTheEpoch_AndWritesNothingForIt(float heldOutPixel)
    {
        string run = Path.Combine(_dir, "diverged");
        var trainer = new Trainer(ModelCatalog.Build(TinyRun.Spec, new Rng(3)), TinyRun.Options(2));
        var ex = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(WithBadValidation(heldOutPixel), run));
        Assert.Contains("epoch 1", ex.Message);
        Assert.Contains("validation", ex.Message);
        Assert.DoesNotContain("--", ex.Message);
        Assert.Empty(Directory.GetFiles(run));
    }

    /// <summary>The tiny run's data with a validation split whose pixel 5 is <paramref name="pixel"/>.</summary>
    private static DataSplits WithBadValidation(float pixel)
    {
        DataSplits bad = TinyRun.Data(pixel);
        return TinyRun.Data() with { Validation = bad.Test };
    }

    [Fact]
    public void Fit_NonFiniteTestMetric_ThrowsDivergedAtTheEnd_AndKeepsTheEpochsCheckpoints()
    {
        string run = Path.Combine(_dir, "diverged-test");
        var trainer = new Trainer(ModelCatalog.Build(TinyRun.Spec, new Rng(3)), TinyRun.Options(2));
        var ex = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(TinyRun.Data(float.NaN), run));
        Assert.Contains("test elbo", ex.Message);
        Assert.Contains("intact", ex.Message);
        TrainingState saved = Checkpoint.Load(Path.Combine(run, Trainer.LatestCheckpoint)).Training!;
        Assert.Equal(2, saved.CompletedEpochs);
        Assert.Null(saved.Test);
    }

    [Fact]
    public void Fit_NonFiniteMetricAfterAResume_SaysThePreviousCheckpointIsIntact()
    {
        string run = Path.Combine(_dir, "run");
        byte[] before = File.ReadAllBytes(Path.Combine(run, Trainer.LatestCheckpoint));
        ResumePoint resume = Checkpoint.LoadForResume(Path.Combine(run, Trainer.LatestCheckpoint));
        var trainer = new Trainer(resume.Model, resume.Training.Options with { Epochs = 3 });
        var ex = Assert.Throws<TrainingDivergedException>(() =>
            trainer.Fit(WithBadValidation(float.NegativeInfinity), run, resumeFrom: resume.Training, optimizerState: resume.Optimizer));
        Assert.Contains("epoch 3", ex.Message);
        Assert.Contains("checkpoint of epoch 2 is intact", ex.Message);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(run, Trainer.LatestCheckpoint)));
    }

    [Fact]
    public void Fit_StaleTemporariesOfItsFiles_AreRemoved_OthersKept()
    {
        string run = Path.Combine(_dir, "stale");
        Directory.CreateDirectory(run);
        string[] stale = [".model.safetensors.4242.tmp", ".best.safetensors.17.tmp", $".log.csv.{Guid.NewGuid():N}.tmp"];
        string[] kept = [".notes.txt.4242.tmp", "model.safetensors.4242.tmp", ".model.safetensors.draft.tmp", "data.tmp"];
        foreach (string name in stale.Concat(kept)) File.WriteAllText(Path.Combine(run, name), "x");

        new Trainer(ModelCatalog.Build(TinyRun.Spec, new Rng(3)), TinyRun.Options(1)).Fit(TinyRun.Data(), run);

        foreach (string name in stale) Assert.False(File.Exists(Path.Combine(run, name)), name);
        foreach (string name in kept) Assert.True(File.Exists(Path.Combine(run, name)), name);
    }

    [Fact]
    public void Fit_CheckpointThatCannotBeWritten_SaysWhichEpochIsLostAndWhatIsIntact()
    {
        string run = Path.Combine(_dir, "unwritable");
        Directory.CreateDirectory(Path.Combine(run, Trainer.LatestCheckpoint));   // a folder where the file must go
        var trainer = new Trainer(ModelCatalog.Build(TinyRun.Spec, new Rng(3)), TinyRun.Options(1));
        var ex = Assert.Throws<CheckpointWriteException>(() => trainer.Fit(TinyRun.Data(), run));
        Assert.Contains("epoch 1", ex.Message);
        Assert.Contains("no checkpoint was written yet", ex.Message);
        Assert.IsAssignableFrom<IOException>(ex.InnerException);
        Assert.Empty(Directory.GetFiles(run, "*.tmp", SearchOption.AllDirectories));
    }
}
