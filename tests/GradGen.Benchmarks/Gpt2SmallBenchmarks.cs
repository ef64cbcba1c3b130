using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using GradGen.Samples.TinyGpt;
using TorchSharp;

namespace GradGen.Benchmarks;

/// <summary>
/// A GPT-2-small-shaped training step (issue 14's scale target): C = 768, NH = 12, L = 12, V = 50257, 1024 positions
/// (124 M parameters), B = 1, T = 128; one step = gradients zeroed, forward, backward, AdamW (lr 1e-4, no decay). (a)
/// GradGen: the TinyGpt sample's generated <c>LossBackward</c> and <see cref="AdamW{T}"/>; (c) LibTorch autograd through
/// TorchSharp on a copy of the same initial weights (GPT-2 init, seed 1) and tokens, its AdamW written with in-place
/// tensor ops as torch.optim.AdamW's single-tensor path. BenchmarkDotNet: <c>--filter '*Gpt2Small*'</c> (1 warm-up, 5
/// iterations; both in one process, so no per-contender RSS). The memory report and per-contender peak RSS come from
/// <see cref="Run"/> (<c>-- --gpt2-small [STEPS] [ROUNDS]</c>), which runs each contender in a process of its own.
/// </summary>
[MemoryDiagnoser]
[WarmupCount(1)]
[IterationCount(5)]
[MedianColumn, MinColumn]
public class Gpt2SmallBenchmarks
{
    internal const int V = 50257, MaxT = 1024, C = 768, NH = 12, L = 12, B = 1, T = 128;

    private GradGenGpt2? _gradgen;
    private TorchGpt2? _torch;

    [GlobalSetup(Target = nameof(Generated))]
    public void SetupGenerated() => _gradgen = new GradGenGpt2();

    [GlobalSetup(Target = nameof(LibTorch))]
    public void SetupTorch()
    {
        Torch.Initialize();
        _torch = new TorchGpt2();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_gradgen is not null) Console.WriteLine($"// {_gradgen.Memory()}");
        _gradgen = null;
        _torch?.Dispose();
        _torch = null;
        GC.Collect();
    }

    [Benchmark(Description = "(a) GradGen: generated backward + AdamW")]
    public float Generated() => _gradgen!.Step();

    [Benchmark(Baseline = true, Description = "(c) LibTorch autograd + AdamW (TorchSharp)")]
    public float LibTorch() => _torch!.Step();

    internal static Gpt CreateModel() => Gpt.Create(new Random(1), V, MaxT, C, NH, L);

    internal static int[] Tokens() => Data.Targets(2, B * T, V);

    internal static int[] Targets() => Data.Targets(3, B * T, V);

    /// <summary>
    /// Runs each contender in a child process of its own, alternately for <c>ROUNDS</c> rounds of <c>STEPS</c> timed steps
    /// (after one warm step), and prints step times (best, median), the ratio, memory and peak RSS. Fails unless both
    /// compute the same first loss (same weights and tokens).
    /// </summary>
    public static int Run(string[] args)
    {
        int steps = args.Length > 1 ? int.Parse(args[1]) : 5, rounds = args.Length > 2 ? int.Parse(args[2]) : 1;
        Console.WriteLine($"GPT-2-small step (C={C}, NH={NH}, L={L}, V={V}, B={B}, T={T}); {steps} steps × {rounds} rounds, each contender in its own process. {SimdWidth.Describe()}");
        Console.WriteLine($"load average before: {LoadAverage()}");
        var results = new Dictionary<string, List<Dictionary<string, string>>> { ["gradgen"] = new(), ["torch"] = new() };
        for (int round = 0; round < rounds; round++)
        {
            foreach (string who in new[] { "gradgen", "torch" })
            {
                var result = Child(who, steps);
                if (result is null) return 1;
                results[who].Add(result);
            }
        }
        Console.WriteLine($"load average after: {LoadAverage()}");
        double lossG = double.Parse(results["gradgen"][0]["loss0"]), lossT = double.Parse(results["torch"][0]["loss0"]);
        bool agree = Math.Abs(lossG - lossT) <= 1e-4 * Math.Max(1, Math.Abs(lossT));
        Console.WriteLine($"first-step loss: GradGen {lossG:R}, LibTorch {lossT:R}: {(agree ? "agree" : "DISAGREE")}");
        double[] g = results["gradgen"].SelectMany(r => r["steps"].Split(',').Select(double.Parse)).OrderBy(x => x).ToArray();
        double[] t = results["torch"].SelectMany(r => r["steps"].Split(',').Select(double.Parse)).OrderBy(x => x).ToArray();
        double Median(double[] x) => x[x.Length / 2];
        Console.WriteLine($"step ms, best / median: GradGen {g[0]:F0} / {Median(g):F0}, LibTorch {t[0]:F0} / {Median(t):F0}; ratio GradGen/LibTorch {g[0] / t[0]:F2} (best) / {Median(g) / Median(t):F2} (median)");
        var lastG = results["gradgen"][^1];
        var lastT = results["torch"][^1];
        Console.WriteLine($"GradGen memory: {lastG["memory"]}");
        Console.WriteLine($"LibTorch memory: {lastT["memory"]}");
        return agree ? 0 : 1;
    }

    private static Dictionary<string, string>? Child(string who, int steps)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false, RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") start.ArgumentList.Add(typeof(Gpt2SmallBenchmarks).Assembly.Location);
        start.ArgumentList.Add("--gpt2-small-one");
        start.ArgumentList.Add(who);
        start.ArgumentList.Add(steps.ToString());
        using var process = Process.Start(start)!;
        Dictionary<string, string>? result = null;
        string? line;
        while ((line = process.StandardOutput.ReadLine()) is not null)
        {
            Console.WriteLine($"  [{who}] {line}");
            if (line.StartsWith("RESULT ", StringComparison.Ordinal))
            {
                result = line.Substring(7).Split('\t').Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
            }
        }
        process.WaitForExit();
        if (process.ExitCode != 0 || result is null)
        {
            Console.WriteLine($"{who}: child failed (exit {process.ExitCode})");
            return null;
        }
        return result;
    }

    /// <summary>The child: one contender, one warm step, <c>STEPS</c> timed steps; prints a RESULT line.</summary>
    public static int RunOne(string who, int steps)
    {
        long rssStart = Status("VmRSS");
        Func<float> step;
        Func<string> memory;
        IDisposable? owned = null;
        if (who == "gradgen")
        {
            var g = new GradGenGpt2();
            step = g.Step;
            memory = g.Memory;
        }
        else
        {
            Torch.Initialize();
            var t = new TorchGpt2();
            owned = t;
            step = t.Step;
            memory = () => "";
        }
        long heapBefore = GC.GetTotalMemory(true);
        float loss0 = step();
        long heapAfter = GC.GetTotalMemory(true);
        long rssSetup = Status("VmRSS"), peakSetup = Status("VmHWM");
        // Reset the peak-RSS counter (Linux ≥ 4.0): the steps' own peak, without the set-up's.
        try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { }
        var times = new List<double>();
        var clock = new Stopwatch();
        for (int i = 0; i < steps; i++)
        {
            clock.Restart();
            step();
            clock.Stop();
            times.Add(clock.Elapsed.TotalMilliseconds);
            Console.WriteLine($"step {i + 1}: {clock.Elapsed.TotalMilliseconds:F0} ms");
        }
        long peakSteps = Status("VmHWM");
        long heapNow = GC.GetTotalMemory(true), committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        string mem = $"{memory()}{(who == "gradgen" ? "; " : "")}managed heap grew {Mb(heapAfter - heapBefore)} over the first step, "
            + $"holds {Mb(heapNow)} after the steps ({Mb(committed)} committed); "
            + $"RSS at start {Mb(rssStart)}, after set-up and one step {Mb(rssSetup)} (peak {Mb(peakSetup)}), peak during the timed steps {Mb(peakSteps)}";
        Console.WriteLine($"RESULT who={who}\tloss0={loss0:R}\tsteps={string.Join(",", times.Select(x => x.ToString("F1")))}\tmemory={mem}");
        owned?.Dispose();
        return 0;
    }

    internal static string Mb(long bytes) => $"{bytes / 1048576.0:F0} MB";

    /// <summary>A field of /proc/self/status in bytes (VmRSS, VmHWM), or −1 off Linux.</summary>
    private static long Status(string field)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    return long.Parse(line.Substring(field.Length + 1).Trim().Split(' ')[0]) * 1024;
                }
            }
        }
        catch (IOException) { }
        return -1;
    }

    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Trim(); } catch (IOException) { return "?"; }
    }
}

/// <summary>GradGen's side: the model, its gradient, AdamW, the tokens.</summary>
internal sealed class GradGenGpt2
{
    private const int B = Gpt2SmallBenchmarks.B, T = Gpt2SmallBenchmarks.T;
    private readonly Gpt _model, _gradient;
    private readonly Tensor<float>[] _gradients;
    private readonly AdamW<float> _optimizer;
    private readonly int[] _tokens = Gpt2SmallBenchmarks.Tokens(), _targets = Gpt2SmallBenchmarks.Targets();
    private readonly long _parameters;
    private long _heapBeforeFirstStep = -1, _heapAfterFirstStep;

    public GradGenGpt2()
    {
        _model = Gpt2SmallBenchmarks.CreateModel();
        _gradient = Parameters.ZerosLike(_model);
        _gradients = Parameters.Tensors(_gradient);
        var parameters = Parameters.Tensors(_model);
        _parameters = parameters.Sum(p => p.FlattenedLength);
        _optimizer = new AdamW<float>(parameters, 1e-4, weightDecay: 0.0);
    }

    public float Step()
    {
        bool first = _heapBeforeFirstStep < 0;
        if (first) _heapBeforeFirstStep = GC.GetTotalMemory(true);
        Ops.ZeroGradients(_gradients);
        float loss = TinyGpt.LossBackward(_model, _tokens, _targets, B, T, _gradient);
        _optimizer.Step(_gradients);
        if (first) _heapAfterFirstStep = GC.GetTotalMemory(true);
        return loss;
    }

    /// <summary>
    /// Parameters, gradients and AdamW moments (4 bytes each, counted), and the tape: what the first step left on the
    /// managed heap for the next (the generated method's workspace — the values kept for the backward and every
    /// intermediate, reused from step to step — and the kernels' per-thread buffers).
    /// </summary>
    public string Memory()
        => $"{_parameters:N0} parameters {Gpt2SmallBenchmarks.Mb(4 * _parameters)}, gradients {Gpt2SmallBenchmarks.Mb(4 * _parameters)}, "
         + $"AdamW moments {Gpt2SmallBenchmarks.Mb(8 * _parameters)}, tape (workspace kept after the first step) {Gpt2SmallBenchmarks.Mb(_heapAfterFirstStep - _heapBeforeFirstStep)}";
}

/// <summary>LibTorch's side: TorchGpt on a copy of the initial weights, AdamW in place (β = 0.9, 0.999, ε = 1e-8).</summary>
internal sealed class TorchGpt2 : IDisposable
{
    private const float LearningRate = 1e-4f, Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-8f;
    private readonly TorchGpt _gpt;
    private readonly torch.Tensor[] _parameters, _m, _v;
    private int _steps;

    public TorchGpt2()
    {
        // The GradGen model only supplies the initial weights; it is dropped once copied, and an aggressive collection
        // gives its memory back to the OS, so LibTorch's RSS is LibTorch's (TorchSharp keeps the managed arrays its
        // tensors were created from as their storage: those 475 MB stay, and are LibTorch's parameters).
        _gpt = CopyOf(Gpt2SmallBenchmarks.CreateModel());
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _parameters = _gpt.Parameters;
        _m = _parameters.Select(p => torch.zeros_like(p)).ToArray();
        _v = _parameters.Select(p => torch.zeros_like(p)).ToArray();
    }

    private static TorchGpt CopyOf(Gpt model) => new(model, Gpt2SmallBenchmarks.Tokens(), Gpt2SmallBenchmarks.Targets(), Gpt2SmallBenchmarks.B, Gpt2SmallBenchmarks.T);

    public float Step()
    {
        float loss = _gpt.Step();
        _steps++;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        double correction1 = 1 - Math.Pow(Beta1, _steps), correction2 = 1 - Math.Pow(Beta2, _steps);
        for (int i = 0; i < _parameters.Length; i++)
        {
            var g = _parameters[i].grad!;
            _m[i].mul_(Beta1).add_(g, alpha: 1 - Beta1);
            _v[i].mul_(Beta2).addcmul_(g, g, value: 1 - Beta2);
            var denominator = (_v[i] / correction2).sqrt_().add_(Epsilon);
            _parameters[i].addcdiv_(_m[i], denominator, value: -LearningRate / correction1);
        }
        return loss;
    }

    public void Dispose()
    {
        foreach (var t in _m.Concat(_v)) t.Dispose();
    }
}
