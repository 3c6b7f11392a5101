using System.CommandLine;
using System.Net.Sockets;
using LatentSharp.Cli.Serving;
using LatentSharp.Data;
using LatentSharp.Kernels;
using LatentSharp.Training;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace LatentSharp.Cli.Commands;

/// <summary><c>latent serve</c>: the interactive latent-space explorer of a checkpoint, in the browser.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var data = CommonOptions.DataOfModel();
        var dataDir = CommonOptions.DataDir();
        var threads = CommonOptions.Threads();
        var port = new Option<int>("--port") { Description = "Port to listen on (0: any free port).", DefaultValueFactory = _ => 5100 };
        port.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 65535) r.AddError("--port must be in [0, 65535].");
        });
        var host = new Option<string>("--host")
        {
            Description = "Address to listen on. The default keeps the explorer on this machine; anything else exposes it to the network.",
            DefaultValueFactory = _ => "127.0.0.1",
        };

        var command = new Command("serve", "Explore a model's latent space in the browser: sliders, samples, interpolations and the embedding.")
        {
            model, data, dataDir, port, host, threads,
        };
        command.SetAction(parse =>
        {
            Threading.MaxThreads = parse.GetValue(threads);
            return Run(parse.GetValue(model)!, parse.GetValue(data), parse.GetValue(dataDir), parse.GetValue(host)!, parse.GetValue(port),
                parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        });
        return command;
    }

    /// <summary>Serves until Ctrl+C (or SIGTERM).</summary>
    public static int Run(string modelPath, string? dataName, string? dataDir, string host, int port, TextWriter output, TextWriter error)
    {
        var checkpoint = Checkpoint.Load(ShippedModels.Resolve(modelPath));
        ModelSession.Require(checkpoint.Model, ModelNeeds.UnconditionalLatentSpace, "latent serve");
        dataName ??= checkpoint.TrainingData;
        DataSplits splits = new DatasetResolver().Load(dataName, dataDir);
        using Explorer explorer = Explorer.Create(checkpoint.Model, splits.Test);
        WebApplication app = ExplorerServer.Build(explorer, host, port, error);
        try
        {
            app.Start();
        }
        catch (Exception e) when (SocketErrorOf(e) is SocketError socketError)
        {
            ((IDisposable)app).Dispose();
            throw new UsageException(socketError switch
            {
                SocketError.AddressNotAvailable => $"--host {host} is not an address of this machine; use 127.0.0.1 (this machine only), 0.0.0.0 (all its addresses) or one of its own.",
                SocketError.AddressAlreadyInUse => $"--port {port} is already in use on {host}; choose another, or 0 for any free port.",
                SocketError.AccessDenied => $"--port {port} on {host} needs privileges this process does not have; choose a port above 1023.",
                _ => $"cannot listen on --host {host} --port {port}: {e.Message}",
            });
        }
        output.WriteLine($"Model: {checkpoint.Model.Spec}. Test images: {splits.Test.Count} from {splits.Test.Name}.");
        if (host != "127.0.0.1" && host != "localhost" && host != "::1")
            output.WriteLine($"Listening on {host}: anyone who can reach this machine can use the explorer.");
        output.WriteLine($"Explorer at {ExplorerServer.Address(app)}/ (Ctrl+C stops it).");
        output.Flush();
        app.WaitForShutdown();
        ((IDisposable)app).Dispose();
        return CommandRunner.Ok;
    }

    /// <summary>The socket error behind a failed start (Kestrel wraps some in IOException), or null when it is none.</summary>
    private static SocketError? SocketErrorOf(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is SocketException socket) return socket.SocketErrorCode;
        return null;
    }
}
