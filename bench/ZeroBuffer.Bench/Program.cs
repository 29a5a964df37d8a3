return ZeroBuffer.Cli.CliApp.Run(args, "ZeroBuffer.Bench", ZeroBuffer.Bench.BenchApp.Build);
