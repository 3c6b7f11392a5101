using LatentSharp.Data;

namespace LatentSharp.Tests.Data;

public class DatasetResolverTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A dataset folder whose training split has <paramref name="trainCount"/> 2x2 images, so a test can tell folders apart.</summary>
    private static string WriteDataset(string folder, int trainCount, bool gzip = true, bool withTestLabels = true)
    {
        Directory.CreateDirectory(folder);
        string gz = gzip ? ".gz" : "";
        IdxFile.WriteImages(Path.Combine(folder, "train-images-idx3-ubyte" + gz), new IdxImages(trainCount, 2, 2, new byte[trainCount * 4]));
        IdxFile.WriteLabels(Path.Combine(folder, "train-labels-idx1-ubyte" + gz), [.. Enumerable.Range(0, trainCount).Select(i => (byte)(i % 10))]);
        IdxFile.WriteImages(Path.Combine(folder, "t10k-images-idx3-ubyte" + gz), new IdxImages(2, 2, 2, new byte[8]));
        if (withTestLabels) IdxFile.WriteLabels(Path.Combine(folder, "t10k-labels-idx1-ubyte" + gz), [0, 1]);
        return folder;
    }

    private DatasetResolver Resolver(string? start = null) =>
        new(_temp.File("env"), _temp.File("cache"), _temp.File("system"), [start ?? _temp.Folder("app/bin")]);

    [Fact]
    public void Locate_FashionMnist_SearchesDataDirThenEnvironmentThenCacheThenSystem()
    {
        var resolver = Resolver();
        string dataDir = _temp.File("explicit");
        string[] expected =
        [
            WriteDataset(dataDir, 1),
            WriteDataset(Path.Combine(dataDir, "fashion-mnist"), 2),
            WriteDataset(_temp.File("env/fashion-mnist"), 3),
            WriteDataset(_temp.File("cache/fashion-mnist"), 4),
            WriteDataset(_temp.File("system/fashion-mnist"), 5),
        ];

        for (int k = 0; k < expected.Length; k++)
        {
            Assert.Equal(expected[k], resolver.Locate("fashion-mnist", dataDir));
            Assert.Equal(k + 1, resolver.Load("fashion-mnist", dataDir).Train.Count);
            if (k == 0) File.Delete(Path.Combine(dataDir, "train-images-idx3-ubyte.gz")); // the others sit inside it
            else Directory.Delete(expected[k], recursive: true);
        }
    }

    [Fact]
    public void Locate_Mnist_DoesNotLookInTheSystemFolder()
    {
        WriteDataset(_temp.File("system/mnist"), 3);

        var e = Assert.Throws<DatasetNotFoundException>(() => Resolver().Locate("mnist"));

        Assert.DoesNotContain(e.PlacesLooked, p => p.Contains("system"));
    }

    [Fact]
    public void Locate_NothingAnywhere_ListsEveryPlaceInOrderAndHowToInstall()
    {
        string dataDir = _temp.File("explicit");

        var e = Assert.Throws<DatasetNotFoundException>(() => Resolver().Locate("Fashion-MNIST", dataDir));

        string[] folders = [dataDir, Path.Combine(dataDir, "fashion-mnist"), _temp.File("env/fashion-mnist"),
            _temp.File("cache/fashion-mnist"), _temp.File("system/fashion-mnist")];
        Assert.Equal(folders.Length, e.PlacesLooked.Count);
        for (int k = 0; k < folders.Length; k++) Assert.StartsWith(folders[k] + " (", e.PlacesLooked[k]);
        Assert.StartsWith("Dataset 'fashion-mnist' not found. Looked in:", e.Message);
        Assert.All(folders, f => Assert.Contains(f, e.Message));
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
    }

    [Fact]
    public void Locate_MnistNotFound_PointsToFetchScript()
    {
        var e = Assert.Throws<DatasetNotFoundException>(() => Resolver().Locate("mnist"));

        Assert.Contains("scripts/fetch-mnist.sh", e.Message);
    }

    [Fact]
    public void Locate_IncompleteFolder_SaysWhichFilesAreMissing()
    {
        WriteDataset(_temp.File("env/mnist"), 3, withTestLabels: false);

        var e = Assert.Throws<DatasetNotFoundException>(() => Resolver().Locate("mnist"));

        Assert.Contains("incomplete, missing t10k-labels-idx1-ubyte[.gz]", e.PlacesLooked[0]);
    }

    [Fact]
    public void Load_FolderPath_ReadsRawFiles()
    {
        string folder = WriteDataset(_temp.File("my-data"), 6, gzip: false);

        DataSplits splits = Resolver().Load(folder);

        Assert.Equal((6, 2), (splits.Train.Count, splits.Test.Count));
        Assert.Equal("my-data/train", splits.Train.Name);
        Assert.Equal(new[] { 0, 1 }, splits.Test.Labels);
    }

    [Fact]
    public void Load_MissingFolderPath_SaysSoAndListsKnownNames()
    {
        var e = Assert.Throws<DatasetNotFoundException>(() => Resolver().Load(_temp.File("nowhere")));

        Assert.Contains("nowhere (folder given): no such folder", e.Message);
        Assert.Contains("sample, fashion-mnist, mnist", e.Message);
    }

    [Fact]
    public void Load_Sample_WalksUpFromTheStartFolder()
    {
        WriteDataset(_temp.File("repo/data/sample"), 7);
        string start = _temp.Folder("repo/tests/bin/Release/net10.0");

        DataSplits splits = Resolver(start).Load("sample");

        Assert.Equal(7, splits.Train.Count);
        Assert.Equal(Dataset.FashionMnistClassNames, splits.Train.ClassNames);
    }

    [Fact]
    public void Load_Sample_EnvironmentBeatsWalkingUp()
    {
        WriteDataset(_temp.File("repo/data/sample"), 7);
        WriteDataset(_temp.File("env/sample"), 8);

        Assert.Equal(8, Resolver(_temp.Folder("repo/bin")).Load("sample").Train.Count);
    }

    [Fact]
    public void Load_Mnist_UsesDigitClassNames()
    {
        WriteDataset(_temp.File("cache/mnist"), 3);

        Assert.Equal(Dataset.MnistClassNames, Resolver().Load("mnist").Test.ClassNames);
    }

    [Fact]
    public void Load_LabelCountMismatch_NamesBothFiles()
    {
        string folder = WriteDataset(_temp.File("bad"), 4);
        IdxFile.WriteLabels(Path.Combine(folder, "train-labels-idx1-ubyte.gz"), [1, 2, 3]);

        var e = Assert.Throws<InvalidDataFileException>(() => Resolver().Load(folder));

        Assert.StartsWith("train-labels-idx1-ubyte.gz: holds 3 labels but train-images-idx3-ubyte.gz holds 4 images", e.Message);
    }

    [Fact]
    public void Locate_FifoNamedLikeAnIdxFile_IsRefusedWithoutBlocking()
    {
        if (OperatingSystem.IsWindows()) return;
        string folder = WriteDataset(_temp.File("env/mnist"), 3, gzip: false);
        File.Delete(Path.Combine(folder, "t10k-labels-idx1-ubyte"));
        IdxFileTests.MakeFifo(Path.Combine(folder, "t10k-labels-idx1-ubyte"));

        var (_, error) = IdxMutationTests.RunWithTimeout(() => Resolver().Load("mnist"));

        var e = Assert.IsType<DatasetNotFoundException>(error);
        Assert.Contains("t10k-labels-idx1-ubyte is not a regular file", e.PlacesLooked[0]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("a\0b")]
    public void Locate_NoName_SaysDatasetNotFound(string name)
    {
        var e = Assert.Throws<DatasetNotFoundException>(() => Resolver().Locate(name));

        Assert.DoesNotContain("Parameter", e.Message);
        Assert.Contains("sample, fashion-mnist, mnist", e.Message);
    }
    [Fact]
    public void Load_Emoji_IsFoundInTheCacheAsAnImageFolder()
    {
        string folder = _temp.File("cache/emoji");
        DataFiles.SolidPng(Path.Combine(folder, "train", "Flags", "a.png"), 2, 2, new LatentSharp.Imaging.Rgb(255, 0, 0));
        DataFiles.SolidPng(Path.Combine(folder, "test", "Flags", "b.png"), 2, 2, new LatentSharp.Imaging.Rgb(0, 255, 0));

        DataSplits splits = Resolver().Load("Emoji");

        Assert.Equal(folder, Resolver().Locate("emoji"));
        Assert.Equal(("emoji/train", 3), (splits.Train.Name, splits.Train.Channels));
        Assert.Equal(["Flags"], splits.Train.ClassNames);
    }

    [Fact]
    public void Locate_EmojiNotFound_PointsToFetchScript()
    {
        var e = Assert.Throws<DatasetNotFoundException>(() => Resolver().Locate("emoji"));

        Assert.Contains("scripts/fetch-emoji.sh", e.Message);
    }
    [Theory]
    [InlineData("sample", 6000, 1000, 1)]
    [InlineData("emoji-sample", 1000, 250, 3)]
    public void Load_ShippedSetAwayFromAnyCheckout_UnpacksTheCopyInsideTheLibrary(string name, int train, int test, int channels)
    {
        DataSplits splits = Resolver().Load(name);

        Assert.Equal((train, test, channels), (splits.Train.Count, splits.Test.Count, splits.Train.Channels));
        string folder = Resolver().Locate(name);
        Assert.StartsWith(_temp.File("cache") + Path.DirectorySeparatorChar, folder);
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(folder)!, ".*.tmp"));
    }

    [Fact]
    public void Load_UnpackedSampleDamaged_IsUnpackedAgain()
    {
        string folder = Resolver().Locate("sample");
        File.Delete(Path.Combine(folder, "t10k-labels-idx1-ubyte.gz"));

        Assert.Equal(1000, Resolver().Load("sample").Test.Count);
    }

    [Fact]
    public void Locate_SampleWithoutCache_ListsNoEmbeddedCopy()
    {
        var resolver = new DatasetResolver(null, null, null, [_temp.Folder("app/bin")]);

        var e = Assert.Throws<DatasetNotFoundException>(() => resolver.Locate("sample"));

        Assert.DoesNotContain(e.PlacesLooked, p => p.Contains("unpacked"));
    }
}
