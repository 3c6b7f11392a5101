using LatentSharp.Tensors;

namespace LatentSharp.Evaluation;

/// <summary>
/// Fills <paramref name="destination"/> [b, k] row-major with log importance weights log p(x_i, z_ik) − log q(z_ik | x_i),
/// z_ik ~ q(z | x_i) drawn from <paramref name="rng"/>, for the first <paramref name="b"/> rows of <paramref name="x"/>
/// ([≥ b, D] row-major; extra rows must be ignored). What <see cref="ImportanceSampledNll"/> consumes, so that any model
/// (a neural VAE, <see cref="Models.ProbabilisticPca"/>, a test double) can be evaluated the same way.
/// </summary>
public delegate void LogWeightsSource(float[] x, int b, int k, Rng rng, double[] destination);
