using System.Globalization;
using LatentSharp.Models.Catalog;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// From a kind's name and settings to a <see cref="ModelSpec"/>, and from a spec to a freshly initialised model, through
/// the <see cref="ModelKind"/> entry of each kind. The built-in kinds are registered from the start; a library user adds
/// a kind with <see cref="Register"/>, and front ends, checkpoints and the trainer then know it by name.
/// </summary>
public static class ModelCatalog
{
    /// <summary>The priors a VAE kind can use (<see cref="ModelSpec.Prior"/>). Declared before the kinds, whose options list them.</summary>
    public static IReadOnlyList<(string Name, string Description)> Priors { get; } =
    [
        ("standard-normal", "N(0, I), closed-form KL"),
        ("mog", "learnable mixture of K Gaussians, Monte Carlo KL"),
        ("vamp", "VampPrior: mixture of the posteriors at K learnable pseudo-inputs, Monte Carlo KL"),
        ("realnvp", "RealNVP flow: K affine couplings mapping z to N(0, I), learned with the model, Monte Carlo KL"),
    ];

    private static readonly Lock Gate = new();
    private static ModelKind[] _kinds =
    [
        new VaeKind(), new AutoencoderKind(), new ConvVaeKind(), new ConditionalVaeKind(),
        new HierarchicalVaeKind(convolutional: false), new HierarchicalVaeKind(convolutional: true), new PixelCnnKind(),
        new GatedPixelCnnKind(conditional: false), new GatedPixelCnnKind(conditional: true), new PixelRnnKind(diagonal: false),
        new PixelRnnKind(diagonal: true),
    ];

    /// <summary>Every registered kind, the built-in ones first, in the order of registration.</summary>
    public static IReadOnlyList<ModelKind> Kinds => Volatile.Read(ref _kinds);

    /// <summary>The name and one-line description of every registered kind.</summary>
    public static IEnumerable<(string Kind, string Description)> Available => Kinds.Select(k => (k.Name, k.Description));

    /// <summary>The largest width of any layer, latent size, channel count or number of prior components.</summary>
    public const int MaxWidth = 1 << 20;

    /// <summary>The most parameters a model may have: 1 GB of float32 weights (about 4 GB while training with Adam).</summary>
    public const long MaxParameters = 1L << 28;

    /// <summary>
    /// Adds <paramref name="kind"/> to the catalog until the returned registration is disposed (a plug-in that lives as long
    /// as the process may ignore it). Its name must be new.
    /// </summary>
    public static IDisposable Register(ModelKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        lock (Gate)
        {
            if (_kinds.Any(k => k.Name == kind.Name)) throw new ArgumentException($"The model catalog has a kind named \"{kind.Name}\" already.", nameof(kind));
            foreach (ModelOption option in kind.Options)
            {
                if (_kinds.SelectMany(k => k.Options).FirstOrDefault(o => o.Name == option.Name) is { } known && (known.Setting, known.ValueType) != (option.Setting, option.ValueType))
                    throw new ArgumentException($"The option \"{option.Name}\" of \"{kind.Name}\" sets {option.Setting} ({option.ValueType.Name}); other kinds' option of that name sets {known.Setting} ({known.ValueType.Name}).", nameof(kind));
            }
            Volatile.Write(ref _kinds, [.. _kinds, kind]);
        }
        return new Registration(kind);
    }

    private sealed class Registration(ModelKind kind) : IDisposable
    {
        public void Dispose()
        {
            lock (Gate) Volatile.Write(ref _kinds, [.. _kinds.Where(k => k != kind)]);
        }
    }

    /// <summary>The entry of the kind named <paramref name="name"/>, or null.</summary>
    public static ModelKind? Find(string name) => Kinds.FirstOrDefault(k => k.Name == name);

    /// <summary>The entry of <paramref name="name"/>; an unknown name is an <see cref="InvalidSettingException"/> listing the known ones.</summary>
    public static ModelKind Get(string name) => Find(name)
        ?? throw new InvalidSettingException(nameof(ModelSpec.Kind), $"Unknown model kind \"{name}\"; known kinds: {string.Join(", ", Kinds.Select(k => k.Name))}.");

    /// <summary>
    /// The spec of a <paramref name="kind"/> with the settings a user gave (by <see cref="ModelOption.Name"/>; values of the
    /// option's <see cref="ModelOption.ValueType"/>) over the kind's defaults, validated. A setting the kind does not take is
    /// refused, naming the kinds that do: it would be silently ignored otherwise.
    /// </summary>
    public static ModelSpec Configure(string kind, IEnumerable<KeyValuePair<string, object>> settings)
    {
        ModelKind entry = Get(kind);
        ModelSpec spec = entry.Defaults with { Kind = entry.Name };
        foreach (var (name, value) in settings)
        {
            ModelOption option = entry.Options.FirstOrDefault(o => o.Name == name) ?? throw NotTaken(entry, name);
            spec = option.With(spec, value);
        }
        Validate(spec);
        return spec;
    }

    private static Exception NotTaken(ModelKind entry, string name)
    {
        var takers = Kinds.Where(k => k.Options.Any(o => o.Name == name)).ToList();
        if (takers.Count == 0) return new ArgumentException($"No model kind has an option named \"{name}\".", nameof(name));
        string setting = takers[0].Options.First(o => o.Name == name).Setting;
        return new InvalidSettingException(setting,
            $"A \"{entry.Name}\" does not take the {name} option ({Or(takers.Select(k => k.Name))} {(takers.Count == 1 ? "does" : "do")}); leave it out.");
    }

    /// <summary>
    /// The spec trained on images of <paramref name="channels"/> × <paramref name="height"/> × <paramref name="width"/> with
    /// <paramref name="classes"/> classes (a conditional kind takes the classes, the others none), refused with an
    /// <see cref="InvalidSettingException"/> when the kind cannot model such images (<see cref="ModelKind.ValidateImages"/>).
    /// </summary>
    public static ModelSpec ForData(ModelSpec spec, int channels, int height, int width, int classes)
    {
        ModelKind entry = Get(spec.Kind);
        spec = spec with { Channels = channels, Height = height, Width = width, Classes = entry.IsConditional ? classes : 0 };
        ValidateImages(entry, spec);
        return spec;
    }

    /// <summary>
    /// Checks the settings that do not depend on the data (the kind, the sizes and their limits, the kind's own rules and
    /// choices), so that a front end can refuse them before loading anything. <see cref="Build"/> checks them again, with the rest.
    /// </summary>
    public static void Validate(ModelSpec spec)
    {
        ModelKind entry = Get(spec.Kind);
        if (spec.LatentSize < 1 || spec.LatentSize > MaxWidth)
            throw new InvalidSettingException(nameof(ModelSpec.LatentSize), $"The latent size must be from 1 to {MaxWidth}, not {spec.LatentSize}.");
        CheckWidths(spec.Hidden, nameof(ModelSpec.Hidden), "Hidden layer widths");
        CheckWidths(spec.ConvChannels, nameof(ModelSpec.ConvChannels), "Convolution channels");
        CheckWidths(spec.LatentSizes, nameof(ModelSpec.LatentSizes), "Stochastic layer sizes");
        if (spec.PixelCnnChannels > MaxWidth)
            throw new InvalidSettingException(nameof(ModelSpec.PixelCnnChannels), $"The pixelcnn's channels must be at most {MaxWidth}, not {spec.PixelCnnChannels}.");
        if (spec.FlowHidden < 1 || spec.FlowHidden > MaxWidth)
            throw new InvalidSettingException(nameof(ModelSpec.FlowHidden), $"The flows' hidden width must be from 1 to {MaxWidth}, not {spec.FlowHidden}.");
        if (spec.PriorComponents > MaxWidth)
            throw new InvalidSettingException(nameof(ModelSpec.PriorComponents), $"The prior's components must be at most {MaxWidth}, not {spec.PriorComponents}.");
        if (spec.Classes < 0) throw new InvalidSettingException(nameof(ModelSpec.Classes), $"The number of classes must not be negative, not {spec.Classes}.");
        if (!entry.IsConditional && spec.Classes != 0)
            throw new InvalidSettingException(nameof(ModelSpec.Classes),
                $"Only a conditional kind ({Or(Kinds.Where(k => k.IsConditional).Select(k => k.Name))}) is conditioned on classes; a \"{spec.Kind}\" has Classes = 0, not {spec.Classes}.");
        entry.Validate(spec);
        foreach (ModelOption option in entry.Options.Where(o => o.Choices.Count > 0))
        {
            string value = option.Format(spec);
            if (option.Choices.Contains(value)) continue;
            var elsewhere = Kinds.Where(k => k.Options.Any(o => o.Name == option.Name && o.Choices.Contains(value))).Select(k => k.Name).ToList();
            string hint = elsewhere.Count > 0 ? $"; \"{value}\" is for {Or(elsewhere)}" : "";
            throw new InvalidSettingException(option.Setting, $"A {spec.Kind}'s {option.Name} is one of {string.Join(", ", option.Choices)}, not \"{value}\"{hint}.");
        }
    }

    /// <summary>A freshly initialised model of <paramref name="spec"/>, drawing its weights from <paramref name="rng"/>; throws <see cref="InvalidSettingException"/> for an unknown kind, a spec its kind refuses or a model too large for memory.</summary>
    public static LatentModel Build(ModelSpec spec, Rng rng)
    {
        Validate(spec);
        ModelKind entry = Get(spec.Kind);
        ValidateImages(entry, spec);
        double parameters = entry.EstimatedParameters(spec);
        if (parameters > MaxParameters)
            throw new InvalidSettingException(LargestSetting(entry, spec),
                $"The model would have about {parameters.ToString("0.#e0", CultureInfo.InvariantCulture)} parameters on {spec.Height}x{spec.Width} images; at most {MaxParameters} fit in memory. Use smaller widths.");
        return entry.Build(spec, rng);
    }

    /// <summary>The one-line description of <paramref name="spec"/>'s architecture, by its kind's entry.</summary>
    public static string Describe(ModelSpec spec) =>
        Find(spec.Kind)?.Describe(spec) ?? $"{spec.Kind} {spec.Channels}x{spec.Height}x{spec.Width}";

    private static void ValidateImages(ModelKind entry, ModelSpec spec)
    {
        if (spec.Channels < 1 || spec.Height < 1 || spec.Width < 1 || (long)spec.Channels * spec.Height * spec.Width > int.MaxValue)
            throw new InvalidSettingException(nameof(ModelSpec.Channels), $"Images of {spec.Channels}x{spec.Height}x{spec.Width} cannot be modelled: each of channels, height and width must be at least 1, and their product fit in an int.");
        entry.ValidateImages(spec);
    }

    private static void CheckWidths(int[] widths, string setting, string what)
    {
        if (widths.Any(w => w < 1 || w > MaxWidth))
            throw new InvalidSettingException(setting, $"{what} must be from 1 to {MaxWidth}: [{string.Join(", ", widths)}].");
    }

    /// <summary>The size setting of the kind with the largest value: the one to lower when the model is too large.</summary>
    private static string LargestSetting(ModelKind entry, ModelSpec spec) =>
        entry.Options.Where(o => o.IsSize && o.InUse(spec)).MaxBy(o => o.SizeIn(spec))?.Setting ?? nameof(ModelSpec.Kind);

    /// <summary>"a", "a or b", "a, b or c".</summary>
    private static string Or(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count <= 1 ? string.Concat(list) : $"{string.Join(", ", list[..^1])} or {list[^1]}";
    }
}
