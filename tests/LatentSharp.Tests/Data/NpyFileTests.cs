using LatentSharp.Data;

namespace LatentSharp.Tests.Data;

public class NpyFileTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Write(string name, byte[] bytes)
    {
        string path = _temp.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void ReadImages_Uint8Grey_IsBytesOver255()
    {
        string path = Write("a.npy", DataFiles.Npy("|u1", [2, 2, 3], [0, 51, 102, 153, 204, 255, 1, 2, 3, 4, 5, 6]));

        Dataset set = NpyFile.ReadImages(path, "a");

        Assert.Equal((2, 1, 2, 3), (set.Count, set.Channels, set.Rows, set.Cols));
        Assert.Equal([0f, 0.2f, 0.4f, 0.6f, 0.8f, 1f], set.Image(0).ToArray());
    }

    [Fact]
    public void ReadImages_ChannelsLast_IsReorderedToChannelPlanar()
    {
        // one image of 2 rows x 1 column, [H, W, C]: pixel 0 is pure red, pixel 1 pure blue
        string path = Write("a.npy", DataFiles.Npy("|u1", [1, 2, 1, 3], [255, 0, 0, 0, 0, 255]));

        Dataset set = NpyFile.ReadImages(path, "a");

        Assert.Equal((3, 2, 1), (set.Channels, set.Rows, set.Cols));
        Assert.Equal([1f, 0f, 0f, 0f, 0f, 1f], set.Pixels); // [C, H, W]: red plane, green plane, blue plane
    }

    [Fact]
    public void ReadImages_ChannelsFirstFloat32_IsKept()
    {
        string path = Write("a.npy", DataFiles.Npy("<f4", [1, 3, 1, 1], DataFiles.Floats(1f, 0.5f, 0.25f)));

        Dataset set = NpyFile.ReadImages(path, "a");

        Assert.Equal((3, 1, 1), (set.Channels, set.Rows, set.Cols));
        Assert.Equal([1f, 0.5f, 0.25f], set.Pixels);
    }

    [Theory]
    [InlineData("{'descr': '|u1', 'fortran_order': True, 'shape': (1, 1, 1), }", "Fortran order")]
    [InlineData("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1, 1), 'x': 1}", "unknown key 'x'")]
    [InlineData("{'descr': '|u1', 'shape': (1, 1, 1), }", "lacks fortran_order")]
    [InlineData("{'descr': '|u1', 'fortran_order': False, 'shape': (1L, 1, 1), }", "expected ',' or ')'")]
    [InlineData("{'descr': '>f4', 'fortran_order': False, 'shape': (1, 1, 1), }", "element type '>f4'")]
    [InlineData("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2, 4), }", "4 channels")]
    [InlineData("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1), }", "shape (1, 1)")]
    [InlineData("dict(descr='|u1')", "expected '{'")]
    public void ReadImages_HeaderNotAccepted_IsRefusedSayingWhy(string header, string expected)
    {
        string path = Write("bad.npy", DataFiles.Npy("", [], [0], header));

        var e = Assert.Throws<InvalidDataFileException>(() => NpyFile.ReadImages(path, "bad"));

        Assert.Contains(expected, e.Message);
        Assert.StartsWith("bad.npy: ", e.Message);
    }

    [Fact]
    public void ReadImages_HeaderClaimingHugeShape_IsRefusedBeforeAllocating()
    {
        string path = Write("huge.npy", DataFiles.Npy("|u1", [2_000_000_000, 16384, 16384], [1, 2, 3]));

        var e = Assert.Throws<InvalidDataFileException>(() => NpyFile.ReadImages(path, "huge"));

        Assert.Contains("more than one array can hold", e.Message);
    }

    [Fact]
    public void ReadImages_FloatOutsideUnitInterval_IsRefused()
    {
        string path = Write("f.npy", DataFiles.Npy("<f4", [1, 1, 2], DataFiles.Floats(0.5f, 255f)));

        var e = Assert.Throws<InvalidDataFileException>(() => NpyFile.ReadImages(path, "f"));

        Assert.Contains("value 255 at flat index 1 is not in [0, 1]", e.Message);
    }

    [Fact]
    public void Load_NpyFolder_ReadsImagesAndInt64Labels()
    {
        string folder = _temp.Folder("arrays");
        File.WriteAllBytes(Path.Combine(folder, "train_images.npy"), DataFiles.Npy("|u1", [3, 2, 2], new byte[12]));
        File.WriteAllBytes(Path.Combine(folder, "train_labels.npy"), DataFiles.Npy("<i8", [3], DataFiles.Int64s(0, 2, 1)));
        File.WriteAllBytes(Path.Combine(folder, "test_images.npy"), DataFiles.Npy("|u1", [1, 2, 2], new byte[4]));
        File.WriteAllBytes(Path.Combine(folder, "test_labels.npy"), DataFiles.Npy("|u1", [1], [1]));

        DataSplits splits = new DatasetResolver(null, null, null, []).Load(folder);

        Assert.Equal([0, 2, 1], splits.Train.Labels);
        Assert.Equal([1], splits.Test.Labels);
        Assert.Equal(3, splits.Test.ClassCount);
    }

    [Fact]
    public void Load_LabelsWithoutImagesCount_IsRefused()
    {
        string folder = _temp.Folder("arrays");
        File.WriteAllBytes(Path.Combine(folder, "train_images.npy"), DataFiles.Npy("|u1", [3, 2, 2], new byte[12]));
        File.WriteAllBytes(Path.Combine(folder, "train_labels.npy"), DataFiles.Npy("<i8", [2], DataFiles.Int64s(0, 2)));
        File.WriteAllBytes(Path.Combine(folder, "test_images.npy"), DataFiles.Npy("|u1", [1, 2, 2], new byte[4]));
        File.WriteAllBytes(Path.Combine(folder, "test_labels.npy"), DataFiles.Npy("|u1", [1], [1]));

        var e = Assert.Throws<InvalidDataFileException>(() => new DatasetResolver(null, null, null, []).Load(folder));

        Assert.Contains("holds 3 images but its labels file holds 2 labels", e.Message);
    }
}
