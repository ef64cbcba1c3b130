using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/GradGen.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(GradGen.Benchmarks.MlpBenchmarks).Assembly).Run(args);
