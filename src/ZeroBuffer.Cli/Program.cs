return ZeroBuffer.Cli.CliApp.Run(args);
