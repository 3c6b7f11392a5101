using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

public class LstmCellTests
{
    public enum Outputs { Both, HiddenOnly, CellOnly }

    [Theory]
    [InlineData(Outputs.Both)]
    [InlineData(Outputs.HiddenOnly)]
    [InlineData(Outputs.CellOnly)]
    public void LstmCell_Gradients_MatchFiniteDifferences(Outputs used)
    {
        Tensor gates = GradCheck.Param(1, -2f, 2f, 3, 4 * 5);   // [B=3, 4H=20]
        Tensor cell = GradCheck.Param(2, -1.5f, 1.5f, 3, 5);    // [B, H]
        GradCheck.Check(t =>
        {
            var (h, c) = Tensor.LstmCell(t[0], t[1]);
            return used switch
            {
                Outputs.HiddenOnly => h,
                Outputs.CellOnly => c,
                _ => Tensor.Concat([h, c], 1),
            };
        }, [gates, cell]);
    }

    [Fact]
    public void LstmCell_ConstantCellState_GatesStillGetGradients()
    {
        Tensor gates = GradCheck.Param(3, -2f, 2f, 2, 4 * 3);
        Tensor cell = GradCheck.Param(4, 2, 3).Detach();   // not a parameter
        GradCheck.Check(t =>
        {
            var (h, c) = Tensor.LstmCell(t[0], cell);
            return Tensor.Concat([h, c], 1);
        }, [gates]);
    }

    [Fact]
    public void LstmCell_Forward_MatchesDoubleReference()
    {
        const int batch = 4, hidden = 7;   // odd H: the gate blocks start off any vector boundary
        Tensor gates = GradCheck.Param(5, -4f, 4f, batch, 4 * hidden), cell = GradCheck.Param(6, -2f, 2f, batch, hidden);
        var (h, c) = Tensor.LstmCell(gates, cell);
        Assert.Equal([batch, hidden], h.Shape.ToArray());
        Assert.Equal([batch, hidden], c.Shape.ToArray());
        for (int b = 0; b < batch; b++)
        {
            for (int j = 0; j < hidden; j++)
            {
                double Pre(int gate) => gates.Data[b * 4 * hidden + gate * hidden + j];
                double i = Reference.Sigmoid(Pre(0)), f = Reference.Sigmoid(Pre(1)), g = Math.Tanh(Pre(2)), o = Reference.Sigmoid(Pre(3));
                double nextCell = f * cell.Data[b * hidden + j] + i * g;
                Reference.Close(nextCell, c.Data[b * hidden + j], 1e-5, 1e-6, $"c'[{b}, {j}]");
                Reference.Close(o * Math.Tanh(nextCell), h.Data[b * hidden + j], 1e-5, 1e-6, $"h'[{b}, {j}]");
            }
        }
    }

    [Fact]
    public void LstmCell_InsideNoGrad_RecordsNothing()
    {
        Tensor gates = GradCheck.Param(7, 2, 8), cell = GradCheck.Param(8, 2, 2);
        using (Tensor.NoGrad())
        {
            var (h, c) = Tensor.LstmCell(gates, cell);
            Assert.False(h.RequiresGrad);
            Assert.False(c.RequiresGrad);
        }
    }

    [Theory]
    [InlineData(new[] { 2, 12 }, new[] { 2, 4 })]   // 4H = 16 expected
    [InlineData(new[] { 3, 16 }, new[] { 2, 4 })]   // batch differs
    [InlineData(new[] { 2, 16, 1 }, new[] { 2, 4 })]
    public void LstmCell_WrongShapes_ThrowNamingThem(int[] gateShape, int[] cellShape)
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.LstmCell(Tensor.Zeros(gateShape), Tensor.Zeros(cellShape)));
        Assert.Contains(Tensor.ShapeText(gateShape), e.Message);
        Assert.Contains(Tensor.ShapeText(cellShape), e.Message);
    }
}
