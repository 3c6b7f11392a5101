using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>
/// A RealNVP prior (Dinh et al. 2017) learned with the model: K affine coupling layers f map z to ε = f(z), and
/// log p(z) = log N(f(z); 0, I) + log|det ∂f/∂z|. Coupling k keeps the dimensions of its mask (alternately the even
/// and the odd ones) and moves the others, y = z_a + (1 − a) ⊙ (z ⊙ exp(s(z_a)) + t(z_a)) with z_a = a ⊙ z, so its
/// log-determinant is Σ (1 − a) ⊙ s exactly; s = tanh(·) keeps the scales within e^±1 per layer. It is invertible in
/// closed form, z = y_a + (1 − a) ⊙ (y − t(y_a)) ⊙ exp(−s(y_a)), which is how <see cref="Sample"/> draws. The last
/// layer of each coupling network starts at zero, so the prior starts as N(0, I). No closed-form KL.
/// Each coupling network: z_a [B, L] → Linear → tanh → Linear → [B, 2L] (s, t).
/// </summary>
public sealed class RealNvpPrior : Module, IPrior
{
    private readonly Coupling[] _couplings;
    private readonly StandardNormalPrior _base;   // the distribution of ε = f(z)

    /// <summary>K coupling layers over L dimensions, each network with one hidden layer of <paramref name="hidden"/> units.</summary>
    public RealNvpPrior(int couplings, int latentSize, int hidden, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(couplings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(latentSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        ArgumentNullException.ThrowIfNull(rng);
        LatentSize = latentSize;
        _base = new StandardNormalPrior(latentSize);
        _couplings = new Coupling[couplings];
        for (int k = 0; k < couplings; k++) _couplings[k] = RegisterModule($"coupling{k}", new Coupling(latentSize, hidden, parity: k % 2, rng));
    }

    /// <summary>L, the latent dimensions.</summary>
    public int LatentSize { get; }

    /// <summary>K, the number of coupling layers.</summary>
    public int Couplings => _couplings.Length;

    /// <inheritdoc/>
    public string Name => "flow";

    /// <inheritdoc/>
    public bool HasClosedFormKl => false;

    /// <summary>Coupling k's network weights, for tests that move the flow away from its identity start. </summary>
    public IEnumerable<Tensor> CouplingParameters(int k) => _couplings[k].Parameters();

    /// <summary>ε = f(z) and log|det ∂f/∂z|. [B, L] → [B, L], [B]</summary>
    public (Tensor Epsilon, Tensor LogDeterminant) ToBase(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (z.Rank != 2 || z.Dim(1) != LatentSize)
            throw new ArgumentException($"The flow prior over {LatentSize} dimensions expects z [B, {LatentSize}]; got {Tensor.ShapeText(z.Shape)}.", nameof(z));
        Tensor y = z, logDeterminant = Tensor.Zeros(z.Dim(0));
        foreach (Coupling coupling in _couplings)
        {
            (y, Tensor stepLogDeterminant) = coupling.Forward(y);
            logDeterminant = logDeterminant + stepLogDeterminant;
        }
        return (y, logDeterminant);
    }

    /// <summary>z = f⁻¹(ε), the couplings undone in reverse order. [B, L] → [B, L]</summary>
    public Tensor FromBase(Tensor epsilon)
    {
        ArgumentNullException.ThrowIfNull(epsilon);
        Tensor z = epsilon;
        for (int k = _couplings.Length - 1; k >= 0; k--) z = _couplings[k].Inverse(z);
        return z;
    }

    /// <summary>log p(z) = log N(f(z); 0, I) + log|det ∂f/∂z|. [B, L] → [B]</summary>
    public Tensor LogProb(Tensor z)
    {
        var (epsilon, logDeterminant) = ToBase(z);
        return _base.LogProb(epsilon) + logDeterminant;
    }

    /// <summary>n draws z = f⁻¹(ε), ε ~ N(0, I). A constant (no gradient). [n, L]</summary>
    public Tensor Sample(int n, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentNullException.ThrowIfNull(rng);
        Tensor epsilon = _base.Sample(n, rng);
        using (Tensor.NoGrad()) return FromBase(epsilon).Detach();
    }

    /// <summary>One affine coupling: the dimensions j with j % 2 == parity condition the others.</summary>
    private sealed class Coupling : Module
    {
        private readonly Tensor _kept, _moved;   // [L] masks a and 1 − a, constants
        private readonly Linear _hidden, _output;
        private readonly int _latentSize;

        public Coupling(int latentSize, int hidden, int parity, Rng rng)
        {
            _latentSize = latentSize;
            var kept = new float[latentSize];
            for (int j = 0; j < latentSize; j++) kept[j] = j % 2 == parity ? 1f : 0f;
            _kept = Tensor.FromArray(kept, latentSize);
            _moved = Tensor.FromArray([.. kept.Select(a => 1f - a)], latentSize);
            _hidden = RegisterModule("hidden", new Linear(latentSize, hidden, rng));
            _output = RegisterModule("output", new Linear(hidden, 2 * latentSize, rng));
            Array.Clear(_output.Weight.Data);
            Array.Clear(_output.Bias!.Data);
        }

        /// <summary>log-scale s and shift t from the kept dimensions, zero on them. [B, L] → [B, L] each</summary>
        private (Tensor S, Tensor T) ScaleAndShift(Tensor keptPart)
        {
            Tensor st = _output.Forward(_hidden.Forward(keptPart).Tanh());   // [B, 2L]
            return (st.Slice(1, 0, _latentSize).Tanh() * _moved, st.Slice(1, _latentSize, _latentSize) * _moved);
        }

        public (Tensor Y, Tensor LogDeterminant) Forward(Tensor z)
        {
            Tensor keptPart = z * _kept;
            var (s, t) = ScaleAndShift(keptPart);
            return (keptPart + (z * s.Exp() + t) * _moved, s.Sum(1));
        }

        public Tensor Inverse(Tensor y)
        {
            Tensor keptPart = y * _kept;
            var (s, t) = ScaleAndShift(keptPart);
            return keptPart + (y - t) * (-s).Exp() * _moved;
        }
    }
}
