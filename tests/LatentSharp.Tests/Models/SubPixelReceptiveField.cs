using LatentSharp.Tensors;

namespace LatentSharp.Tests.Models;

/// <summary>
/// The receptive-field probe of an autoregressive network over channel-planar images x [B, C, H, W] whose outputs are
/// [B, P, H, W]: every input sub-pixel (c, i) of the images changed in turn (by 97 of 256 levels), output o of pixel j
/// may move only when i &lt; j, or, with G &gt; 1 channel groups (output group o mod G), when i = j and c &lt; o mod G.
/// What moved is gathered over several probes (draws of the weights), so that liveness is asserted over all of them.
/// </summary>
internal sealed class SubPixelReceptiveField(int channels)
{
    private readonly bool[,] _ownPixelSeen = new bool[channels, channels];   // [input channel, output group]
    private bool _previousPixelSeen;
    private int _groups = 1;

    /// <summary>Probes <paramref name="outputs"/> (x → [B, P·H·W]) at images <paramref name="x"/> [B, C·H·W] and asserts that nothing sees its own or a later sub-pixel.</summary>
    public void Probe(Func<Tensor, float[]> outputs, Tensor x, int plane, int outputsPerPixel, int groups, string label)
    {
        _groups = groups;
        int b = x.Dim(0), d = channels * plane, p = outputsPerPixel;
        float[] reference = outputs(x);
        for (int c = 0; c < channels; c++)
        for (int i = 0; i < plane; i++)
        {
            var changed = (float[])x.Data.Clone();
            for (int r = 0; r < b; r++) changed[r * d + c * plane + i] = (MathF.Round(changed[r * d + c * plane + i] * 255f) + 97) % 256 / 255f;
            float[] moved = outputs(Tensor.FromArray(changed, b, d));
            for (int r = 0; r < b; r++)
            for (int o = 0; o < p; o++)
            for (int j = 0; j < plane; j++)
            {
                int at = (r * p + o) * plane + j;
                if (moved[at] == reference[at]) continue;
                int group = o % groups;
                bool allowed = i < j || (i == j && groups > 1 && c < group);
                Assert.True(allowed, $"{label}: output {o} of pixel {j} moves with sub-pixel {c} of pixel {i}");
                if (i == j) _ownPixelSeen[c, group] = true;
                if (j == i + 1) _previousPixelSeen = true;
            }
        }
    }

    /// <summary>Some output of the probes moved with the pixel before it, and each colour group with every earlier sub-pixel of its own pixel.</summary>
    public void AssertLive()
    {
        Assert.True(_previousPixelSeen, "no output sees the pixel before it");
        if (_groups > 1)
            for (int g = 1; g < channels; g++)
            for (int c = 0; c < g; c++)
                Assert.True(_ownPixelSeen[c, g], $"output group {g} never sees sub-pixel {c} of its own pixel");
    }
}
