using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;

namespace GradGen.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/GradGen.Benchmarks -- --interleaved-steps [rounds]</c>: the training steps of
/// <see cref="GptTrainingBenchmarks"/> (L = 1, 4) and <see cref="MlpTrainingBenchmarks"/> (B = 64, 256) — the same
/// benchmark objects, set up and agreement-checked as BenchmarkDotNet does — GradGen's generated step and LibTorch's in
/// turn, round after round, each round about a quarter of a second of each with a pause between them (LibTorch's OpenMP
/// threads and GradGen's workers spin for a while after their last call: the pause lets them sleep, so neither runs
/// against the other's spinning threads). A round's ratio compares two measurements a fraction of a second apart, so a
/// machine whose speed drifts over minutes (this one's does, by up to 1.5×) moves both alike; prints the median and the
/// spread of the per-round ratios beside the median step times. For the ratio on a shared machine; BenchmarkDotNet for the rest.
/// </summary>
internal static class InterleavedSteps
{
    public static void Run(int rounds)
    {
        Console.WriteLine(SimdWidth.Describe());
        Console.WriteLine($"load: {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");
        foreach (int layers in new[] { 1, 4 })
        {
            var gpt = new GptTrainingBenchmarks { Layers = layers };
            gpt.Setup();
            Report($"TinyGpt step, L = {layers}", () => gpt.Generated(), () => gpt.LibTorch(), rounds);
        }
        foreach (int batch in new[] { 64, 256 })
        {
            var mlp = new MlpTrainingBenchmarks { Batch = batch };
            mlp.Setup();
            Report($"MLP step, B = {batch}", () => mlp.Generated(), () => mlp.LibTorch(), rounds);
            // Each side's step without a zeroing pass: GradGen's written form, LibTorch's gradients set to None.
            Report($"MLP step, B = {batch}, written (overwrite: true) / LibTorch with set_to_none", () => mlp.GeneratedWritten(), () => mlp.LibTorchSetToNone(), rounds);
        }
        Console.WriteLine($"load: {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");
    }

    private static void Report(string what, Func<float> gradGen, Func<float> libTorch, int rounds)
    {
        // Warm-up: two seconds of both, so the runtime's tiering has finished with the steps' methods (after 20 steps, as
        // until 2026-12-08, ~300 methods were still being recompiled during the first rounds: TinyGpt L = 1's first round
        // took 4.4 ms, its last 2.6). Then calls per round: about a quarter of a second of GradGen's step.
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed.TotalSeconds < 2) { gradGen(); libTorch(); }
        var probe = Stopwatch.StartNew();
        int probeCalls = 0;
        while (probe.Elapsed.TotalSeconds < 0.1) { gradGen(); probeCalls++; }
        int calls = Math.Max(3, (int)(0.25 / (probe.Elapsed.TotalSeconds / probeCalls)));
        var ours = new double[rounds];
        var theirs = new double[rounds];
        var ratios = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            ours[r] = Median(gradGen, calls);
            Thread.Sleep(300);
            theirs[r] = Median(libTorch, calls);
            Thread.Sleep(300);
            ratios[r] = ours[r] / theirs[r];
        }
        Array.Sort(ours);
        Array.Sort(theirs);
        Array.Sort(ratios);
        Console.WriteLine($"{what}: {rounds} rounds of {calls} steps each");
        Console.WriteLine($"  GradGen  median {ours[rounds / 2] * 1e6,9:F1} µs  (fastest round {ours[0] * 1e6:F1})");
        Console.WriteLine($"  LibTorch median {theirs[rounds / 2] * 1e6,9:F1} µs  (fastest round {theirs[0] * 1e6:F1})");
        Console.WriteLine($"  GradGen / LibTorch per round: median {ratios[rounds / 2]:F2}, middle half {ratios[rounds / 4]:F2}–{ratios[3 * rounds / 4]:F2}, all {ratios[0]:F2}–{ratios[^1]:F2}");
    }

    /// <summary>The median time of one call among <paramref name="calls"/> consecutive calls, in seconds.</summary>
    private static double Median(Func<float> run, int calls)
    {
        var t = new double[calls];
        for (int i = 0; i < calls; i++)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            t[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(t);
        return t[calls / 2];
    }
}
