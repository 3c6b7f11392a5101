namespace LatentSharp.Nn;

/// <summary>
/// The connectivity of a MADE network (Germain et al. 2015) over L ordered variables: every input and output has a degree
/// (its place in the order, 1…L), every hidden unit a degree in 1…L−1; a hidden unit sees the inputs of degree at most its
/// own, and an output sees the hidden units of degree strictly below its own. So output i depends only on the inputs that
/// come before variable i in the order: the Jacobian of the outputs with respect to the inputs is strictly triangular.
/// </summary>
public static class MadeMasks
{
    /// <summary>The degrees of the L variables: 1…L in order, or L…1 when <paramref name="reversed"/>.</summary>
    public static int[] VariableDegrees(int variables, bool reversed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(variables);
        return [.. Enumerable.Range(0, variables).Select(j => reversed ? variables - j : j + 1)];
    }

    /// <summary>
    /// The degrees of <paramref name="units"/> hidden units cycling through 1…L−1 (1 when L = 1, where no output sees
    /// any input), so that every degree is present when there are at least L−1 units.
    /// </summary>
    public static int[] HiddenDegrees(int units, int variables)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(variables);
        int span = Math.Max(1, variables - 1);
        return [.. Enumerable.Range(0, units).Select(k => k % span + 1)];
    }

    /// <summary>A hidden layer's mask: unit k sees input j when degree(k) ≥ degree(j). [out, in]</summary>
    public static bool[,] Hidden(int[] outputDegrees, int[] inputDegrees) => Mask(outputDegrees, inputDegrees, (o, i) => o >= i);

    /// <summary>The output layer's mask: output i sees hidden unit k when degree(i) &gt; degree(k). [out, in]</summary>
    public static bool[,] Output(int[] outputDegrees, int[] inputDegrees) => Mask(outputDegrees, inputDegrees, (o, i) => o > i);

    private static bool[,] Mask(int[] outputDegrees, int[] inputDegrees, Func<int, int, bool> connected)
    {
        ArgumentNullException.ThrowIfNull(outputDegrees);
        ArgumentNullException.ThrowIfNull(inputDegrees);
        var mask = new bool[outputDegrees.Length, inputDegrees.Length];
        for (int o = 0; o < outputDegrees.Length; o++)
            for (int i = 0; i < inputDegrees.Length; i++) mask[o, i] = connected(outputDegrees[o], inputDegrees[i]);
        return mask;
    }
}
