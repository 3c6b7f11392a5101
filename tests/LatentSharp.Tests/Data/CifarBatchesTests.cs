using LatentSharp.Data;

namespace LatentSharp.Tests.Data;

public class CifarBatchesTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Load_CifarFolder_ReadsRecordsAsChannelPlanarImages()
    {
        string folder = DataFiles.CifarFolder(_temp.Folder("cifar-10-batches-bin"));

        DataSplits splits = new DatasetResolver(null, null, null, []).Load(folder);

        Assert.Equal((10, 3, 32, 32, 3072), (splits.Train.Count, splits.Train.Channels, splits.Train.Rows, splits.Train.Cols, splits.Train.Dimensions));
        Assert.Equal(3, splits.Test.Count);
        Assert.Equal([1, 2, 2, 3, 3, 4, 4, 5, 5, 6], splits.Train.Labels);
        Assert.Equal(CifarBatches.ClassNames, splits.Train.ClassNames);
        byte[] record = DataFiles.CifarBatch(3);
        for (int j = 0; j < 3072; j++) Assert.Equal(record[2 * 3073 + 1 + j] / 255f, splits.Test.Image(2)[j]);
    }

    [Fact]
    public void Load_WithMeta_TakesClassNamesFromIt()
    {
        string folder = DataFiles.CifarFolder(_temp.Folder("c"), meta: true);

        DataSplits splits = CifarBatches.LoadFolder(folder, "c");

        Assert.Equal("plane", splits.Test.ClassNames[0]);
        Assert.Equal(10, splits.Test.ClassCount);
    }

    [Theory]
    [InlineData(3073 * 2 - 1, "not a whole number of 3073-byte records")]
    [InlineData(3074 * 3, "CIFAR-100")]
    [InlineData(0, "empty file")]
    public void ReadBatch_WrongLength_IsRefusedSayingWhy(int length, string expected)
    {
        string path = _temp.File("data_batch_1.bin");
        File.WriteAllBytes(path, new byte[length]);

        var e = Assert.Throws<InvalidDataFileException>(() => CifarBatches.ReadBatch(path));

        Assert.Contains(expected, e.Message);
        Assert.StartsWith("data_batch_1.bin: ", e.Message);
    }

    [Fact]
    public void ReadBatch_LabelBeyondTheClasses_IsRefused()
    {
        string path = _temp.File("test_batch.bin");
        byte[] batch = DataFiles.CifarBatch(2);
        batch[3073] = 10;
        File.WriteAllBytes(path, batch);

        var e = Assert.Throws<InvalidDataFileException>(() => CifarBatches.ReadBatch(path));

        Assert.Contains("record 1 has label 10", e.Message);
    }

    [Fact]
    public void Locate_MissingBatch_SaysWhichIsMissing()
    {
        string folder = DataFiles.CifarFolder(_temp.Folder("c"));
        File.Delete(Path.Combine(folder, "data_batch_3.bin"));

        var e = Assert.Throws<DatasetNotFoundException>(() => new DatasetResolver(null, null, null, []).Locate(folder));

        Assert.Contains("incomplete CIFAR-10 batches, missing data_batch_3.bin", e.PlacesLooked[0]);
    }
}
