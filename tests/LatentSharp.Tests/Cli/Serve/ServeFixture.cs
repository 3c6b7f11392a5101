using LatentSharp.Cli;
using LatentSharp.Cli.Serving;
using LatentSharp.Data;
using LatentSharp.Training;
using Microsoft.AspNetCore.Builder;

namespace LatentSharp.Tests.Cli.Serve;

/// <summary>
/// A tiny VAE (latent 2, hidden 32, one epoch on the shipped sample) trained with <c>latent train</c>, served in-process
/// on an ephemeral loopback port. Shared by the HTTP and the browser tests.
/// </summary>
public sealed class ServeFixture : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-serve-").FullName;
    private readonly WebApplication _app;

    public ServeFixture()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CommandRunner.Invoke(LatentCommand.Create(), ["train", "--epochs", "1", "--hidden", "32", "--latent", "2", "--threads", "2", "-o", _dir], output, error);
        if (code != 0) throw new InvalidOperationException($"latent train failed ({code}): {error}");
        ModelPath = Path.Combine(_dir, Trainer.LatestCheckpoint);

        Explorer = Explorer.Create(Checkpoint.Load(ModelPath).Model, new DatasetResolver().Load("sample").Test);
        _app = ExplorerServer.Build(Explorer, "127.0.0.1", port: 0);
        _app.StartAsync().GetAwaiter().GetResult();
        BaseAddress = new Uri(ExplorerServer.Address(_app) + "/");
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public string ModelPath { get; }

    internal Explorer Explorer { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        _app.StopAsync().GetAwaiter().GetResult();
        ((IDisposable)_app).Dispose();
        Explorer.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class ServeCollection : ICollectionFixture<ServeFixture>
{
    public const string Name = "Serve";
}
