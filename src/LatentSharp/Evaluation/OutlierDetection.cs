namespace LatentSharp.Evaluation;

/// <summary>
/// Separating an in-distribution test set from an out-of-distribution one by a per-image score.
/// Convention everywhere: a <b>higher score means more anomalous</b>, and out-of-distribution is the positive class.
/// So AUROC = P(score_out &gt; score_in) + ½ P(score_out = score_in); 0.5 is chance, and a value far below 0.5 means
/// the score ranks the wrong way (as raw likelihood does for Fashion-MNIST in, MNIST out).
/// </summary>
public static class OutlierDetection
{
    /// <summary>
    /// AUROC by the Mann–Whitney U statistic with average ranks for ties (tied pairs count ½), exact and O(n log n).
    /// </summary>
    public static double Auroc(ReadOnlySpan<double> inDistribution, ReadOnlySpan<double> outOfDistribution)
    {
        int nIn = inDistribution.Length, nOut = outOfDistribution.Length;
        if (nIn == 0 || nOut == 0) throw new ArgumentException("AUROC needs at least one score on each side.");
        var all = new (double Score, bool IsOut)[nIn + nOut];
        for (int i = 0; i < nIn; i++) all[i] = (CheckScore(inDistribution[i]), false);
        for (int i = 0; i < nOut; i++) all[nIn + i] = (CheckScore(outOfDistribution[i]), true);
        Array.Sort(all, (a, b) => a.Score.CompareTo(b.Score));

        double rankSumOut = 0;
        for (int start = 0; start < all.Length;)
        {
            int end = start;
            while (end < all.Length && all[end].Score == all[start].Score) end++;
            double averageRank = (start + 1 + end) / 2.0; // ranks start+1 .. end share their mean
            for (int i = start; i < end; i++) if (all[i].IsOut) rankSumOut += averageRank;
            start = end;
        }
        double u = rankSumOut - nOut * (nOut + 1) / 2.0;
        return u / ((double)nIn * nOut);
    }

    /// <summary>
    /// The false-positive rate at the highest threshold t whose true-positive rate is at least <paramref name="tpr"/>:
    /// an image is flagged when its score ≥ t; t is the ⌈tpr · n_out⌉-th largest out-of-distribution score, and the result
    /// is the fraction of in-distribution scores ≥ t (ties with t count as flagged).
    /// </summary>
    public static double FalsePositiveRateAtTruePositiveRate(ReadOnlySpan<double> inDistribution, ReadOnlySpan<double> outOfDistribution,
        double tpr = 0.95)
    {
        if (inDistribution.IsEmpty || outOfDistribution.IsEmpty) throw new ArgumentException("Need at least one score on each side.");
        if (!(tpr > 0 && tpr <= 1)) throw new ArgumentOutOfRangeException(nameof(tpr), tpr, "must be in (0, 1]");
        double[] outSorted = outOfDistribution.ToArray();
        foreach (double s in outSorted) CheckScore(s);
        Array.Sort(outSorted);
        Array.Reverse(outSorted);
        int needed = (int)Math.Ceiling(tpr * outSorted.Length - 1e-9); // the 1e-9 keeps 0.95 * 20 = 19, not 20
        double threshold = outSorted[Math.Clamp(needed, 1, outSorted.Length) - 1];
        int falsePositives = 0;
        foreach (double s in inDistribution) if (CheckScore(s) >= threshold) falsePositives++;
        return (double)falsePositives / inDistribution.Length;
    }

    /// <summary>The raw likelihood score: −log p_model(x) per image (higher = less likely = more anomalous).</summary>
    public static double[] NegativeLogLikelihoodScores(ReadOnlySpan<double> logModel)
    {
        var scores = new double[logModel.Length];
        for (int i = 0; i < scores.Length; i++) scores[i] = -logModel[i];
        return scores;
    }

    /// <summary>
    /// The likelihood-ratio score −(log p_model(x) − log p_background(x)) per image. The background model explains what
    /// the raw likelihood is dominated by but says nothing about the in-distribution class structure (pixel-level
    /// statistics, e.g. how many pixels are off); the ratio keeps only what the model knows beyond that.
    /// See <see cref="PixelBernoulliBackground"/>.
    /// </summary>
    public static double[] LikelihoodRatioScores(ReadOnlySpan<double> logModel, ReadOnlySpan<double> logBackground)
    {
        if (logModel.Length != logBackground.Length)
            throw new ArgumentException($"Need one background log-likelihood per image: {logModel.Length} vs {logBackground.Length}.");
        var scores = new double[logModel.Length];
        for (int i = 0; i < scores.Length; i++) scores[i] = -(logModel[i] - logBackground[i]);
        return scores;
    }

    private static double CheckScore(double score) =>
        double.IsNaN(score) ? throw new ArgumentException("A score is NaN; AUROC has no ranking for it.") : score;
}
