using System.Diagnostics;

namespace LatentSharp.Tests.Distributed;

/// <summary>Launches the built <c>latent</c> tool under Open MPI's mpirun on this machine (loopback, oversubscribed).</summary>
internal static class MpiRun
{
    /// <summary>Runs <c>mpirun -np <paramref name="ranks"/> dotnet latent.dll <paramref name="args"/></c>; fails the test when mpirun is missing or the job fails.</summary>
    public static string Latent(int ranks, params string[] args)
    {
        string mpirun = Find("mpirun")
            ?? throw new Xunit.Sdk.XunitException("mpirun is not on PATH: install Open MPI (Debian: apt-get install openmpi-bin; .ci/run does) to run the MPI tests.");
        var start = new ProcessStartInfo(mpirun)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in (string[])["--oversubscribe", "--allow-run-as-root", "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "dotnet", Path.Combine(AppContext.BaseDirectory, "latent.dll"), .. args])
            start.ArgumentList.Add(a);
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(), error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"mpirun -np {ranks} latent {string.Join(' ', args)} did not finish in 5 minutes.");
        }
        if (process.ExitCode != 0)
            throw new Xunit.Sdk.XunitException($"mpirun -np {ranks} latent {string.Join(' ', args)} exited with {process.ExitCode}:\n{output.Result}\n{error.Result}");
        return output.Result;
    }

    private static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);
}
