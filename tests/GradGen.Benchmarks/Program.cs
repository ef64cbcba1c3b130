using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// The one command (docs/performance.md):
//   dotnet run -c Release --project tests/GradGen.Benchmarks -- --filter '*'
// In process: LibTorchSharp must load from this project's output folder, where the build marked its GLIBCXX_3.4.32
// requirement weak (build/weaken_glibcxx.py); a separately generated benchmark project would copy the unpatched file.
// The MLP step planned, unplanned and hand-written, interleaved (docs/performance.md, run P):
//   dotnet run -c Release --project tests/GradGen.Benchmarks -- --interleaved-planning [ROUNDS]
if (args.Length > 0 && args[0] == "--interleaved-planning")
{
    GradGen.Benchmarks.InterleavedPlanning.Run(args.Length > 1 ? int.Parse(args[1]) : 31);
    return 0;
}
if (args.Length > 0 && args[0] == "--interleaved")
{
    GradGen.Benchmarks.Interleaved.Run(args.Length > 1 ? int.Parse(args[1]) : 15);
    return 0;
}
// The row kernels in double before (generic paths) and after (VectorRows), interleaved:
//   dotnet run -c Release --project tests/GradGen.Benchmarks -- --interleaved-rows [ROUNDS]
if (args.Length > 0 && args[0] == "--interleaved-rows")
{
    GradGen.Benchmarks.InterleavedRows.Run(args.Length > 1 ? int.Parse(args[1]) : 15);
    return 0;
}
// AdamW's step before (block-wise passes, one thread) and after (one pass, every core), interleaved:
//   DOTNET_TieredCompilation=0 dotnet run -c Release --project tests/GradGen.Benchmarks -- --interleaved-adamw [ROUNDS]
if (args.Length > 0 && args[0] == "--interleaved-adamw")
{
    GradGen.Benchmarks.InterleavedAdamW.Run(args.Length > 1 ? int.Parse(args[1]) : 11);
    return 0;
}
// The weakest products against LibTorch, before (legacy kernel) / GradGen / LibTorch, interleaved:
//   DOTNET_TieredCompilation=0 dotnet run -c Release --project tests/GradGen.Benchmarks -- --interleaved-gemm [ROUNDS]
if (args.Length > 0 && args[0] == "--interleaved-gemm")
{
    GradGen.Benchmarks.InterleavedGemm.Run(args.Length > 1 ? int.Parse(args[1]) : 15);
    return 0;
}
// Where TinyGpt's forward spends its time, per op kind (a clock around each line of a copy of the sample):
//   DOTNET_TieredCompilation=0 dotnet run -c Release --project tests/GradGen.Benchmarks -- --forward-profile [ITERATIONS]
if (args.Length > 0 && args[0] == "--forward-profile")
{
    GradGen.Benchmarks.ForwardProfile.Run(args.Length > 1 ? int.Parse(args[1]) : 200);
    return 0;
}
if (args.Length > 0 && args[0] == "--interleaved-swap")
{
    GradGen.Benchmarks.InterleavedSwap.Run(args.Length > 1 ? int.Parse(args[1]) : 21);
    return 0;
}
// The GPT-2-small-shaped step, each contender in a process of its own (step times, memory, peak RSS; docs/performance.md):
//   dotnet run -c Release --project tests/GradGen.Benchmarks -- --gpt2-small [STEPS] [ROUNDS]
if (args.Length > 0 && args[0] == "--gpt2-small") return GradGen.Benchmarks.Gpt2SmallBenchmarks.Run(args);
if (args.Length > 2 && args[0] == "--gpt2-small-one") return GradGen.Benchmarks.Gpt2SmallBenchmarks.RunOne(args[1], int.Parse(args[2]));
// The keystroke in a real language server and the incremental build (docs/performance.md, "A keystroke in csharp-ls"): not
// BenchmarkDotNet — they drive csharp-ls and `dotnet build` on a consumer of the packed package:
//   dotnet run -c Release --project tests/GradGen.Benchmarks -- --language-server [ROUNDS] [N...]
//   dotnet run -c Release --project tests/GradGen.Benchmarks -- --build-delta [ROUNDS] [N...]
if (args.Length > 0 && args[0] is "--language-server" or "--build-delta")
{
    var script = System.IO.Path.Combine(SourceDirectory(), "LanguageServer", args[0] == "--language-server" ? "run.sh" : "build_delta.sh");
    var start = new System.Diagnostics.ProcessStartInfo("bash") { UseShellExecute = false };
    start.ArgumentList.Add(script);
    foreach (var arg in args[1..]) start.ArgumentList.Add(arg);
    using var process = System.Diagnostics.Process.Start(start)!;
    process.WaitForExit();
    return process.ExitCode;
}

var job = Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(4).WithIterationCount(15);
var config = DefaultConfig.Instance.AddJob(job.AsDefault());
BenchmarkSwitcher.FromAssembly(typeof(GradGen.Benchmarks.MlpTrainingBenchmarks).Assembly).Run(args, config);
return 0;

// This project's source folder (the scripts pack the checkout they sit in).
static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") => System.IO.Path.GetDirectoryName(path)!;
