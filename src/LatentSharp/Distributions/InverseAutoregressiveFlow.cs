using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>
/// Inverse autoregressive flow (Kingma et al. 2016): K steps, each a MADE network over z conditioned on the encoder's
/// context h giving m and s with m_i, s_i depending only on the z_j before z_i in the step's order, and the numerically
/// stable LSTM-type update σ = sigmoid(s), z ← σ ⊙ z + (1 − σ) ⊙ m. The Jacobian is triangular with diagonal σ, so
/// log|det| = Σ log σ exactly. The order is reversed from one step to the next (the MADE degrees run L…1 in the odd
/// steps), which is the paper's reversal of z without moving any data.
/// Each step: z [B, L] → MaskedLinear → (+ Linear(h)) → ELU → MaskedLinear → ELU → MaskedLinear ×2 → m, s [B, L].
/// </summary>
public sealed class InverseAutoregressiveFlow : Module, IPosteriorFlow
{
    // Added to s so that σ starts near sigmoid(1.5) ≈ 0.82: each step begins close to the identity, as the paper advises.
    private const float ForgetBias = 1.5f;

    private readonly Step[] _steps;

    /// <summary>K steps over L dimensions with MADE hidden layers of <paramref name="hidden"/> units and a context of <paramref name="contextSize"/> values.</summary>
    public InverseAutoregressiveFlow(int steps, int latentSize, int hidden, int contextSize, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(latentSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(contextSize);
        ArgumentNullException.ThrowIfNull(rng);
        LatentSize = latentSize;
        ContextSize = contextSize;
        _steps = new Step[steps];
        for (int k = 0; k < steps; k++) _steps[k] = RegisterModule($"step{k}", new Step(latentSize, hidden, contextSize, reversed: k % 2 == 1, rng));
    }

    /// <inheritdoc/>
    public string Name => "iaf";

    /// <inheritdoc/>
    public int Steps => _steps.Length;

    /// <summary>L, the latent dimensions.</summary>
    public int LatentSize { get; }

    /// <inheritdoc/>
    public int ContextSize { get; }

    /// <summary>m and s of step k for z [B, L] and the context [B, C]: the autoregressive network alone. [B, L] each</summary>
    public (Tensor M, Tensor S) Shift(int step, Tensor z, Tensor context) => _steps[step].Forward(z, context);

    /// <inheritdoc/>
    public (Tensor Z, Tensor LogDeterminant) Forward(Tensor z0, Tensor? context)
    {
        ArgumentNullException.ThrowIfNull(z0);
        if (z0.Rank != 2 || z0.Dim(1) != LatentSize)
            throw new ArgumentException($"The IAF over {LatentSize} dimensions expects z [B, {LatentSize}]; got {Tensor.ShapeText(z0.Shape)}.", nameof(z0));
        if (context is null || context.Rank != 2 || context.Dim(0) != z0.Dim(0) || context.Dim(1) != ContextSize)
            throw new ArgumentException($"The IAF expects a context [{z0.Dim(0)}, {ContextSize}] from the encoder; got {(context is null ? "none" : Tensor.ShapeText(context.Shape))}.", nameof(context));
        Tensor z = z0, logDeterminant = Tensor.Zeros(z0.Dim(0));
        foreach (Step step in _steps)
        {
            var (m, s) = step.Forward(z, context);
            Tensor gate = s + ForgetBias;
            Tensor sigma = gate.Sigmoid();                          // [B, L]
            z = sigma * z + (1f - sigma) * m;
            logDeterminant = logDeterminant + gate.LogSigmoid().Sum(1);   // Σ log σ, [B]
        }
        return (z, logDeterminant);
    }

    /// <summary>One MADE network with its context input: z [B, L], h [B, C] → m, s [B, L].</summary>
    private sealed class Step : Module
    {
        private readonly MaskedLinear _input, _hidden, _mean, _scale;
        private readonly Linear _context;

        public Step(int latentSize, int hidden, int contextSize, bool reversed, Rng rng)
        {
            int[] variables = MadeMasks.VariableDegrees(latentSize, reversed);
            int[] units = MadeMasks.HiddenDegrees(hidden, latentSize);
            _input = RegisterModule("input", new MaskedLinear(MadeMasks.Hidden(units, variables), rng));
            _context = RegisterModule("context", new Linear(contextSize, hidden, rng, bias: false));
            _hidden = RegisterModule("hidden", new MaskedLinear(MadeMasks.Hidden(units, units), rng));
            _mean = RegisterModule("mean", new MaskedLinear(MadeMasks.Output(variables, units), rng));
            _scale = RegisterModule("scale", new MaskedLinear(MadeMasks.Output(variables, units), rng));
        }

        public (Tensor M, Tensor S) Forward(Tensor z, Tensor context)
        {
            Tensor h = (_input.Forward(z) + _context.Forward(context)).Elu();   // [B, H]
            h = _hidden.Forward(h).Elu();                                        // [B, H]
            return (_mean.Forward(h), _scale.Forward(h));                        // [B, L] each
        }
    }
}
