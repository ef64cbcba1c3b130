using System;
using System.Numerics.Tensors;
using GradGen;

namespace GradGen.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/GradGen.Benchmarks -- --interleaved-rows [rounds]</c>: the row and
/// element-wise kernels at GPT-2-small shapes (B = 1, T = 128, C = 768, NH = 12, V = 50257) in double, before (the
/// generic paths every double took before — <see cref="LegacyRows"/>, verbatim) and after (<see cref="VectorRows{T, TV, TS}"/>
/// at each width this CPU runs in hardware), with float after for scale; one call of each in turn per round (a loaded
/// machine slows all alike); prints best and median µs per call and the speed-up of the best. Kernel against kernel:
/// run it with <c>DOTNET_PROCESSOR_COUNT=1</c> (every contender on one thread; the "before" paths never split) and
/// <c>DOTNET_TieredCompilation=0</c> (every contender fully optimised from its first call: under load the background
/// tier-1 compilation otherwise lags and a contender is timed at tier 0).
/// </summary>
internal static class InterleavedRows
{
    private const int T = 128, C = 768, NH = 12, V = 50257;

    public static void Run(int rounds)
    {
        Console.WriteLine(SimdWidth.Describe());
        Console.WriteLine($"load: {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");
        var widths = new System.Collections.Generic.List<VectorWidth> { VectorWidth.W128 };
        if (SimdWidth.IsAccelerated(VectorWidth.W256)) widths.Add(VectorWidth.W256);
        if (SimdWidth.Rows == VectorWidth.W512) widths.Add(VectorWidth.W512);
        var random = new Random(14);
        double[] D(int n, double scale) { var x = new double[n]; for (int i = 0; i < n; i++) x[i] = (random.NextDouble() * 2 - 1) * scale; return x; }
        float[] F(double[] x) => Array.ConvertAll(x, v => (float)v);

        {   // GELU forward and backward over the MLP's hidden activation [T, 4C].
            int n = T * 4 * C;
            double[] x = D(n, 3), g = D(n, 1), y = new double[n], into = new double[n];
            float[] xf = F(x), gf = F(g), yf = new float[n], intof = new float[n];
            var runs = new System.Collections.Generic.List<(string, Action)> { ("double before (scalar T.Tanh)", () => LegacyRows.Gelu<double>(x, y)) };
            foreach (var w in widths) runs.Add(($"double after {(int)w}-bit", () => RowKernels.Gelu<double>(x, y, w)));
            runs.Add(($"float {(int)SimdWidth.Rows}-bit", () => RowKernels.Gelu<float>(xf, yf, SimdWidth.Rows)));
            Compare($"GELU forward [{T}, {4 * C}]", rounds, runs);
            runs = new() { ("double before (scalar T.Tanh)", () => LegacyRows.GeluBackward<double>(g, x, into)) };
            foreach (var w in widths) runs.Add(($"double after {(int)w}-bit", () => RowKernels.GeluBackward<double>(g, x, into, w)));
            runs.Add(($"float {(int)SimdWidth.Rows}-bit", () => RowKernels.GeluBackward<float>(gf, xf, intof, SimdWidth.Rows)));
            Compare($"GELU backward [{T}, {4 * C}]", rounds, runs);
        }
        {   // LayerNorm forward and backward over [T, C].
            double[] x = D(T * C, 2), w = D(C, 1), b = D(C, 1), y = new double[T * C], g = D(T * C, 1), dx = new double[T * C], dw = new double[C], db = new double[C];
            var runs = new System.Collections.Generic.List<(string, Action)> { ("double before (TensorPrimitives)", () => LegacyRows.LayerNorm<double>(x, w, b, 1e-5, y, C)) };
            foreach (var width in widths) runs.Add(($"double after {(int)width}-bit", () => RowKernels.LayerNorm<double>(x, w, b, 1e-5, y, C, width)));
            Compare($"LayerNorm forward [{T}, {C}]", rounds, runs);
            runs = new() { ("double before (TensorPrimitives)", () => LegacyRows.LayerNormBackward<double>(g, x, w, 1e-5, dx, dw, db, C)) };
            foreach (var width in widths) runs.Add(($"double after {(int)width}-bit", () => RowKernels.LayerNormBackward<double>(g, x, w, 1e-5, dx, dw, db, C, width)));
            Compare($"LayerNorm backward [{T}, {C}]", rounds, runs);
        }
        {   // Causal softmax forward and backward over [NH, T, T].
            int n = NH * T * T;
            double[] s = D(n, 4), y = new double[n], g = D(n, 1), into = new double[n];
            var runs = new System.Collections.Generic.List<(string, Action)> { ("double before (TensorPrimitives)", () => LegacyRows.CausalSoftmax<double>(s, 0.125, y, T)) };
            foreach (var w in widths) runs.Add(($"double after {(int)w}-bit", () => RowKernels.CausalSoftmax<double>(s, 0.125, y, T, w)));
            Compare($"causal softmax forward [{NH}, {T}, {T}]", rounds, runs);
            runs = new() { ("double before (TensorPrimitives)", () => LegacyRows.CausalSoftmaxBackward<double>(g, y, 0.125, into, T)) };
            foreach (var w in widths) runs.Add(($"double after {(int)w}-bit", () => RowKernels.CausalSoftmaxBackward<double>(g, y, 0.125, into, T, w)));
            Compare($"causal softmax backward [{NH}, {T}, {T}]", rounds, runs);
        }
        {   // Softmax cross-entropy, loss and gradient, over the logits [T, V].
            double[] z = D(T * V, 5), into = new double[T * V];
            int[] targets = Data.Targets(3, T, V);
            float[] zf = F(z), intof = new float[T * V];
            var runs = new System.Collections.Generic.List<(string, Action)> { ("double before (TensorPrimitives)", () => LegacyRows.CrossEntropyWithLoss<double>(z, targets, T, V, 1.0 / T, into)) };
            foreach (var w in widths) runs.Add(($"double after {(int)w}-bit", () => RowKernels.CrossEntropy<double>(z, targets, T, V, 1.0 / T, into, wantLoss: true, w)));
            runs.Add(($"float {(int)SimdWidth.Rows}-bit", () => RowKernels.CrossEntropy<float>(zf, targets, T, V, 1f / T, intof, wantLoss: true, SimdWidth.Rows)));
            Compare($"softmax cross-entropy, loss + gradient [{T}, {V}]", rounds, runs);
        }
        {   // The residual addition [T, C] and the transpose of a weight [C, 4C].
            double[] a = D(64 * T * C, 1), b = D(64 * T * C, 1), c = new double[64 * T * C];
            var runs = new System.Collections.Generic.List<(string, Action)> { ("double before (TensorPrimitives, 1 thread)", () => TensorPrimitives.Add<double>(a, b, c)) };
            foreach (var w in widths) runs.Add(($"double after {(int)w}-bit", () => RowKernels.Add<double>(a, b, c, 0, w)));
            Compare($"addition [{64 * T}, {C}]", rounds, runs);
            double[] m = D(C * 4 * C, 1), mt = new double[C * 4 * C];
            Compare($"transpose [{C}, {4 * C}]", rounds, new() { ("double before (32 × 32 tiles)", () => LegacyRows.Transpose<double>(m, mt, C, 4 * C)), ($"double after ({BlockTranspose.BlockSize<double>()} × {BlockTranspose.BlockSize<double>()} blocks)", () => MatrixKernels.Transpose<double>(m, mt, C, 4 * C)) });
        }
        Console.WriteLine($"load: {System.IO.File.ReadAllText("/proc/loadavg").Trim()}");
    }

    private static void Compare(string title, int rounds, System.Collections.Generic.List<(string Name, Action Run)> contenders)
    {
        // µs per call.
        var times = Array.ConvertAll(Interleaved.Rounds(contenders.ConvertAll(c => c.Run), rounds, calls: 1, warmup: 10), t => Array.ConvertAll(t, s => s * 1e6));
        Console.WriteLine($"{title}:");
        for (int j = 0; j < contenders.Count; j++)
        {
            Console.WriteLine($"  {contenders[j].Name,-44} best {times[j][0],9:F0} µs, median {times[j][rounds / 2],9:F0} µs; best {times[0][0] / times[j][0],5:F1}× the first");
        }
    }
}
