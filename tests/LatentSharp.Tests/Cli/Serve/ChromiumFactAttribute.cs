namespace LatentSharp.Tests.Cli.Serve;

/// <summary>A fact that needs Debian's Chromium; skipped, saying why, only when it is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(ExecutablePath))
            Skip = $"No Chromium at {ExecutablePath}: install Debian's chromium package (apt-get install chromium) to run the browser tests; .ci/run installs it.";
    }
}
