using LatentSharp.Cli;

return CommandRunner.Invoke(LatentCommand.Create(), args);
