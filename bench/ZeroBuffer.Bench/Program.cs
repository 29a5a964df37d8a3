return ZeroBuffer.Bench.BenchApp.Run(args);
