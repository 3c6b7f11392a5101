using LatentSharp.Data;
using LatentSharp.Imaging;

namespace LatentSharp.Tests.Data;

public class ImageFolderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static DataSplits Load(string folder) => new DatasetResolver(null, null, null, []).Load(folder);

    [Fact]
    public void Load_TrainTestClassFolders_GivesSortedClassNamesAndLabels()
    {
        string root = _temp.Folder("pngs");
        DataFiles.SolidPng(Path.Combine(root, "train", "red", "a.png"), 4, 3, new Rgb(255, 0, 0));
        DataFiles.SolidPng(Path.Combine(root, "train", "blue", "b.png"), 4, 3, new Rgb(0, 0, 255));
        DataFiles.SolidPng(Path.Combine(root, "train", "blue", "c.png"), 4, 3, new Rgb(0, 0, 200));
        DataFiles.SolidPng(Path.Combine(root, "test", "red", "d.png"), 4, 3, new Rgb(250, 0, 0));

        DataSplits splits = Load(root);

        Assert.Equal(["blue", "red"], splits.Train.ClassNames);
        Assert.Equal(splits.Train.ClassNames, splits.Test.ClassNames);
        Assert.Equal([0, 0, 1], splits.Train.Labels);
        Assert.Equal([1], splits.Test.Labels);
        Assert.Equal((3, 3, 4, 36), (splits.Train.Channels, splits.Train.Rows, splits.Train.Cols, splits.Train.Dimensions));
    }

    [Fact]
    public void Load_RedPixel_LandsInChannelZero()
    {
        string root = _temp.Folder("pngs");
        var image = new Image(3, 2, 3, new Rgb(0, 0, 0));
        image.SetPixel(2, 1, new Rgb(255, 0, 0));     // x = 2, y = 1: the last pixel of row 1
        image.SetPixel(0, 0, new Rgb(0, 51, 102));
        Png.Write(Path.Combine(root, "train", "x.png"), image);
        Png.Write(Path.Combine(root, "test", "y.png"), image);

        Dataset train = Load(root).Train;

        ReadOnlySpan<float> pixels = train.Image(0); // [C = 3, H = 2, W = 3]
        Assert.Equal(1f, pixels[0 * 6 + 1 * 3 + 2]);
        Assert.Equal(0f, pixels[1 * 6 + 1 * 3 + 2]);
        Assert.Equal(0f, pixels[2 * 6 + 1 * 3 + 2]);
        Assert.Equal([0f, 0.2f, 0.4f], new[] { pixels[0], pixels[6], pixels[12] });
        Assert.False(train.HasLabels);
    }

    [Fact]
    public void Load_AllGrey_HasOneChannel_AnyColour_ReplicatesGrey()
    {
        string grey = _temp.Folder("grey");
        DataFiles.SolidPng(Path.Combine(grey, "train", "a.png"), 2, 2, Rgb.Gray(51), grey: true);
        DataFiles.SolidPng(Path.Combine(grey, "test", "b.png"), 2, 2, Rgb.Gray(102), grey: true);
        string mixed = _temp.Folder("mixed");
        DataFiles.SolidPng(Path.Combine(mixed, "train", "a.png"), 2, 2, Rgb.Gray(51), grey: true);
        DataFiles.SolidPng(Path.Combine(mixed, "test", "b.png"), 2, 2, new Rgb(0, 255, 0));

        DataSplits greySplits = Load(grey), mixedSplits = Load(mixed);

        Assert.Equal(1, greySplits.Train.Channels);
        Assert.Equal([0.2f, 0.2f, 0.2f, 0.2f], greySplits.Train.Pixels);
        Assert.Equal(3, mixedSplits.Train.Channels);
        Assert.All(mixedSplits.Train.Pixels, v => Assert.Equal(0.2f, v));
        Assert.Equal(3, mixedSplits.Test.Channels);
    }

    [Fact]
    public void Load_HalfTransparentRed_IsCompositedOnWhite()
    {
        string root = _temp.Folder("alpha");
        Directory.CreateDirectory(Path.Combine(root, "train"));
        Directory.CreateDirectory(Path.Combine(root, "test"));
        File.WriteAllBytes(Path.Combine(root, "train", "a.png"), DataFiles.RgbaPng(2, 2, 255, 0, 0, 128));
        File.WriteAllBytes(Path.Combine(root, "test", "b.png"), DataFiles.RgbaPng(2, 2, 0, 0, 0, 0));

        DataSplits splits = Load(root);

        // red: 255; green and blue: (0 * 128 + 255 * 127 + 127) / 255 = 127
        Assert.Equal([1f, 127 / 255f, 127 / 255f], new[] { splits.Train.Pixels[0], splits.Train.Pixels[4], splits.Train.Pixels[8] });
        Assert.All(splits.Test.Pixels, v => Assert.Equal(1f, v)); // fully transparent is white
    }

    [Fact]
    public void Load_FlatClassFolders_SplitsEachClassTwentyPercentReproducibly()
    {
        string root = _temp.Folder("flat");
        for (int i = 0; i < 10; i++) DataFiles.SolidPng(Path.Combine(root, "cats", $"{i:D2}.png"), 2, 2, Rgb.Gray((byte)i));
        for (int i = 0; i < 5; i++) DataFiles.SolidPng(Path.Combine(root, "dogs", $"{i:D2}.png"), 2, 2, Rgb.Gray((byte)(100 + i)));
        File.WriteAllText(Path.Combine(root, "cats", "notes.txt"), "not an image");

        DataSplits first = Load(root), second = Load(root);

        Assert.Equal((12, 3), (first.Train.Count, first.Test.Count));
        Assert.Equal([0, 0, 1], first.Test.Labels);
        Assert.Equal(first.Test.Pixels, second.Test.Pixels);
        Assert.Empty(first.Test.Pixels.Intersect(first.Train.Pixels));
    }

    [Fact]
    public void Load_OneImageOfAnotherSize_NamesTheFileAndBothSizes()
    {
        string root = _temp.Folder("sizes");
        DataFiles.SolidPng(Path.Combine(root, "train", "a", "1.png"), 4, 4, Rgb.Gray(0));
        DataFiles.SolidPng(Path.Combine(root, "train", "a", "2.png"), 5, 4, Rgb.Gray(0));
        DataFiles.SolidPng(Path.Combine(root, "test", "a", "3.png"), 4, 4, Rgb.Gray(0));

        var e = Assert.Throws<InvalidDataFileException>(() => Load(root));

        Assert.Equal(Path.Combine(root, "train", "a", "2.png"), e.FilePath);
        Assert.Contains("is 5x4 (width x height) but 1.png, the first image, is 4x4", e.Message);
    }

    [Fact]
    public void Load_NotAnImageWithPngName_IsRefusedNamingIt()
    {
        string root = _temp.Folder("bad");
        DataFiles.SolidPng(Path.Combine(root, "train", "a.png"), 2, 2, Rgb.Gray(0));
        Directory.CreateDirectory(Path.Combine(root, "test"));
        File.WriteAllText(Path.Combine(root, "test", "b.png"), "hello");

        var e = Assert.Throws<InvalidDataFileException>(() => Load(root));

        Assert.StartsWith("b.png: is neither a PNG nor a JPEG file", e.Message);
    }

    [Fact]
    public void Locate_FolderWithoutImages_SaysWhatItLacks()
    {
        string root = _temp.Folder("empty");
        File.WriteAllText(Path.Combine(root, "README.md"), "nothing");

        var e = Assert.Throws<DatasetNotFoundException>(() => Load(root));

        Assert.Contains("no dataset files", e.PlacesLooked[0]);
    }
}
