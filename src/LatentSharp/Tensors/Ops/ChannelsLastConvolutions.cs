using LatentSharp.Kernels;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// <see cref="Conv2d(Tensor, Tensor, Tensor?, int, int, ulong, bool)"/> on the channels-last path
    /// (<see cref="ChannelsLastConv"/>): the input's channels-last copy is kept for the weight gradient while the graph lives.
    /// </summary>
    private static unsafe Tensor ChannelsLastConv2d(Tensor x, Tensor w, Tensor? bias, Im2ColGeometry g, int o, bool relu)
    {
        int n = x._shape[0];
        Tensor y = Empty([n, o, g.OutHeight, g.OutWidth]);
        (int hp, int wp) = ChannelsLastConv.Source(g);
        long sourceLength = (long)n * hp * wp * g.Channels;
        bool keep = IsGradEnabled && w.RequiresGrad;
        float[] source = keep ? Empty([checked((int)(sourceLength + ChannelsLastConv.Slack))])._data : ChannelsLastConv.Rent(sourceLength);
        int sourceStart;   // where the aligned layout starts in the array, for the backward to find it even if the array moved
        try
        {
            fixed (float* sourceArray = source, px = x._data, pw = w._data, pb = bias?._data, py = y._data)
            {
                float* ps = ChannelsLastConv.Aligned(sourceArray);
                sourceStart = (int)(ps - sourceArray);
                ChannelsLastConv.ToRows(px, n, g.Channels, g.Height, g.Width, g.Padding, hp, wp, ps);
                ChannelsLastConv.Forward(g, o, n, ps, pw, pb, relu, accumulate: false, py);
            }
        }
        finally
        {
            if (!keep) ChannelsLastConv.Return(source);
        }

        Tensor[] inputs = bias is null ? [x, w] : [x, w, bias];
        return y.Recorded(() =>
        {
            float[]? gb = bias?.GradToAccumulate();
            float[]? gw = w.GradToAccumulate();
            float[]? gx = x.GradToAccumulate(out bool overwrite);
            (int hg, int wg, int border) = ChannelsLastConv.Gradient(g);
            long rows = (long)n * hg * wg;
            float[] gradient = ChannelsLastConv.Rent(rows * o);
            try
            {
                fixed (float* pgy = y.OutputGrad, py = y._data, gradientArray = gradient, sourceArray = keep ? source : null, pw = w._data)
                fixed (float* pgb = gb, pgw = gw, pgx = gx)
                {
                    float* pg = ChannelsLastConv.Aligned(gradientArray), ps = sourceArray is null ? null : sourceArray + sourceStart;
                    // A fused ReLU passes the gradient where its output is positive.
                    ChannelsLastConv.ToRows(pgy, n, o, g.OutHeight, g.OutWidth, border, hg, wg, pg, relu ? py : null, biasGradient: pgb);
                    if (pgw is not null) ChannelsLastConv.WeightGradient(g, o, n, ps, pg, pgw);
                    if (pgx is not null) ChannelsLastConv.Adjoint(g, o, n, pg, pw, null, relu: false, accumulate: !overwrite, pgx);
                }
            }
            finally
            {
                ChannelsLastConv.Return(gradient);
            }
        }, inputs);
    }

    /// <summary>
    /// <see cref="ConvTranspose2d(Tensor, Tensor, Tensor?, int, int, int, bool)"/> on the channels-last path: the adjoint of
    /// the convolution g with <paramref name="c"/> outputs (the input's channels). The input's channels-last copy is kept
    /// for the weight gradient while the graph lives.
    /// </summary>
    private static unsafe Tensor ChannelsLastConvTranspose2d(Tensor x, Tensor w, Tensor? bias, Im2ColGeometry g, int c, bool relu)
    {
        int n = x._shape[0], o = g.Channels;
        Tensor y = Empty([n, o, g.Height, g.Width]);
        (int hg, int wg, int border) = ChannelsLastConv.Gradient(g);
        long inputLength = (long)n * hg * wg * c;
        bool keep = IsGradEnabled && w.RequiresGrad;
        float[] input = keep ? Empty([checked((int)(inputLength + ChannelsLastConv.Slack))])._data : ChannelsLastConv.Rent(inputLength);
        int inputStart;   // where the aligned layout starts in the array, for the backward to find it even if the array moved
        try
        {
            fixed (float* inputArray = input, px = x._data, pw = w._data, pb = bias?._data, py = y._data)
            {
                float* pi = ChannelsLastConv.Aligned(inputArray);
                inputStart = (int)(pi - inputArray);
                ChannelsLastConv.ToRows(px, n, c, g.OutHeight, g.OutWidth, border, hg, wg, pi);
                ChannelsLastConv.Adjoint(g, c, n, pi, pw, pb, relu, accumulate: false, py);
            }
        }
        finally
        {
            if (!keep) ChannelsLastConv.Return(input);
        }

        Tensor[] inputs = bias is null ? [x, w] : [x, w, bias];
        return y.Recorded(() =>
        {
            float[]? gb = bias?.GradToAccumulate();
            float[]? gw = w.GradToAccumulate();
            float[]? gx = x.GradToAccumulate(out bool overwrite);
            (int hp, int wp) = ChannelsLastConv.Source(g);
            long rows = (long)n * hp * wp;
            float[] gradient = ChannelsLastConv.Rent(rows * o);
            try
            {
                fixed (float* pgy = y.OutputGrad, py = y._data, gradientArray = gradient, inputArray = keep ? input : null, pw = w._data)
                fixed (float* pgb = gb, pgw = gw, pgx = gx)
                {
                    float* pg = ChannelsLastConv.Aligned(gradientArray), pi = inputArray is null ? null : inputArray + inputStart;
                    ChannelsLastConv.ToRows(pgy, n, o, g.Height, g.Width, g.Padding, hp, wp, pg, relu ? py : null, biasGradient: pgb);
                    ChannelsLastConv.ForwardAndWeightGradient(g, c, n, pg, pw, accumulate: !overwrite, pgx, pi, pgw);
                }
            }
            finally
            {
                ChannelsLastConv.Return(gradient);
            }
        }, inputs);
    }
}
