using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Nn;

public class SequentialTests
{
    // A Linear followed by a Relu runs fused: the output and every parameter's gradient equal, to the bit, each layer's
    // own Forward applied in turn; a Relu not after a Linear, and a Linear last, run as themselves.
    [Fact]
    public void LinearThenRelu_Fused_EqualsTheLayersInTurn()
    {
        Sequential mlp = Mlp.Build(12, [10, 8], 3, Activation.Relu, new Rng(4));
        var chain = new Sequential(new Relu(), mlp);   // a leading Relu that follows no Linear
        var rng = new Rng(2);
        float[] xs = new float[6 * 12];
        rng.FillUniform(xs, -2f, 2f);

        float[] fused = Pass(t => chain.Forward(t), out float[][] fusedGrads);
        float[] apart = Pass(t =>
        {
            foreach (Layer layer in mlp.Layers) t = layer.Forward(t);
            return t;
        }, out float[][] apartGrads, relu: true);

        Assert.Equal(apart.Select(BitConverter.SingleToInt32Bits), fused.Select(BitConverter.SingleToInt32Bits));
        for (int i = 0; i < apartGrads.Length; i++)
            Assert.Equal(apartGrads[i].Select(BitConverter.SingleToInt32Bits), fusedGrads[i].Select(BitConverter.SingleToInt32Bits));

        float[] Pass(Func<Tensor, Tensor> f, out float[][] grads, bool relu = false)
        {
            foreach (Tensor p in mlp.Parameters()) p.ZeroGrad();
            Tensor x = Tensor.FromArray((float[])xs.Clone(), 6, 12);
            Tensor y = f(relu ? x.Relu() : x);
            y.Square().Sum().Backward();
            grads = [.. mlp.Parameters().Select(p => (float[])p.Grad!.Clone())];
            return y.Data;
        }
    }

    [Fact]
    public void ConvolutionsThenRelu_Fused_EqualTheLayersInTurn()
    {
        var rng = new Rng(6);
        var chain = new Sequential(new Conv2d(2, 4, 4, rng, stride: 2, padding: 1), new Relu(), new ConvTranspose2d(4, 3, 4, rng, stride: 2, padding: 1), new Relu());
        float[] xs = new float[3 * 2 * 8 * 8];
        new Rng(7).FillUniform(xs, -1f, 1f);
        (float[] Y, float[][] Grads) Pass(Func<Tensor, Tensor> f)
        {
            foreach (Tensor p in chain.Parameters()) p.ZeroGrad();
            Tensor y = f(Tensor.FromArray((float[])xs.Clone(), 3, 2, 8, 8));
            y.Square().Sum().Backward();
            return (y.Data, [.. chain.Parameters().Select(p => (float[])p.Grad!.Clone())]);
        }
        var fused = Pass(chain.Forward);
        var apart = Pass(t =>
        {
            foreach (Layer layer in chain.Layers) t = layer.Forward(t);
            return t;
        });
        Assert.Contains(apart.Y, v => v == 0f);
        Assert.Equal(apart.Y.Select(BitConverter.SingleToInt32Bits), fused.Y.Select(BitConverter.SingleToInt32Bits));
        for (int i = 0; i < apart.Grads.Length; i++)
            Assert.Equal(apart.Grads[i].Select(BitConverter.SingleToInt32Bits), fused.Grads[i].Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void LinearThenRelu_WrongInputWidth_ThrowsWithShapes()
    {
        Sequential mlp = Mlp.Build(5, [4], 2, Activation.Relu, new Rng(1));
        var e = Assert.Throws<ArgumentException>(() => mlp.Forward(Tensor.Zeros(3, 6)));
        Assert.Contains("[3, 6]", e.Message);
    }
}
