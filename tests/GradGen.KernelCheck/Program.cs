using System;
using System.Linq;
using System.Numerics.Tensors;
using GradGen;

// Float kernels against the double paths on the same (float) inputs, at the start-up width and — for the GEMM and the
// row kernels and the heads' copies — at every forced width, float and double (the row kernels against scalar references); prints the path and one line per check, exits 1 on any disagreement. Tolerances are those of
// the unit tests (tests/GradGen.Tests/Runtime/FloatKernelTests.cs, WidthTests.cs), or stated where a check adds its own.
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
// widths are slow under emulation). 26×1024×256 has A's rows 4 KB apart (8 KB in double) and panels enough for each
// chunk: the 12-row tiles (AVX-512, ARM64) pack them through 128-bit block transposes.
foreach (var (m, k, n) in new[] { (13, 300, 33), (64, 96, 40), (260, 520, 64), (26, 1024, 256) })
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
            // The epilogue: a bias row added and ReLU taken in the store of the last block, against the double product
            // plus the bias, then max(·, 0).
            var ce = new float[m * n];
            var wantE = new double[m * n];
            float[] bias = RandomFloats(n);
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) wantE[i * n + j] = Math.Max(want[i * n + j] + bias[j], 0);
            unsafe
            {
                fixed (float* pa = af, pb = bf, pc = ce, pbias = bias)
                    Sgemm.Multiply(w, m, n, k, pa, aRow, aInner, pb, bInner, bCol, pc, n, overwrite: true, pbias, relu: true);
            }
            Report(label + " float + bias, ReLU", Worst(ce, wantE), 2e-6 * k);
        }
    }
}
// The 12-row tiles (512 bits; ARM64's 128) pack 26×1024×256's A (PackedGemm.RowsAlias), the 6-row ones read it in place:
// counted, so a rule that stopped firing shows here instead of passing unseen (1 = it did not do what this width should).
bool twelveRows = SimdWidth.Gemm == VectorWidth.W512 || System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported;
Report($"GEMM {(int)SimdWidth.Gemm}-bit: row-major A with rows 4 KB apart packed in {KernelCounters.AliasedRowsPacked} products ({(twelveRows ? "12-row tile: expected" : "6-row tile: none expected")})",
    (KernelCounters.AliasedRowsPacked > 0) == twelveRows ? 0 : 1, 0);
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
// GELU backward written (a first contribution: into not read, here NaN) at the start-up width, float against double.
foreach (int len in new[] { 3, 9, 203 })
{
    float[] x = RandomFloats(len, 6), g = RandomFloats(len);
    var intoF = TF(Enumerable.Repeat(float.NaN, len).ToArray(), len);
    var intoD = TD(Enumerable.Repeat(double.NaN, len).ToArray(), len);
    Adjoint.Gelu(TF(g, len), TF(x, len), intoF, overwrite: true);
    Adjoint.Gelu(TD(Widen(g), len), TD(Widen(x), len), intoD, overwrite: true);
    Report($"Gelu backward written n={len}", Worst(F(intoF), D(intoD)), 1e-5);
}
// GELU(x + row bias) forward and backward as a user calls them (Ops.BiasGelu, Adjoint.BiasGelu: x̄ added or written, b̄ the
// rows' sum), float against double; tolerances those of GELU above (b̄ sums 5 rows: 5 × that).
foreach (var (rows, n) in new[] { (5, 3), (5, 37) })
{
    float[] x = RandomFloats(rows * n, 4), b = RandomFloats(n, 2), g = RandomFloats(rows * n), into = RandomFloats(rows * n), intoB = RandomFloats(n);
    Report($"BiasGelu forward {rows}×{n}", Worst(F(Ops.BiasGelu(TF(x, rows, n), TF(b, n))), D(Ops.BiasGelu(TD(Widen(x), rows, n), TD(Widen(b), n)))), 1e-5);
    foreach (bool overwrite in new[] { false, true })
    {
        var xf = TF(overwrite ? Enumerable.Repeat(float.NaN, rows * n).ToArray() : (float[])into.Clone(), rows, n);
        var xd = TD(overwrite ? Enumerable.Repeat(double.NaN, rows * n).ToArray() : Widen(into), rows, n);
        var bf = TF((float[])intoB.Clone(), n);
        var bd = TD(Widen(intoB), n);
        Adjoint.BiasGelu(TF(g, rows, n), TF(x, rows, n), TF(b, n), xf, bf, overwrite);
        Adjoint.BiasGelu(TD(Widen(g), rows, n), TD(Widen(x), rows, n), TD(Widen(b), n), xd, bd, overwrite);
        Report($"BiasGelu backward {rows}×{n} x̄ {(overwrite ? "written" : "added")}", Worst(F(xf), D(xd)), 1e-5);
        Report($"BiasGelu backward {rows}×{n} b̄ (x̄ {(overwrite ? "written" : "added")})", Worst(F(bf), D(bd)), rows * 1e-5);
    }
}
// Heads as a user calls them (Ops.SplitHeads / MergeHeads, their adjoints: added, first write, tiled onlySlice /
// clearAfter) at the start-up width, float against index-by-index references: copies are exact and an added element is
// into + dY rounded once in float, as the reference computes it, so the tolerance is 0.
{
    const int bt = 2, t = 3, nh = 3;
    foreach (int hs in new[] { 3, 19 })
    {
        int c = nh * hs, w3 = 3 * c;
        float[] qkv = RandomFloats(bt * t * w3), dHeads = RandomFloats(bt * nh * t * hs), garbage = RandomFloats(bt * t * w3);
        int RowAt(int o, int i, int col) => ((o * t) + i) * w3 + col;
        int HeadAt(int o, int h, int i, int j) => (((o * nh) + h) * t + i) * hs + j;
        double worst = 0;
        // The largest difference; a NaN where a number belongs (or the reverse) counts as infinite.
        void Compare(float got, float want)
        {
            double d = got.Equals(want) ? 0 : Math.Abs((double)got - want);
            worst = Math.Max(worst, double.IsNaN(d) ? double.PositiveInfinity : d);
        }
        // Forward: the k slice [c, 2c) of each row split into heads; the heads merged back.
        worst = 0;
        var k = F(Ops.SplitHeads(TF(qkv, bt, t, w3), 2, c, c, [bt, t, nh, hs]));
        for (int o = 0; o < bt; o++) for (int h = 0; h < nh; h++) for (int i = 0; i < t; i++) for (int j = 0; j < hs; j++) Compare(k[HeadAt(o, h, i, j)], qkv[RowAt(o, i, c + h * hs + j)]);
        Report($"SplitHeads forward hs={hs}", worst, 0);
        worst = 0;
        var merged = F(Ops.MergeHeads(TF(dHeads, bt, nh, t, hs), 1, 2, [bt, t, c]));
        for (int o = 0; o < bt; o++) for (int h = 0; h < nh; h++) for (int i = 0; i < t; i++) for (int j = 0; j < hs; j++) Compare(merged[((o * t) + i) * c + h * hs + j], dHeads[HeadAt(o, h, i, j)]);
        Report($"MergeHeads forward hs={hs}", worst, 0);
        // SplitHeads' adjoint into dQkv for the k slice: added; first write (the rest of each row 0); tiled (only the slice
        // written, the rest as it was; with clearAfter the v columns after it 0).
        foreach (var (mode, overwrite, onlySlice, clearAfter) in new[] { ("added", false, false, false), ("first write", true, false, false), ("tiled onlySlice", true, true, false), ("tiled clearAfter", true, true, true) })
        {
            var into = (float[])garbage.Clone();
            Adjoint.SplitHeads(TF(dHeads, bt, nh, t, hs), 2, c, TF(into, bt, t, w3), overwrite, onlySlice, clearAfter);
            worst = 0;
            for (int o = 0; o < bt; o++)
                for (int i = 0; i < t; i++)
                    for (int col = 0; col < w3; col++)
                    {
                        float want;
                        if (col >= c && col < 2 * c)
                        {
                            int h = (col - c) / hs, j = (col - c) % hs;
                            float dy = dHeads[HeadAt(o, h, i, j)];
                            want = overwrite ? dy : garbage[RowAt(o, i, col)] + dy;
                        }
                        else want = !overwrite || (onlySlice && (col < c || !clearAfter)) ? garbage[RowAt(o, i, col)] : 0f;
                        Compare(into[RowAt(o, i, col)], want);
                    }
            Report($"SplitHeads backward hs={hs} {mode}", worst, 0);
        }
        // MergeHeads' adjoint: dHeads from the merged rows' gradient, added and written.
        foreach (bool overwrite in new[] { false, true })
        {
            float[] dMerged = RandomFloats(bt * t * c), into = RandomFloats(bt * nh * t * hs), before = (float[])into.Clone();
            Adjoint.MergeHeads(TF(dMerged, bt, t, c), 1, 2, TF(into, bt, nh, t, hs), overwrite);
            worst = 0;
            for (int o = 0; o < bt; o++) for (int h = 0; h < nh; h++) for (int i = 0; i < t; i++) for (int j = 0; j < hs; j++)
            {
                float dy = dMerged[((o * t) + i) * c + h * hs + j];
                Compare(into[HeadAt(o, h, i, j)], overwrite ? dy : before[HeadAt(o, h, i, j)] + dy);
            }
            Report($"MergeHeads backward hs={hs} {(overwrite ? "written" : "added")}", worst, 0);
        }
    }
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
        // Written over garbage (NaN): the first contribution's form, not reading into.
        float[] dfw = Enumerable.Repeat(float.NaN, n).ToArray();
        double[] ddw = Enumerable.Repeat(double.NaN, n).ToArray();
        RowKernels.GeluBackward<float>(g, x, dfw, w, overwrite: true);
        RowKernels.GeluBackward<double>(Widen(g), Widen(x), ddw, w, overwrite: true);
        Report($"Gelu {at} float backward written", Worst(dfw, wantD), 5e-7);
        Report($"Gelu {at} double backward written", WorstD(ddw, wantD), 1e-14);
    }
    // GELU(x + row bias): forward; backward with x̄ added (to random values) or written (over NaN) and b̄ += the rows' sum
    // of ĝ = g ⊙ gelu′(x + b); and b̄ alone. The references take x + b as the kernel rounds it (in float for float), so
    // ĝ has GELU's tolerance; an added x̄ one rounding more (|into + ĝ| ≤ 2.2: 5·10⁻⁷ + 2.2·2⁻²⁴ < 10⁻⁶ with the floor 1);
    // b̄, relative to max(1, |b̄₀| + Σ|ĝ|), at most that per row it sums (rows × 10⁻⁶; double rows × 10⁻¹⁴). A missing
    // row or bias term is off by 10⁻¹ and more. Rows of 37 leave a partial vector at every width, rows of 3 less than one.
    foreach (var (rows, n) in new[] { (5, 3), (5, 37) })
    {
        float[] x = RandomFloats(rows * n, 4), b = RandomFloats(n, 2), g = RandomFloats(rows * n), into0 = RandomFloats(rows * n), bias0 = RandomFloats(n);
        double Gelu(double v) => 0.5 * v * (1 + Math.Tanh(K * (v + Cu * v * v * v)));
        double GeluD(double v) { double u = K * (v + Cu * v * v * v), sech = 1 / Math.Cosh(u); return 0.5 * (1 + Math.Tanh(u)) + 0.5 * v * sech * sech * K * (1 + 3 * Cu * v * v); }
        foreach (bool inDouble in new[] { false, true })
        {
            // The pre-activation as each kernel rounds it: float x + b in float, double x + b in double.
            double[] s = new double[rows * n];
            for (int i = 0; i < s.Length; i++) s[i] = inDouble ? (double)x[i] + b[i % n] : (double)(x[i] + b[i % n]);
            double[] wantY = Array.ConvertAll(s, Gelu), gHat = new double[s.Length];
            for (int i = 0; i < s.Length; i++) gHat[i] = g[i] * GeluD(s[i]);
            double[] wantAdded = new double[s.Length], wantB = (double[])Widen(bias0), scaleB = Array.ConvertAll(bias0, v => (double)Math.Abs(v));
            for (int i = 0; i < s.Length; i++) { wantAdded[i] = into0[i] + gHat[i]; wantB[i % n] += gHat[i]; scaleB[i % n] += Math.Abs(gHat[i]); }
            double BiasError(double[] got)
            {
                double worst = 0;
                for (int j = 0; j < n; j++) worst = Math.Max(worst, Math.Abs(got[j] - wantB[j]) / Math.Max(1, scaleB[j]));
                return worst;
            }
            string label = $"BiasGelu {at} {(inDouble ? "double" : "float")} {rows}×{n}";
            double unit = inDouble ? 1e-14 : 5e-7, added = inDouble ? 1e-14 : 1e-6;
            if (!inDouble)
            {
                float[] y = new float[s.Length], xa = (float[])into0.Clone(), xw = Enumerable.Repeat(float.NaN, s.Length).ToArray();
                float[] ba = (float[])bias0.Clone(), bw = (float[])bias0.Clone(), bo = (float[])bias0.Clone();
                RowKernels.BiasGelu<float>(x, b, y, w);
                RowKernels.BiasGeluBackward<float>(g, x, b, xa, ba, w, overwrite: false);
                RowKernels.BiasGeluBackward<float>(g, x, b, xw, bw, w, overwrite: true);
                RowKernels.BiasGeluBackward<float>(g, x, b, Span<float>.Empty, bo, w, overwrite: false);
                Report($"{label} forward", Worst(y, wantY), unit);
                Report($"{label} backward x̄ added", Worst(xa, wantAdded), added);
                Report($"{label} backward x̄ written", Worst(xw, gHat), unit);
                Report($"{label} backward b̄ (x̄ added)", BiasError(Widen(ba)), rows * added);
                Report($"{label} backward b̄ (x̄ written)", BiasError(Widen(bw)), rows * added);
                Report($"{label} backward b̄ alone", BiasError(Widen(bo)), rows * added);
            }
            else
            {
                double[] y = new double[s.Length], xa = Widen(into0), xw = Enumerable.Repeat(double.NaN, s.Length).ToArray();
                double[] ba = Widen(bias0), bw = Widen(bias0), bo = Widen(bias0);
                RowKernels.BiasGelu<double>(Widen(x), Widen(b), y, w);
                RowKernels.BiasGeluBackward<double>(Widen(g), Widen(x), Widen(b), xa, ba, w, overwrite: false);
                RowKernels.BiasGeluBackward<double>(Widen(g), Widen(x), Widen(b), xw, bw, w, overwrite: true);
                RowKernels.BiasGeluBackward<double>(Widen(g), Widen(x), Widen(b), Span<double>.Empty, bo, w, overwrite: false);
                Report($"{label} forward", WorstD(y, wantY), unit);
                Report($"{label} backward x̄ added", WorstD(xa, wantAdded), added);
                Report($"{label} backward x̄ written", WorstD(xw, gHat), unit);
                Report($"{label} backward b̄ (x̄ added)", BiasError(ba), rows * added);
                Report($"{label} backward b̄ (x̄ written)", BiasError(bw), rows * added);
                Report($"{label} backward b̄ alone", BiasError(bo), rows * added);
            }
        }
    }
    // The heads' pass (Heads.Gather / Scatter under SplitHeads, MergeHeads and their adjoints) at this width, float and
    // double, head sizes 3 (below a vector) and 19 (whole vectors and a partial one at every width): copied and added
    // (into + source rounded once, as the reference rounds it) — exact, tolerance 0.
    foreach (int hs in new[] { 3, 19 })
    {
        const int outer = 2, t = 3, nh = 3, start = 2;
        int cols = start + nh * hs + 5;
        float[] rowsF = RandomFloats(outer * t * cols), headsF = RandomFloats(outer * nh * t * hs), beforeRows = RandomFloats(rowsF.Length), beforeHeads = RandomFloats(headsF.Length);
        int RowAt(int o, int h, int i, int j) => ((o * t) + i) * cols + start + h * hs + j;
        int HeadAt(int o, int h, int i, int j) => (((o * nh) + h) * t + i) * hs + j;
        foreach (bool accumulate in new[] { false, true })
        {
            double worstF = 0, worstD = 0;
            float[] gf = (float[])beforeHeads.Clone(), sf = (float[])beforeRows.Clone();
            double[] gd = Widen(beforeHeads), sd = Widen(beforeRows);
            Heads.Gather<float>(rowsF, gf, outer, t, cols, start, nh, hs, accumulate, w);
            Heads.Gather<double>(Widen(rowsF), gd, outer, t, cols, start, nh, hs, accumulate, w);
            Heads.Scatter<float>(headsF, sf, outer, t, cols, start, nh, hs, accumulate, clearBefore: !accumulate, clearAfter: !accumulate, w);
            Heads.Scatter<double>(Widen(headsF), sd, outer, t, cols, start, nh, hs, accumulate, clearBefore: !accumulate, clearAfter: !accumulate, w);
            float[] wantG = (float[])beforeHeads.Clone(), wantS = (float[])beforeRows.Clone();
            double[] wantGD = Widen(beforeHeads), wantSD = Widen(beforeRows);
            if (!accumulate)
            {
                for (int i = 0; i < wantS.Length; i++) { wantS[i] = 0; wantSD[i] = 0; }
            }
            for (int o = 0; o < outer; o++) for (int h = 0; h < nh; h++) for (int i = 0; i < t; i++) for (int j = 0; j < hs; j++)
            {
                int r = RowAt(o, h, i, j), q = HeadAt(o, h, i, j);
                wantG[q] = accumulate ? wantG[q] + rowsF[r] : rowsF[r];
                wantGD[q] = accumulate ? wantGD[q] + rowsF[r] : rowsF[r];
                wantS[r] = accumulate ? wantS[r] + headsF[q] : headsF[q];
                wantSD[r] = accumulate ? wantSD[r] + headsF[q] : headsF[q];
            }
            for (int i = 0; i < gf.Length; i++) { worstF = Math.Max(worstF, gf[i].Equals(wantG[i]) ? 0 : 1); worstD = Math.Max(worstD, gd[i].Equals(wantGD[i]) ? 0 : 1); }
            for (int i = 0; i < sf.Length; i++) { worstF = Math.Max(worstF, sf[i].Equals(wantS[i]) ? 0 : 1); worstD = Math.Max(worstD, sd[i].Equals(wantSD[i]) ? 0 : 1); }
            string mode = accumulate ? "added" : "written, rest of the rows cleared";
            Report($"Heads {at} float hs={hs} gather/scatter {mode} (1 = some element differs)", worstF, 0);
            Report($"Heads {at} double hs={hs} gather/scatter {mode} (1 = some element differs)", worstD, 0);
        }
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
