using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Numerics.Tensors;
using GradGen;
using GradGen.Samples.TinyGpt;

namespace GradGen.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/GradGen.Benchmarks -- --forward-profile [ITERATIONS]</c>: where TinyGpt's forward
/// (B = 4, T = 64, C = 128, NH = 4, V = 256, L = 1 and 4) spends its time when called as plain C# in a workspace scope:
/// a line-for-line copy of the sample's <c>Loss</c>/<c>Logits</c>/<c>Block</c> (the same calls, operators included) with a
/// clock around each line, summed per op kind; the uninstrumented <c>TinyGpt.Loss</c> and LibTorch's no_grad forward
/// alternate with it for scale. Run with <c>DOTNET_TieredCompilation=0</c>.
/// </summary>
internal static class ForwardProfile
{
    private const int B = 4, T = 64, C = 128, NH = 4, V = 256;
    private static readonly Dictionary<string, double> s_seconds = new();
    private static long s_mark;
    private static bool s_opsAdd;

    // The sample's `+` (System.Numerics.Tensors' operator), or Ops.Add in its place.
    private static Tensor<float> Plus(Tensor<float> a, Tensor<float> b) => s_opsAdd ? Ops.Add(a, b) : a + b;

    public static void Run(int iterations)
    {
        Console.WriteLine($"{SimdWidth.Describe()}; worker threads: {WorkerPool.Threads}");
        Console.WriteLine($"load: {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");
        Torch.Initialize();
        foreach (int layers in new[] { 1, 4 })
        {
            var model = Gpt.Create(new Random(1), V, T, C, NH, layers);
            int[] tokens = Data.Targets(2, B * T, V), targets = Data.Targets(3, B * T, V);
            var torchGpt = new TorchGpt(model, tokens, targets, B, T);
            var workspace = new Workspace();
            float Plain() { using (workspace.Enter()) return TinyGpt.Loss(model, tokens, targets, B, T); }
            float Profiled(bool opsAdd) { s_opsAdd = opsAdd; using (workspace.Enter()) return Loss(model, tokens, targets); }
            // The generated forward (GradGen's kernel for every op, + included; the tape it fills is dropped).
            float Generated() { using (workspace.Enter()) return TinyGpt.LossForward(model, tokens, targets, B, T, out _); }
            if (Plain() != Profiled(false) || Plain() != Profiled(true)) throw new InvalidOperationException("the profiled copy computes another loss than TinyGpt.Loss");
            if (Plain() != Generated()) throw new InvalidOperationException("TinyGpt.LossForward computes another loss than TinyGpt.Loss");
            var times = Interleaved.Rounds(new Action[] { () => Plain(), () => Profiled(false), () => Profiled(true), () => torchGpt.ForwardNoGrad(), () => Generated() }, 5, iterations / 5, warmup: 20);
            Console.WriteLine($"TinyGpt L={layers}, medians: TinyGpt.Loss in a workspace scope {times[0][2] * 1e3:F3} ms, profiled copy {times[1][2] * 1e3:F3} ms, "
                            + $"profiled copy with Ops.Add for + {times[2][2] * 1e3:F3} ms, TinyGpt.LossForward (generated) {times[4][2] * 1e3:F3} ms, LibTorch no_grad {times[3][2] * 1e3:F3} ms "
                            + $"(ratios to LibTorch: {times[0][2] / times[3][2]:F2}, with Ops.Add {times[2][2] / times[3][2]:F2}, generated forward {times[4][2] / times[3][2]:F2})");
            foreach (bool opsAdd in new[] { false, true })
            {
                s_seconds.Clear();
                for (int i = 0; i < iterations; i++) Profiled(opsAdd);
                double total = s_seconds.Values.Sum();
                Console.WriteLine(opsAdd ? "  with Ops.Add for +:" : "  as written (System.Numerics.Tensors' +):");
                foreach (var (name, seconds) in s_seconds.OrderByDescending(p => p.Value))
                {
                    Console.WriteLine($"    {name,-52} {seconds / iterations * 1e6,9:F1} µs  {100 * seconds / total,5:F1} %");
                }
            }
        }
        Console.WriteLine($"load: {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");
    }

    private static string PlusName => s_opsAdd ? "Ops.Add" : "operator +";

    private static void Start() => s_mark = Stopwatch.GetTimestamp();

    private static TResult Time<TResult>(string name, TResult value)
    {
        long now = Stopwatch.GetTimestamp();
        s_seconds[name] = s_seconds.GetValueOrDefault(name) + (now - s_mark) / (double)Stopwatch.Frequency;
        s_mark = Stopwatch.GetTimestamp();
        return value;
    }

    private static float Loss(Gpt model, int[] tokens, int[] targets)
    {
        var logits = Logits(model, tokens);
        Start();
        var flat = Time("Reshape", Ops.Reshape(logits, B * T, model.Vocabulary));
        return Time("SoftmaxCrossEntropy [256, 256]", Ops.SoftmaxCrossEntropy(flat, targets));
    }

    private static Tensor<float> Logits(Gpt model, int[] tokens)
    {
        Start();
        var e = Time("Embedding", Ops.Embedding(model.Wte, tokens, B, T));
        var p = Time("Slice (wpe)", Ops.Slice(model.Wpe, 0, 0, T));
        var x = Time($"{PlusName} [B,T,C] + [T,C] (embeddings)", Plus(e, p));
        foreach (var block in model.Blocks) x = Block(block, x, model.Channels, model.Heads);
        Start();
        x = Time("LayerNorm", Ops.LayerNorm(x, model.LnfW, model.LnfB, 1e-5f));
        var wteT = Time("Transpose (wte, [V, C])", Ops.Transpose(model.Wte));
        return Time("MatMul x·wteᵀ [256×128×256]", Ops.MatMul(x, wteT));
    }

    private static Tensor<float> Block(Block layer, Tensor<float> x, int C, int NH)
    {
        int hs = C / NH;
        Start();
        var h = Time("LayerNorm", Ops.LayerNorm(x, layer.Ln1W, layer.Ln1B, 1e-5f));
        var qkvProduct = Time("MatMul h·Wqkv [256×128×384]", Ops.MatMul(h, layer.Wqkv));
        var qkv = Time($"{PlusName} bias [B,T,3C] + [3C]", Plus(qkvProduct, layer.Bqkv));
        var qs = Time("Slice q/k/v", Ops.Slice(qkv, 2, 0, C));
        var qr = Time("Reshape", Ops.Reshape(qs, B, T, NH, hs));
        var q = Time("TransposeAxes q/k/v [B,T,NH,hs] → [B,NH,T,hs]", Ops.TransposeAxes(qr, 1, 2));
        var ks = Time("Slice q/k/v", Ops.Slice(qkv, 2, C, C));
        var kr = Time("Reshape", Ops.Reshape(ks, B, T, NH, hs));
        var k = Time("TransposeAxes q/k/v [B,T,NH,hs] → [B,NH,T,hs]", Ops.TransposeAxes(kr, 1, 2));
        var vs = Time("Slice q/k/v", Ops.Slice(qkv, 2, 2 * C, C));
        var vr = Time("Reshape", Ops.Reshape(vs, B, T, NH, hs));
        var v = Time("TransposeAxes q/k/v [B,T,NH,hs] → [B,NH,T,hs]", Ops.TransposeAxes(vr, 1, 2));
        var kt = Time("TransposeAxes kᵀ [B,NH,T,hs] → [B,NH,hs,T]", Ops.TransposeAxes(k, 2, 3));
        var scores = Time("MatMul q·kᵀ (batched, 16 × 64×32×64)", Ops.MatMul(q, kt));
        var att = Time("CausalSoftmax [B,NH,T,T]", Ops.CausalSoftmax(scores, 1f / MathF.Sqrt(hs)));
        var av = Time("MatMul att·v (batched, 16 × 64×64×32)", Ops.MatMul(att, v));
        var yt = Time("TransposeAxes y [B,NH,T,hs] → [B,T,NH,hs]", Ops.TransposeAxes(av, 1, 2));
        var y = Time("Reshape", Ops.Reshape(yt, B, T, C));
        var proj = Time("MatMul y·Wproj [256×128×128]", Ops.MatMul(y, layer.Wproj));
        var sum = Time($"{PlusName} residual [B,T,C] + [B,T,C]", Plus(x, proj));
        var residual = Time($"{PlusName} bias [B,T,C] + [C]", Plus(sum, layer.Bproj));
        h = Time("LayerNorm", Ops.LayerNorm(residual, layer.Ln2W, layer.Ln2B, 1e-5f));
        var fcProduct = Time("MatMul h·Wfc [256×128×512]", Ops.MatMul(h, layer.Wfc));
        var fcBiased = Time($"{PlusName} bias [B,T,4C] + [4C]", Plus(fcProduct, layer.Bfc));
        var fc = Time("Gelu [B,T,4C]", Ops.Gelu(fcBiased));
        var out1 = Time("MatMul fc·Wfcproj [256×512×128]", Ops.MatMul(fc, layer.Wfcproj));
        var sum2 = Time($"{PlusName} residual [B,T,C] + [B,T,C]", Plus(residual, out1));
        return Time($"{PlusName} bias [B,T,C] + [C]", Plus(sum2, layer.Bfcproj));
    }
}
/// <summary>
/// <c>-- --interleaved-swap [ROUNDS]</c>: the kernel of <c>Ops.TransposeAxes(k, 2, 3)</c> (attention's kᵀ; into a buffer) before (the strided
/// element-at-a-time walk every permutation took, verbatim for this case) and after (a batch of block transposes), at
/// TinyGpt's [4, 4, 64, 32] and GPT-2-small's [1, 12, 128, 64], float; best and median µs per call.
/// </summary>
internal static class InterleavedSwap
{
    public static void Run(int rounds)
    {
        Console.WriteLine($"{SimdWidth.Describe()}; float transpose blocks {BlockTranspose.BlockSize<float>()} × {BlockTranspose.BlockSize<float>()}");
        Console.WriteLine($"load: {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");
        foreach (var shape in new[] { new[] { 4, 4, 64, 32 }, new[] { 1, 12, 128, 64 } })
        {
            int count = shape.Aggregate(1, (a, b) => a * b);
            var k = Data.Tensor(Data.Uniform(7, count, 1f), shape);
            float[] source = k.ToArray(), into = new float[count], after = new float[count];
            nint[] lengths = Array.ConvertAll(shape, d => (nint)d);
            int[] order = { 0, 1, 3, 2 };
            var times = Interleaved.Rounds(new Action[] { () => Before(source, into, shape), () => Permutation.Walk<float>(source, lengths, order, after, accumulate: false) }, rounds, 200, warmup: 200);
            if (!Ops.TransposeAxes(k, 2, 3).ToArray().AsSpan().SequenceEqual(into) || !after.AsSpan().SequenceEqual(into)) throw new InvalidOperationException("before and after disagree");
            Console.WriteLine($"[{string.Join(", ", shape)}] → axes 2, 3 swapped: before best {times[0][0] * 1e6:F1} µs, median {times[0][rounds / 2] * 1e6:F1}; "
                            + $"after best {times[1][0] * 1e6:F1} µs, median {times[1][rounds / 2] * 1e6:F1} ({times[0][rounds / 2] / times[1][rounds / 2]:F1}× by medians)");
        }
        Console.WriteLine($"load: {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");
    }

    // Permutation.Walk before: the permuted tensor in row-major order, its last axis read with the source's stride.
    private static void Before(float[] data, float[] other, int[] shape)
    {
        int[] order = { 0, 1, 3, 2 };
        int rank = 4, count = data.Length;
        Span<int> sourceStrides = stackalloc int[rank], lengths = stackalloc int[rank], strides = stackalloc int[rank], index = stackalloc int[rank];
        for (int d = rank - 1, stride = 1; d >= 0; d--) { sourceStrides[d] = stride; stride *= shape[d]; }
        for (int d = 0; d < rank; d++) { lengths[d] = shape[order[d]]; strides[d] = sourceStrides[order[d]]; }
        int last = lengths[rank - 1], lastStride = strides[rank - 1], offset = 0;
        for (int i = 0; i < count; i += last)
        {
            for (int j = 0; j < last; j++) other[i + j] = data[offset + j * lastStride];
            for (int d = rank - 2; d >= 0; d--)
            {
                offset += strides[d];
                if (++index[d] < lengths[d]) break;
                offset -= strides[d] * lengths[d];
                index[d] = 0;
            }
        }
    }
}
