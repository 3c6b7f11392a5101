namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Picks one column per row of a 2-D tensor: y[i] = x[i, indices[i]], [N, C] → [N] (axis 1; e.g. the log-probability
    /// of each example's label for cross-entropy). <paramref name="indices"/> is read again in backward, so it must not
    /// change until then.
    /// </summary>
    public Tensor Gather(int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        Tensor x = this;
        if (x.Rank != 2) throw new ArgumentException($"Gather picks a column per row of a 2-D tensor; got {ShapeText(x._shape)}.");
        int rows = x._shape[0], columns = x._shape[1];
        if (indices.Length != rows)
            throw new ArgumentException($"Gather: {indices.Length} indices for {rows} rows of {ShapeText(x._shape)}.", nameof(indices));
        Tensor y = Empty([rows]);
        for (int i = 0; i < rows; i++)
        {
            if ((uint)indices[i] >= (uint)columns)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Gather: index {indices[i]} in row {i} is outside [0, {columns}).");
            y._data[i] = x._data[i * columns + indices[i]];
        }
        return y.Recorded(() =>
        {
            // y[i] = x[i, k_i]  =>  dx[i, k_i] += g[i] (scatter-add)
            if (x.GradToAccumulate() is not { } gx) return;
            float[] g = y.OutputGrad;
            for (int i = 0; i < rows; i++) gx[i * columns + indices[i]] += g[i];
        }, x);
    }
}
