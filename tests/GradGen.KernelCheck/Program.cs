using System;
using System.Linq;
using System.Numerics.Tensors;
using GradGen;

// Float kernels against the double paths on the same (float) inputs, at the start-up width and — for the GEMM and the
// row kernels — at every forced width, float and double (the row kernels against scalar references); prints the path and one line per check, exits 1 on any disagreement. Tolerances are those of
// the unit tests (tests/GradGen.Tests/Runtime/FloatKernelTests.cs, WidthTests.cs).
Console.WriteLine(SimdWidth.Describe());
int failures = 0;
var rng = new Random(14);

void Report(string name, double worst, double tolerance)
{
    bool ok = worst <= tolerance;
    if (!ok) failures++;
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {name}: worst relative error {worst:E2} (tolerance {tolerance:E1})");
}

float[] RandomFloats(int n, double scale = 1) { var x = new float[n]; for (int i = 0; i < n; i++) x[i] = (float)((rng.NextDouble() * 2 - 1) * scale); return x; }
double[] Widen(float[] x) => Array.ConvertAll(x, v => (double)v);
double Worst(float[] got, double[] want, double floor = 1)
{
    double worst = 0;
    for (int i = 0; i < got.Length; i++) worst = Math.Max(worst, Math.Abs(got[i] - want[i]) / Math.Max(floor, Math.Abs(want[i])));
    return worst;
}
double WorstD(double[] got, double[] want, double floor = 1)
{
    double worst = 0;
    for (int i = 0; i < got.Length; i++) worst = Math.Max(worst, Math.Abs(got[i] - want[i]) / Math.Max(floor, Math.Abs(want[i])));
    return worst;
}
Tensor<float> TF(float[] x, params int[] shape) => Tensor.Create(x, Array.ConvertAll(shape, d => (nint)d));
Tensor<double> TD(double[] x, params int[] shape) => Tensor.Create(x, Array.ConvertAll(shape, d => (nint)d));
float[] F(Tensor<float> t) { var f = new float[t.FlattenedLength]; t.FlattenTo(f); return f; }
double[] D(Tensor<double> t) { var f = new double[t.FlattenedLength]; t.FlattenTo(f); return f; }

// GEMM: every width, float and double, plain, with B read by columns (the A·Bᵀ of the adjoints) and with A read by
// columns (the Aᵀ·B of a weight gradient: A packed into strips). 260×520×64 is large enough to run on every core, split
// by rows when A is read by columns (B packed once for all row chunks): at the machine's own width only (software
// widths are slow under emulation).
foreach (var (m, k, n) in new[] { (13, 300, 33), (64, 96, 40), (260, 520, 64) })
{
    float[] a = RandomFloats(m * k), b = RandomFloats(k * n), bt = new float[k * n], at = new float[m * k];
    for (int p = 0; p < k; p++) for (int j = 0; j < n; j++) bt[j * k + p] = b[p * n + j];
    for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) at[p * m + i] = a[i * k + p];
    var want = new double[m * n];
    for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) for (int j = 0; j < n; j++) want[i * n + j] += (double)a[i * k + p] * b[p * n + j];
    foreach (var w in new[] { VectorWidth.W128, VectorWidth.W256, VectorWidth.W512 })
    {
        if (m * k * n > 1 << 20 && w != SimdWidth.Gemm) continue;
        foreach (string layout in new[] { "", " Bᵀ", " Aᵀ" })
        {
            bool tb = layout == " Bᵀ", ta = layout == " Aᵀ";
            var c = new float[m * n];
            var cd = new double[m * n];
            float[] af = ta ? at : a, bf = tb ? bt : b;
            double[] ad = Widen(af), bd = Widen(bf);
            nint aRow = ta ? 1 : k, aInner = ta ? m : 1, bInner = tb ? 1 : n, bCol = tb ? k : 1;
            unsafe
            {
                fixed (float* pa = af, pb = bf, pc = c)
                    Sgemm.Multiply(w, m, n, k, pa, aRow, aInner, pb, bInner, bCol, pc, n, overwrite: true);
                fixed (double* pa = ad, pb = bd, pc = cd)
                    Sgemm.Multiply(w, m, n, k, pa, aRow, aInner, pb, bInner, bCol, pc, n, overwrite: true);
            }
            string label = $"GEMM {(int)w}-bit{(SimdWidth.IsAccelerated(w) ? "" : " (software)")} {m}×{k}×{n}{layout}";
            Report(label + " float", Worst(c, want), 2e-6 * k);
            double worstD = 0;
            for (int i = 0; i < cd.Length; i++) worstD = Math.Max(worstD, Math.Abs(cd[i] - want[i]) / Math.Max(1, Math.Abs(want[i])));
            Report(label + " double", worstD, 1e-13 * k);
        }
    }
}
// Ops.MatMul as a user calls it (the start-up width).
{
    float[] a = RandomFloats(70 * 50), b = RandomFloats(50 * 90);
    Report("Ops.MatMul float vs double 70×50×90", Worst(F(Ops.MatMul(TF(a, 70, 50), TF(b, 50, 90))), D(Ops.MatMul(TD(Widen(a), 70, 50), TD(Widen(b), 50, 90)))), 1e-4);
}
// GELU forward and backward (lengths around the vector widths).
foreach (int len in new[] { 3, 4, 9, 203 })
{
    float[] x = RandomFloats(len, 6), g = RandomFloats(len), into = RandomFloats(len);
    Report($"Gelu forward n={len}", Worst(F(Ops.Gelu(TF(x, len))), D(Ops.Gelu(TD(Widen(x), len)))), 1e-5);
    var intoF = TF((float[])into.Clone(), len);
    var intoD = TD(Widen(into), len);
    Adjoint.Gelu(TF(g, len), TF(x, len), intoF);
    Adjoint.Gelu(TD(Widen(g), len), TD(Widen(x), len), intoD);
    Report($"Gelu backward n={len}", Worst(F(intoF), D(intoD)), 1e-5);
}
// LayerNorm forward, causal softmax forward, softmax cross-entropy.
foreach (int c in new[] { 5, 12, 130 })
{
    float[] x = RandomFloats(3 * c, 3), w = RandomFloats(c), bias = RandomFloats(c);
    Report($"LayerNorm forward C={c}", Worst(F(Ops.LayerNorm(TF(x, 3, c), TF(w, c), TF(bias, c), 1e-5f)), D(Ops.LayerNorm(TD(Widen(x), 3, c), TD(Widen(w), c), TD(Widen(bias), c), 1e-5))), 1e-4);
}
foreach (int t in new[] { 5, 13, 64 })
{
    float[] s = RandomFloats(2 * t * t, 4);
    Report($"CausalSoftmax forward T={t}", Worst(F(Ops.CausalSoftmax(TF(s, 2, t, t), 0.3f)), D(Ops.CausalSoftmax(TD(Widen(s), 2, t, t), 0.3)), 1e-3), 1e-4);
}
foreach (int classes in new[] { 5, 10, 259 })
{
    float[] z = RandomFloats(4 * classes, 5);
    int[] targets = { 0, 1, 2, classes - 1 };
    float lf = Ops.SoftmaxCrossEntropy(TF(z, 4, classes), targets);
    double ld = Ops.SoftmaxCrossEntropy(TD(Widen(z), 4, classes), targets);
    Report($"SoftmaxCrossEntropy C={classes}", Math.Abs(lf - ld) / Math.Max(1, Math.Abs(ld)), 1e-5);
}
// Transposes (exact), written and accumulated, with edges past the blocks.
foreach (var (m, n) in new[] { (4, 4), (9, 13), (64, 67) })
{
    float[] x = RandomFloats(m * n), into = RandomFloats(m * n), y = new float[m * n], acc = (float[])into.Clone();
    MatrixKernels.Transpose<float>(x, y, m, n);
    MatrixKernels.TransposeAccumulate<float>(x, acc, m, n);
    double worst = 0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            worst = Math.Max(worst, Math.Abs(y[j * m + i] - x[i * n + j]));
            worst = Math.Max(worst, Math.Abs(acc[j * m + i] - (into[j * m + i] + x[i * n + j])));
        }
    Report($"Transpose {m}×{n} (blocks of {BlockTranspose.BlockSize<float>()})", worst, 0);
    double[] xd = Widen(x), intoD = Widen(into), yd = new double[m * n], accD = (double[])intoD.Clone();
    MatrixKernels.Transpose<double>(xd, yd, m, n);
    MatrixKernels.TransposeAccumulate<double>(xd, accD, m, n);
    worst = 0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            worst = Math.Max(worst, Math.Abs(yd[j * m + i] - xd[i * n + j]));
            worst = Math.Max(worst, Math.Abs(accD[j * m + i] - (intoD[j * m + i] + xd[i * n + j])));
        }
    Report($"Transpose double {m}×{n} (blocks of {BlockTranspose.BlockSize<double>()})", worst, 0);
}
// The row and element-wise kernels (VectorRows) at every forced width, float and double, against scalar references in
// double on the same inputs: GELU forward and backward, LayerNorm, causal softmax, softmax cross-entropy (loss and
// gradient). Tolerances as in tests/GradGen.Tests/Runtime/VectorRowTests.cs (float: those of the float kernels).
foreach (var w in new[] { VectorWidth.W128, VectorWidth.W256, VectorWidth.W512 })
{
    string at = $"{(int)w}-bit{(SimdWidth.IsAccelerated(w) ? "" : " (software)")}";
    const double K = 0.79788456080286535588, Cu = 0.044715;
    {
        const int n = 203;
        float[] x = RandomFloats(n, 6), g = RandomFloats(n);
        double[] want = Array.ConvertAll(x, v => 0.5 * v * (1 + Math.Tanh(K * (v + Cu * (double)v * v * v))));
        double[] wantD = new double[n];
        for (int i = 0; i < n; i++)
        {
            double v = x[i], u = K * (v + Cu * v * v * v), sech = 1 / Math.Cosh(u);
            wantD[i] = g[i] * (0.5 * (1 + Math.Tanh(u)) + 0.5 * v * sech * sech * K * (1 + 3 * Cu * v * v));
        }
        float[] yf = new float[n], df = new float[n];
        double[] yd = new double[n], dd = new double[n];
        RowKernels.Gelu<float>(x, yf, w);
        RowKernels.Gelu<double>(Widen(x), yd, w);
        RowKernels.GeluBackward<float>(g, x, df, w);
        RowKernels.GeluBackward<double>(Widen(g), Widen(x), dd, w);
        Report($"Gelu {at} float forward", Worst(yf, want), 5e-7);
        Report($"Gelu {at} float backward", Worst(df, wantD), 5e-7);
        Report($"Gelu {at} double forward", WorstD(yd, want), 1e-14);
        Report($"Gelu {at} double backward", WorstD(dd, wantD), 1e-14);
    }
    {
        const int c = 130, rows = 3;
        float[] x = RandomFloats(rows * c, 3), wt = RandomFloats(c), bias = RandomFloats(c);
        var want = new double[rows * c];
        for (int r = 0; r < rows; r++)
        {
            double mean = 0, v2 = 0;
            for (int i = 0; i < c; i++) mean += x[r * c + i];
            mean /= c;
            for (int i = 0; i < c; i++) v2 += (x[r * c + i] - mean) * (x[r * c + i] - mean);
            double rstd = 1 / Math.Sqrt(v2 / c + 1e-5);
            for (int i = 0; i < c; i++) want[r * c + i] = (x[r * c + i] - mean) * rstd * wt[i] + bias[i];
        }
        float[] yf = new float[rows * c];
        double[] yd = new double[rows * c];
        RowKernels.LayerNorm<float>(x, wt, bias, 1e-5f, yf, c, w);
        RowKernels.LayerNorm<double>(Widen(x), Widen(wt), Widen(bias), 1e-5, yd, c, w);
        Report($"LayerNorm {at} float C={c}", Worst(yf, want), 1e-5);
        Report($"LayerNorm {at} double C={c}", WorstD(yd, want), 1e-13);
    }
    {
        const int t = 19;
        float[] s = RandomFloats(t * t, 4);
        var want = new double[t * t];
        for (int i = 0; i < t; i++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int j = 0; j <= i; j++) max = Math.Max(max, 0.3 * s[i * t + j]);
            for (int j = 0; j <= i; j++) sum += Math.Exp(0.3 * s[i * t + j] - max);
            for (int j = 0; j <= i; j++) want[i * t + j] = Math.Exp(0.3 * s[i * t + j] - max) / sum;
        }
        float[] yf = new float[t * t];
        double[] yd = new double[t * t];
        RowKernels.CausalSoftmax<float>(s, 0.3f, yf, t, w);
        RowKernels.CausalSoftmax<double>(Widen(s), 0.3, yd, t, w);
        // The float kernel's scale is 0.3f: compare it against its own scale's reference to float tolerance.
        Report($"CausalSoftmax {at} float T={t}", Worst(yf, want), 1e-5);
        Report($"CausalSoftmax {at} double T={t}", WorstD(yd, want), 1e-13);

        // Its backward from the double y, written over garbage (a first contribution: 0 where masked) and added.
        float[] g = RandomFloats(t * t, 6);
        var wantG = new double[t * t];
        for (int i = 0; i < t; i++)
        {
            double dot = 0;
            for (int j = 0; j <= i; j++) dot += g[i * t + j] * yd[i * t + j];
            for (int j = 0; j <= i; j++) wantG[i * t + j] = 0.3 * yd[i * t + j] * (g[i * t + j] - dot);
        }
        float[] yNarrow = Array.ConvertAll(yd, v => (float)v), gf = Enumerable.Repeat(float.NaN, t * t).ToArray(), gfAdded = new float[t * t];
        double[] gd = Enumerable.Repeat(double.NaN, t * t).ToArray();
        RowKernels.CausalSoftmaxBackward<float>(g, yNarrow, 0.3f, gf, t, w, write: true);
        RowKernels.CausalSoftmaxBackward<float>(g, yNarrow, 0.3f, gfAdded, t, w);
        RowKernels.CausalSoftmaxBackward<double>(Widen(g), yd, 0.3, gd, t, w, write: true);
        Report($"CausalSoftmax backward {at} float T={t} (written)", Worst(gf, wantG), 1e-5);
        Report($"CausalSoftmax backward {at} float T={t} (added)", Worst(gfAdded, wantG), 1e-5);
        Report($"CausalSoftmax backward {at} double T={t} (written)", WorstD(gd, wantG), 1e-13);
    }
    {
        const int rows = 4, classes = 259;
        float[] z = RandomFloats(rows * classes, 5);
        int[] targets = { 0, 7, 100, classes - 1 };
        double loss = 0;
        var wantG = new double[rows * classes];
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int i = 0; i < classes; i++) max = Math.Max(max, z[r * classes + i]);
            for (int i = 0; i < classes; i++) sum += Math.Exp(z[r * classes + i] - max);
            loss += max + Math.Log(sum) - z[r * classes + targets[r]];
            for (int i = 0; i < classes; i++) wantG[r * classes + i] = 0.25 * (Math.Exp(z[r * classes + i] - max) / sum - (i == targets[r] ? 1 : 0));
        }
        loss /= rows;
        float[] gf = new float[rows * classes];
        double[] gd = new double[rows * classes];
        float lf = RowKernels.CrossEntropy<float>(z, targets, rows, classes, 0.25f, gf, wantLoss: true, w);
        double ld = RowKernels.CrossEntropy<double>(Widen(z), targets, rows, classes, 0.25, gd, wantLoss: true, w);
        Report($"SoftmaxCrossEntropy {at} float loss", Math.Abs(lf - loss) / Math.Max(1, Math.Abs(loss)), 1e-6);
        Report($"SoftmaxCrossEntropy {at} float gradient", Worst(gf, wantG), 1e-6);
        Report($"SoftmaxCrossEntropy {at} double loss", Math.Abs(ld - loss) / Math.Max(1, Math.Abs(loss)), 1e-13);
        Report($"SoftmaxCrossEntropy {at} double gradient", WorstD(gd, wantG), 1e-14);
    }
}
// TinyGpt's generated LossBackward in float (every fast path forward and backward at this machine's width) against
// central finite differences on a tiny model (B = 2, T = 4, C = 8, NH = 2, V = 16, L = 1), as the sample's --check.
try
{
    var (worst, maxError, tolerance, count) = GradGen.Samples.TinyGpt.GradientCheck.Run(new Random(1));
    Console.WriteLine($"ok   TinyGpt gradient check (float): {count} weights, worst {worst} error {maxError:E2} (tolerance {tolerance:E1})");
}
catch (GradCheckException e)
{
    failures++;
    Console.WriteLine($"FAIL TinyGpt gradient check (float): {e.Message}");
}
// The worker pool under contention (3 threads starting jobs back to back, each at least 500 jobs and 2 s): each chunk once, Run waiting for all.
{
    var (jobs, violations, finished) = WorkerPoolCheck.Run(3, 500, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(2));
    bool ok = finished && violations.Length == 0 && jobs >= 3 * 500;
    if (!ok) failures++;
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} worker pool under contention: {jobs} jobs{(finished ? "" : ", HUNG")}{(violations.Length > 0 ? ": " + string.Join("; ", violations) : "")}");
}
Console.WriteLine(failures == 0 ? "all kernels agree" : $"{failures} disagreements");
return failures == 0 ? 0 : 1;
