using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// The one command (docs/performance.md):
//   dotnet run -c Release --project tests/GradGen.Benchmarks -- --filter '*'
// In process: LibTorchSharp must load from this project's output folder, where the build marked its GLIBCXX_3.4.32
// requirement weak (build/weaken_glibcxx.py); a separately generated benchmark project would copy the unpatched file.
if (args.Length > 0 && args[0] == "--interleaved")
{
    GradGen.Benchmarks.Interleaved.Run(args.Length > 1 ? int.Parse(args[1]) : 15);
    return;
}
var job = Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(4).WithIterationCount(15);
var config = DefaultConfig.Instance.AddJob(job.AsDefault());
BenchmarkSwitcher.FromAssembly(typeof(GradGen.Benchmarks.MlpTrainingBenchmarks).Assembly).Run(args, config);
