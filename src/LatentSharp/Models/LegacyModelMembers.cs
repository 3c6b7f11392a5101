using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// The flag-style members of the model contract before capabilities, on any <see cref="LatentModel"/>. Only the evaluation
/// and <c>latent train</c>'s summary line still use them; they go when those ask for capabilities.
/// </summary>
public static class LegacyModelMembers
{
    extension(LatentModel model)
    {
        /// <summary>L for a model with a latent space; the spec's latent size otherwise (unused by such a model).</summary>
        public int LatentSize => model.As<ILatentSpace>()?.LatentSize ?? model.Spec.LatentSize;

        /// <summary>True when the model has <see cref="ILatentSpace"/>.</summary>
        public bool HasLatentSpace => model.Has<ILatentSpace>();

        /// <summary>True when the model has <see cref="IConditional"/>.</summary>
        public bool IsConditional => model.Has<IConditional>();

        /// <summary>C of a conditional model, 0 otherwise.</summary>
        public int Classes => model.As<IConditional>()?.Classes ?? 0;

        /// <summary><see cref="ILatentSpace.Encode"/>; throws <see cref="UnsupportedByModelException"/> for a model without a latent space.</summary>
        public Tensor Encode(Tensor x, Tensor? condition = null) => model.Require<ILatentSpace>("Encode").Encode(x, condition);
    }
}
