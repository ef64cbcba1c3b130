using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// The one command (docs/performance.md):
//   dotnet run -c Release --project tests/GradGen.Benchmarks -- --filter '*'
// In process: LibTorchSharp must load from this project's output folder, where the build marked its GLIBCXX_3.4.32
// requirement weak (build/weaken_glibcxx.py); a separately generated benchmark project would copy the unpatched file.
// Runners that are not BenchmarkDotNet: before/after comparisons interleaved in one process, for a shared machine
// (docs/performance.md; run them with DOTNET_TieredCompilation=0 under load):
//   dotnet run -c Release --project tests/GradGen.Benchmarks -- --NAME [ROUNDS]
(string Flag, int Rounds, System.Action<int> Run)[] runners =
{
    ("--interleaved-planning", 31, GradGen.Benchmarks.InterleavedPlanning.Run), // the MLP step planned, unplanned, hand-written (run P)
    ("--interleaved", 15, GradGen.Benchmarks.Interleaved.Run),                  // the float GEMM before issue 14 and at each width
    ("--interleaved-rows", 15, GradGen.Benchmarks.InterleavedRows.Run),         // the double row kernels: generic paths vs VectorRows
    ("--interleaved-adamw", 11, GradGen.Benchmarks.InterleavedAdamW.Run),       // AdamW: block-wise passes vs one pass
    ("--interleaved-gemm", 15, GradGen.Benchmarks.InterleavedGemm.Run),         // the weakest products: legacy kernel / GradGen / LibTorch (run M)
    ("--forward-profile", 200, GradGen.Benchmarks.ForwardProfile.Run),          // where TinyGpt's forward spends its time, per op kind (ITERATIONS)
    ("--interleaved-swap", 21, GradGen.Benchmarks.InterleavedSwap.Run),         // kᵀ: the element walk vs block transposes
    ("--interleaved-steps", 21, GradGen.Benchmarks.InterleavedSteps.Run),       // the training steps, GradGen / LibTorch per round (run I)
};
foreach (var runner in runners)
{
    if (args.Length > 0 && args[0] == runner.Flag)
    {
        runner.Run(args.Length > 1 ? int.Parse(args[1]) : runner.Rounds);
        return 0;
    }
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
