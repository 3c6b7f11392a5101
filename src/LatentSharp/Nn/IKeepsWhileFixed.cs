namespace LatentSharp.Nn;

/// <summary>
/// A module that can keep results computed from the model's parameters alone while <see cref="Module.FixParameters"/>
/// holds them fixed, instead of recomputing them on every no-gradient call.
/// </summary>
public interface IKeepsWhileFixed
{
    /// <summary>A fixed scope opens (scopes nest): what is computed from now on may be kept.</summary>
    void Fix();

    /// <summary>A fixed scope closes: once the last one has, what was kept is dropped.</summary>
    void Release();
}
