using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

public class SkewOpsTests
{
    [Fact]
    public void Skew_ShiftsRowRRightByR_AndUnskewUndoesIt()
    {
        Tensor x = GradCheck.Param(31, 2, 3, 4, 5);   // [N, C, H, W]
        Tensor skewed = x.Skew();
        Assert.Equal(new[] { 2, 3, 4, 8 }, skewed.Shape.ToArray());
        for (int m = 0; m < 6; m++)
        for (int r = 0; r < 4; r++)
        for (int c = 0; c < 8; c++)
        {
            float expected = c >= r && c < r + 5 ? x.Data[(m * 4 + r) * 5 + c - r] : 0f;
            Assert.Equal(expected, skewed.Data[(m * 4 + r) * 8 + c]);
        }
        Assert.Equal(x.Data, skewed.Unskew().Data);
    }

    [Fact]
    public void Skew_WithNaNInARecycledBuffer_StillHasZerosOffTheDiagonals()
    {
        var arena = new Arena();
        using (arena.Scope()) Tensor.Full(float.NaN, 1, 1, 2, 3).Skew();
        using (arena.Scope())
        {
            arena.PoisonFreeBuffers();
            Tensor skewed = Tensor.FromArray([1, 2, 3, 4, 5, 6], 1, 1, 2, 3).Skew();
            Assert.Equal(new float[] { 1, 2, 3, 0, 0, 4, 5, 6 }, skewed.Data.Take(8));
        }
    }

    [Fact]
    public void MirrorLastAxis_ReversesEachRow()
    {
        Tensor x = Tensor.FromArray([1, 2, 3, 4, 5, 6], 2, 3);
        Assert.Equal(new float[] { 3, 2, 1, 6, 5, 4 }, x.MirrorLastAxis().Data.Take(6));
    }

    [Fact]
    public void Skew_MatchesGradCheck() => GradCheck.Check(t => t[0].Skew(), [GradCheck.Param(32, 2, 2, 3, 4)]);

    [Fact]
    public void Unskew_MatchesGradCheck() => GradCheck.Check(t => t[0].Unskew(), [GradCheck.Param(33, 2, 2, 3, 6)]);

    [Fact]
    public void MirrorLastAxis_MatchesGradCheck() => GradCheck.Check(t => t[0].MirrorLastAxis(), [GradCheck.Param(34, 2, 3, 5)]);

    [Fact]
    public void Unskew_OfMapsNarrowerThanTall_IsRefused() =>
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(1, 1, 4, 3).Unskew());
}
