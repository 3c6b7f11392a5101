using System.Globalization;

namespace LatentSharp.Models.Catalog;

/// <summary>
/// One setting a model kind takes: its name, the <see cref="ModelSpec"/> property it sets, what it means, and for text
/// settings the values the kind accepts. The kind's default is the value in its <see cref="ModelKind.Defaults"/>.
/// A front end turns each option into one of its own (the command line's <c>--</c> + <see cref="Name"/>); values are
/// <see cref="int"/>, <see cref="float"/>, <see cref="int"/>[] (a list of widths) or <see cref="string"/>.
/// </summary>
public abstract record ModelOption
{
    private protected ModelOption(string name, string setting, string help, IReadOnlyList<string>? choices)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(setting);
        Name = name;
        Setting = setting;
        Help = help;
        Choices = choices ?? [];
    }

    /// <summary>The option's name, lower-case words joined by '-': "hidden", "latent-sizes".</summary>
    public string Name { get; }

    /// <summary>The <see cref="ModelSpec"/> property it sets (e.g. "Hidden"): the <see cref="InvalidSettingException.Setting"/> of its errors.</summary>
    public string Setting { get; }

    /// <summary>What the setting means, one or two sentences.</summary>
    public string Help { get; }

    /// <summary>The values a text setting may take for this kind; empty for the other types.</summary>
    public IReadOnlyList<string> Choices { get; }

    /// <summary>A width, channel count or component count: one of the settings to lower when a model is too large.</summary>
    public bool IsSize { get; init; }

    /// <summary>Whether the spec's other settings make this one matter (e.g. the pixelcnn channels only with the pixelcnn likelihood).</summary>
    public Func<ModelSpec, bool> InUse { get; init; } = _ => true;

    /// <summary><see cref="int"/>, <see cref="float"/>, <see cref="int"/>[] or <see cref="string"/>.</summary>
    public abstract Type ValueType { get; }

    /// <summary>The setting's value in <paramref name="spec"/>.</summary>
    public abstract object ValueIn(ModelSpec spec);

    /// <summary><paramref name="spec"/> with this setting set to <paramref name="value"/>, a <see cref="ValueType"/>.</summary>
    public abstract ModelSpec With(ModelSpec spec, object value);

    /// <summary>The setting's value in <paramref name="spec"/> as text: "400", "64,32", "bernoulli".</summary>
    public string Format(ModelSpec spec) => ValueIn(spec) switch
    {
        int[] widths => string.Join(",", widths),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        var value => value.ToString() ?? "",
    };

    /// <summary>A size setting (<see cref="IsSize"/>), as a number to compare: a list counts by its largest width.</summary>
    internal long SizeIn(ModelSpec spec) => ValueIn(spec) switch
    {
        int[] widths => widths.DefaultIfEmpty().Max(),
        int value => value,
        _ => 0,
    };
}

/// <summary>A <see cref="ModelOption"/> whose value is a <typeparamref name="T"/>, read and set through <see cref="ModelSpec"/>.</summary>
public sealed record ModelOption<T> : ModelOption where T : notnull
{
    private readonly Func<ModelSpec, T> _get;
    private readonly Func<ModelSpec, T, ModelSpec> _set;

    /// <summary>An option named <paramref name="name"/> setting the <see cref="ModelSpec"/> property <paramref name="setting"/> through <paramref name="get"/> and <paramref name="set"/>; throws <see cref="ArgumentException"/> unless T is int, float, int[] or string, or when a non-text option has choices.</summary>
    public ModelOption(string name, string setting, string help, Func<ModelSpec, T> get, Func<ModelSpec, T, ModelSpec> set, IReadOnlyList<string>? choices = null)
        : base(name, setting, help, choices)
    {
        if (typeof(T) != typeof(int) && typeof(T) != typeof(float) && typeof(T) != typeof(int[]) && typeof(T) != typeof(string))
            throw new ArgumentException($"A model option holds an int, a float, an int[] or a string, not a {typeof(T).Name}.", nameof(T));
        if (choices is { Count: > 0 } && typeof(T) != typeof(string))
            throw new ArgumentException("Only a text option has choices.", nameof(choices));
        _get = get;
        _set = set;
    }

    /// <inheritdoc/>
    public override Type ValueType => typeof(T);

    /// <inheritdoc/>
    public override object ValueIn(ModelSpec spec) => _get(spec);

    /// <inheritdoc/>
    public override ModelSpec With(ModelSpec spec, object value) => _set(spec, (T)value);
}
